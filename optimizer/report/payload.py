"""The data a report page draws, as one JSON-ready dict (the page's script only renders it).

Times are integer seconds from ``origin`` (the earliest shift start over all plans); the page
labels them as clock times of ``origin_clock_min`` (minutes after local midnight of the origin,
in the problem's own UTC offset). Every technician keeps one colour across all plans of a
scenario (by first appearance).
"""

from __future__ import annotations

import colorsys
from datetime import datetime, timezone
from typing import Any, Optional, Sequence

from optimizer.change_text import change_message
from optimizer.i18n import N_, normalize_language, translate
from optimizer.i18n.report_texts import report_messages
from optimizer.kpis import compute_kpis, route_day
from optimizer.models import Problem, Route, Shift, Solution, Technician
from optimizer.replan.request import ReplanResponse
from optimizer.report.geometry import MapGeometry, map_geometry
from optimizer.report.timeline import route_segments, totals_s

PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
    "#3b5bdb", "#e8590c", "#087f5b", "#c2255c", "#5f3dc4", "#a05a2c", "#0b7285", "#74b816", "#862e9c", "#495057",
)


def colour(index: int) -> str:
    """A distinct colour for route ``index`` (a fixed palette, then golden-angle hues)."""
    if index < len(PALETTE):
        return PALETTE[index]
    hue = (index * 0.618033988749895) % 1.0
    r, g, b = colorsys.hls_to_rgb(hue, 0.42, 0.65)
    return "#%02x%02x%02x" % (int(r * 255), int(g * 255), int(b * 255))


def _origin(problems: Sequence[Problem]) -> datetime:
    return min(p.planning_origin() for p in problems)


def _shift_of(tech: Optional[Technician], route: Route) -> Optional[Shift]:
    """The shift (defaults filled in) that ``route`` plans; None for an unknown technician or shift."""
    if tech is None:
        return None
    shifts = tech.work_shifts()
    k = route.shift_index or 0
    return shifts[k] if k < len(shifts) else None


def _start_location(problem: Problem, tech: Technician, route: Route, shift: Shift):
    """Where the route leaves from: ``current_location`` on the current shift, else the shift's start."""
    if tech.current_location is not None and (route.shift_index or 0) == tech.current_shift_index(problem.now):
        return tech.current_location
    return shift.start_location


def plan_payload(
    name: str,
    problem: Problem,
    solution: Solution,
    geometry: MapGeometry,
    origin: datetime,
    colours: dict[str, str],
    description: Optional[str] = None,
) -> dict[str, Any]:
    """One plan: KPIs, routes (Gantt segments, map path, stops), unassigned jobs."""
    kpis = solution.kpis or compute_kpis(problem, solution)
    techs = {t.id: t for t in problem.technicians}
    jobs = {j.id: j for j in problem.jobs}

    def sec(moment: datetime) -> int:
        return int(round((moment - origin).total_seconds()))

    def ll(location) -> Optional[list[float]]:
        return None if location is None or location.lat is None else [round(location.lon, 5), round(location.lat, 5)]

    routes: list[dict[str, Any]] = []
    for route in solution.routes:
        tech = techs.get(route.technician_id)
        if route.technician_id not in colours:
            colours[route.technician_id] = colour(len(colours))
        segments = route_segments(route, origin)
        stops: list[dict[str, Any]] = []
        for n, stop in enumerate(route.stops, start=1):
            job = jobs.get(stop.job_id)
            stops.append({
                "n": n, "job_id": stop.job_id, "at": ll(job.location) if job else None,
                "start_s": sec(stop.start), "end_s": sec(stop.end), "arrival_s": sec(stop.arrival),
                "late_s": stop.lateness_s, "late": stop.sla_met is False,
                "priority": job.priority.value if job else None,
                "deadline_s": sec(job.sla_deadline) if job and job.sla_deadline else None,
            })
        shift = _shift_of(tech, route)
        path: list = []
        if tech is not None and shift is not None and route.stops:
            locations = [_start_location(problem, tech, route, shift)] + [jobs[s.job_id].location for s in route.stops if s.job_id in jobs]
            locations.append(shift.end_location)
            path = geometry.path(locations)
        routes.append({
            "technician_id": route.technician_id,
            "colour": colours[route.technician_id],
            "day": route_day(problem, route) if problem.multi_shift else None,
            "shift": [sec(shift.start), sec(shift.end)] if shift else None,
            "span": [sec(route.start), sec(route.end)] if route.start and route.end else None,
            "segments": [[s.kind, s.start_s, s.end_s, s.job_id, s.late] for s in segments],
            "totals_s": totals_s(segments),
            "stops": stops,
            "depot": ll(_start_location(problem, tech, route, shift)) if tech and shift else None,
            "depot_end": ll(shift.end_location) if shift else None,
            "path": path,
            "travel_time_s": route.travel_time_s,
            "distance_m": route.distance_m,
            "breaches": sum(1 for s in stops if s["late"]),
        })
    unassigned: list[dict[str, Any]] = []
    done: list[dict[str, Any]] = []
    for item in solution.unassigned:
        job = jobs.get(item.job_id)
        entry = {
            "job_id": item.job_id, "reason": item.reason, "code": item.code,
            "at": ll(job.location) if job else None, "priority": job.priority.value if job else None,
        }
        # Work completed before a re-plan is done, not unserved (KPIs leave it out of jobs_total).
        (done if item.code == "completed" else unassigned).append(entry)
    late = sorted(
        ({"job_id": st["job_id"], "technician_id": rt["technician_id"], "late_min": round(st["late_s"] / 60.0, 1),
          "priority": st["priority"], "end_s": st["end_s"], "deadline_s": st["deadline_s"], "colour": rt["colour"]}
         for rt in routes for st in rt["stops"] if st["late"]),
        key=lambda x: (-x["late_min"], x["job_id"]),
    )
    solver = solution.solver
    return {
        "name": name,
        "description": description,
        "kpis": kpis.model_dump(mode="json"),
        "routes": routes,
        "days": sorted({r["day"] for r in routes if r["day"]}),
        "unassigned": unassigned,
        "done": done,
        "late": late,
        "warnings": list(solution.warnings),
        "solver": solver.model_dump(mode="json") if solver else None,
    }


def report_payload(
    plans: Sequence[tuple[str, Problem, Solution]],
    title: str = "Dispatch plan",
    comparison: Optional[dict[str, Any]] = None,
    descriptions: Optional[dict[str, str]] = None,
    road: Optional[bool] = None,
    replan: Optional[ReplanResponse] = None,
    language: str = "en",
) -> dict[str, Any]:
    """The whole page's data: plans (first shown first), shared basemap, optional comparison,
    and for a re-plan's answer (``replan``, about the first plan) its state and changes. ``lang``
    and ``messages`` (the catalog's translations of the page's texts) make the page speak
    ``language``."""
    if not plans:
        raise ValueError("a report needs at least one plan")
    first_problem, first_solution = plans[0][1], plans[0][2]
    geometry = map_geometry(first_problem, first_solution, road=road)
    origin = _origin([p for _, p, _ in plans])
    colours: dict[str, str] = {}
    for t in first_problem.technicians:
        colours.setdefault(t.id, colour(len(colours)))
    plan_list = [
        plan_payload(name, problem, solution, geometry, origin, colours, (descriptions or {}).get(name))
        for name, problem, solution in plans
    ]
    if replan is not None:
        _attach_done_work(plan_list[0], replan, origin)
    return {
        "title": title,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "origin": origin.isoformat(),
        "origin_clock_min": origin.hour * 60 + origin.minute + origin.second / 60.0,
        "utc_offset": origin.strftime("%z"),
        "map": {"source": geometry.source, "note": translate(geometry.note, language) if geometry.note else None, "basemap": geometry.basemap,
                "streets": geometry.streets},
        "plans": plan_list,
        "comparison": comparison,
        "replan": replan_payload(replan, origin, language) if replan is not None else None,
        "lang": normalize_language(language) or "en",
        "messages": report_messages(language, extra=[m.label for m in _metrics()] + CHANGE_KINDS + EVENT_TYPES),
    }


CHANGE_KINDS = [N_("reassigned"), N_("time_shifted"), N_("unassigned"), N_("assigned")]
"""Display names of ``changes[].kind`` (the codes stay as they are in the JSON)."""

EVENT_TYPES = [N_("new_job"), N_("job_cancelled"), N_("technician_unavailable"), N_("job_overrun"), N_("technician_delayed"),
               N_("shift_extended"), N_("job_started"), N_("job_completed"), N_("technician_position")]
"""Display names of event types (``changes[].cause_type``)."""


def _metrics():
    from optimizer.scenarios.compare import METRICS

    return METRICS


def _attach_done_work(plan: dict[str, Any], answer: ReplanResponse, origin: datetime) -> None:
    """Give each done job of ``plan`` its technician and times from the re-plan's state, and each
    route the done work of its technician (drawn as done on the Gantt)."""
    if answer.state is None:
        return
    by_job = {d.job_id: d for d in answer.state.completed}
    rows = {r["technician_id"]: r for r in plan["routes"]}
    for entry in plan["done"]:
        d = by_job.get(entry["job_id"])
        if d is None:
            continue
        start = None if d.start is None else int(round((d.start - origin).total_seconds()))
        end = None if d.end is None else int(round((d.end - origin).total_seconds()))
        entry.update({"technician_id": d.technician_id, "start_s": start, "end_s": end, "source": d.source})
        if d.technician_id in rows and start is not None and end is not None:
            rows[d.technician_id].setdefault("done", []).append([start, end, d.job_id])


def replan_payload(answer: ReplanResponse, origin: datetime, language: str = "en") -> dict[str, Any]:
    """The re-plan block: ``now``, work done (job, technician, times, source), jobs under way,
    the changes with their causes, and the state's warnings."""

    def sec(moment: Optional[datetime]) -> Optional[int]:
        return None if moment is None else int(round((moment - origin).total_seconds()))

    state = answer.state
    return {
        "now_s": sec(state.now if state is not None and state.now is not None else answer.problem.now),
        "done": [{"job_id": d.job_id, "technician_id": d.technician_id, "start_s": sec(d.start), "end_s": sec(d.end),
                  "source": d.source} for d in (state.completed if state is not None else [])],
        "in_progress": list(state.in_progress) if state is not None else [],
        "dispatched": list(state.dispatched) if state is not None else [],
        "warnings": [translate(w.message, language) for w in state.warnings] if state is not None else [],
        "changes": [{**c.model_dump(mode="json"), "text": change_message(c, language)} for c in answer.changes],
    }


def comparison_payload(named_kpis, wall_times_s: Optional[Sequence[float]] = None) -> dict[str, Any]:
    """The scenario comparison block: metrics with values per run and deltas against the first."""
    from optimizer.scenarios.compare import METRICS, compare

    table = compare(named_kpis)
    names = [n for n, _ in named_kpis]
    return {
        "runs": names,
        "wall_times_s": list(wall_times_s) if wall_times_s is not None else None,
        "metrics": [
            {
                "key": m.key, "label": m.label, "unit": m.unit, "digits": m.digits,
                "higher_is_better": m.higher_is_better,
                "values": [table[m.key][n].value for n in names],
                "deltas": [table[m.key][n].delta for n in names],
                "better": [table[m.key][n].better for n in names],
            }
            for m in METRICS
        ],
    }
