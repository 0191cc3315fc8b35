"""Independent validator: recompute every schedule from the problem and the travel matrix and
report every violated rule. It never imports the solver; it reads only the Problem, the
Solution and the matrix, so it checks every engine (and the benchmark peers) the same way.

Rules (``Violation.rule``):
``unknown_technician``, ``duplicate_route``, ``unknown_job``, ``missing_job``,
``duplicate_job``, ``empty_reason``, ``completed_routed``, ``skill``, ``pinned``, ``excluded``,
``time_window``, ``shift_start``, ``shift_end``, ``break_missing``, ``break_extra``,
``break_window``, ``break_duration``, ``break_overlap``, ``break_gap``, ``parts``,
``max_jobs``, ``timing`` (arrival/start/end inconsistent with travel and durations),
``travel`` (a leg's travel_time_s/distance_m differs from the matrix), ``totals`` (route
totals differ from the recomputed sums).

Break semantics (see :class:`optimizer.models.technician.Break`): a technician with stops takes
each break once, starting in its window, never during a service; a break inside the route span
[start, end] lies in a gap between two consecutive points (departure or a stop's end, and the
next stop's start or the route end), and that gap must hold the leg's travel time plus the
breaks in it. Breaks entirely before departure or after the return are allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from optimizer.geo.matrix import PointIndex, TravelMatrix, build_problem_matrix
from optimizer.models import Problem, Solution
from optimizer.models.job import JobStatus
from optimizer.models.timebase import minutes_to_s

TOLERANCE_S = 1
"""Seconds of slack allowed on every time comparison (datetime rounding)."""


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    job_id: Optional[str] = None
    technician_id: Optional[str] = None


def _s(a: datetime, b: datetime) -> float:
    """Seconds from ``b`` to ``a``."""
    return (a - b).total_seconds()


def validate(
    problem: Problem,
    solution: Solution,
    matrix: Optional[TravelMatrix] = None,
    points: Optional[PointIndex] = None,
) -> list[Violation]:
    """Every violated rule of ``solution`` for ``problem``; an empty list means valid."""
    if matrix is None or points is None:
        matrix, points = build_problem_matrix(problem)
    out: list[Violation] = []
    jobs = {j.id: j for j in problem.jobs}
    techs = {t.id: t for t in problem.technicians}

    seen_routes: set[str] = set()
    placed: dict[str, str] = {}
    for route in solution.routes:
        tid = route.technician_id
        if tid not in techs:
            out.append(Violation("unknown_technician", f"route of unknown technician {tid!r}", technician_id=tid))
            continue
        if tid in seen_routes:
            out.append(Violation("duplicate_route", f"technician {tid} has more than one route", technician_id=tid))
        seen_routes.add(tid)
        for stop in route.stops:
            if stop.job_id not in jobs:
                out.append(Violation("unknown_job", f"route of {tid} holds unknown job {stop.job_id!r}", stop.job_id, tid))
            elif stop.job_id in placed:
                out.append(Violation("duplicate_job", f"job {stop.job_id} is routed twice ({placed[stop.job_id]}, {tid})", stop.job_id, tid))
            else:
                placed[stop.job_id] = tid
    for u in solution.unassigned:
        if u.job_id not in jobs:
            out.append(Violation("unknown_job", f"unassigned entry for unknown job {u.job_id!r}", u.job_id))
        elif u.job_id in placed:
            out.append(Violation("duplicate_job", f"job {u.job_id} is both routed ({placed[u.job_id]}) and unassigned", u.job_id))
        else:
            placed[u.job_id] = "(unassigned)"
        if not u.reason or not u.reason.strip():
            out.append(Violation("empty_reason", f"job {u.job_id} is unassigned without a reason", u.job_id))
    for job in problem.jobs:
        if job.id not in placed:
            out.append(Violation("missing_job", f"job {job.id} is neither routed nor unassigned", job.id))

    for route in solution.routes:
        tech = techs.get(route.technician_id)
        if tech is not None:
            out.extend(_check_route(problem, tech, route, jobs, matrix, points))
    return out


def _check_route(problem, tech, route, jobs, matrix, points) -> list[Violation]:
    out: list[Violation] = []
    tid = tech.id

    def v(rule, message, job_id=None):
        out.append(Violation(rule, message, job_id, tid))

    stops = [s for s in route.stops if s.job_id in jobs]
    if not stops:
        if route.breaks:
            v("break_extra", f"technician {tid} has no stops but reports breaks")
        return out
    if route.start is None or route.end is None:
        v("timing", f"route of {tid} has stops but no start/end time")
        return out

    # Static rules per job.
    parts_used: dict[str, int] = {}
    for stop in stops:
        job = jobs[stop.job_id]
        if job.status == JobStatus.completed:
            v("completed_routed", f"job {job.id} is completed but routed again", job.id)
        for skill, level in job.skills.items():
            if tech.skills.get(skill, 0) < level:
                v("skill", f"job {job.id} needs {skill} at level {level}; {tid} has {tech.skills.get(skill, 0)}", job.id)
        if job.pinned_technician is not None and job.pinned_technician != tid:
            v("pinned", f"job {job.id} is pinned to {job.pinned_technician} but routed to {tid}", job.id)
        if tid in job.excluded_technicians:
            v("excluded", f"job {job.id} excludes {tid}", job.id)
        for part, units in job.parts.items():
            parts_used[part] = parts_used.get(part, 0) + units
    for part, units in parts_used.items():
        if units > tech.parts.get(part, 0):
            v("parts", f"{tid} needs {units} x {part} but carries {tech.parts.get(part, 0)}")
    if tech.max_jobs is not None and len(stops) > tech.max_jobs:
        v("max_jobs", f"{tid} has {len(stops)} jobs, max_jobs is {tech.max_jobs}")

    # Shift.
    earliest = tech.shift.start
    for instant in (tech.available_from, problem.now):
        if instant is not None and instant > earliest:
            earliest = instant
    if _s(route.start, earliest) < -TOLERANCE_S:
        v("shift_start", f"{tid} leaves at {route.start.isoformat()}, before {earliest.isoformat()}")
    if _s(route.end, tech.shift.end) > TOLERANCE_S:
        v("shift_end", f"{tid} is back at {route.end.isoformat()}, after the shift end {tech.shift.end.isoformat()}")

    # Breaks: matching, windows, durations, overlaps.
    breaks = sorted(route.breaks, key=lambda b: b.start)
    unmatched = list(tech.breaks)
    for b in breaks:
        dur = _s(b.end, b.start)
        match = next(
            (tb for tb in unmatched
             if abs(dur - minutes_to_s(tb.duration_min)) <= TOLERANCE_S
             and _s(b.start, tb.earliest_start) >= -TOLERANCE_S and _s(b.start, tb.latest_start) <= TOLERANCE_S),
            None,
        )
        if match is None:
            same_len = next((tb for tb in unmatched if abs(dur - minutes_to_s(tb.duration_min)) <= TOLERANCE_S), None)
            if same_len is not None:
                v("break_window", f"{tid} starts a break at {b.start.isoformat()}, outside [{same_len.earliest_start.isoformat()}, {same_len.latest_start.isoformat()}]")
                unmatched.remove(same_len)
            elif unmatched:
                v("break_duration", f"{tid} takes a break of {dur / 60:.1f} min that matches no break of the technician")
            else:
                v("break_extra", f"{tid} reports more breaks than it has")
            continue
        unmatched.remove(match)
    for tb in unmatched:
        v("break_missing", f"{tid} does not take its {tb.duration_min:g} min break (window {tb.earliest_start.isoformat()} - {tb.latest_start.isoformat()})")
    for a, b in zip(breaks, breaks[1:]):
        if _s(b.start, a.end) < -TOLERANCE_S:
            v("break_overlap", f"{tid}: breaks at {a.start.isoformat()} and {b.start.isoformat()} overlap")
    for b in breaks:
        for stop in stops:
            if _s(b.start, stop.end) < -TOLERANCE_S and _s(stop.start, b.end) < -TOLERANCE_S:
                v("break_overlap", f"{tid}: break at {b.start.isoformat()} overlaps the service of {stop.job_id}", stop.job_id)
        if _s(b.start, route.start) < -TOLERANCE_S and _s(b.end, route.start) > TOLERANCE_S:
            v("break_gap", f"{tid}: break at {b.start.isoformat()} straddles the departure")
        if _s(b.start, route.end) < -TOLERANCE_S and _s(b.end, route.end) > TOLERANCE_S:
            v("break_gap", f"{tid}: break at {b.start.isoformat()} straddles the return")

    # Legs: travel from the matrix, timing, windows, gaps holding travel plus breaks.
    d, dist = matrix.durations_s, matrix.distances_m
    prev_point = points.index_of(tech.route_start_location)
    prev_time = route.start
    total_travel = 0
    total_dist = 0
    service = 0
    for stop in stops:
        job = jobs[stop.job_id]
        here = points.index_of(job.location)
        travel = int(d[prev_point, here])
        meters = int(dist[prev_point, here])
        total_travel += travel
        total_dist += meters
        if stop.travel_time_s != travel or stop.distance_m != meters:
            v("travel", f"leg to {job.id}: reported {stop.travel_time_s} s / {stop.distance_m} m, matrix says {travel} s / {meters} m", job.id)
        in_gap = [b for b in breaks if _s(b.start, prev_time) >= -TOLERANCE_S and _s(b.end, stop.start) <= TOLERANCE_S]
        gap = _s(stop.start, prev_time)
        need = travel + sum(_s(b.end, b.start) for b in in_gap)
        if gap + TOLERANCE_S < need:
            v("timing", f"{job.id}: {gap:.0f} s between the previous point and the start of service, {need:.0f} s needed for travel and breaks", job.id)
        if _s(stop.arrival, prev_time) + TOLERANCE_S < travel:
            v("timing", f"{job.id}: arrival {stop.arrival.isoformat()} is earlier than travel allows", job.id)
        if _s(stop.start, stop.arrival) < -TOLERANCE_S:
            v("timing", f"{job.id}: service starts before arrival", job.id)
        duration = minutes_to_s(job.duration_min)
        if abs(_s(stop.end, stop.start) - duration) > TOLERANCE_S:
            v("timing", f"{job.id}: service lasts {_s(stop.end, stop.start):.0f} s, the job takes {duration} s", job.id)
        if job.time_windows and not any(
            _s(stop.start, w.start) >= -TOLERANCE_S and _s(stop.start, w.end) <= TOLERANCE_S for w in job.time_windows
        ):
            v("time_window", f"{job.id}: service starts at {stop.start.isoformat()}, outside every time window", job.id)
        service += duration
        prev_point, prev_time = here, stop.end
    end_point = points.index_of(tech.route_end_location)
    travel = int(d[prev_point, end_point])
    meters = int(dist[prev_point, end_point])
    total_travel += travel
    total_dist += meters
    in_gap = [b for b in breaks if _s(b.start, prev_time) >= -TOLERANCE_S and _s(b.end, route.end) <= TOLERANCE_S]
    if _s(route.end, prev_time) + TOLERANCE_S < travel + sum(_s(b.end, b.start) for b in in_gap):
        v("timing", f"{tid}: back at {route.end.isoformat()}, too early for the drive home and breaks")
    for b in breaks:
        inside = _s(b.start, route.start) >= -TOLERANCE_S and _s(b.end, route.end) <= TOLERANCE_S
        if not inside:
            continue
        points_t = [route.start] + [t for s in stops for t in (s.start, s.end)] + [route.end]
        in_some_gap = any(
            _s(b.start, points_t[i]) >= -TOLERANCE_S and _s(b.end, points_t[i + 1]) <= TOLERANCE_S
            for i in range(0, len(points_t) - 1, 2)
        )
        if not in_some_gap:
            v("break_gap", f"{tid}: break at {b.start.isoformat()} does not fit between two stops")
    if route.travel_time_s != total_travel or route.distance_m != total_dist:
        v("totals", f"{tid}: route totals {route.travel_time_s} s / {route.distance_m} m, recomputed {total_travel} s / {total_dist} m")
    if abs(route.work_time_s - (total_travel + service)) > TOLERANCE_S:
        v("totals", f"{tid}: work_time_s {route.work_time_s}, recomputed {total_travel + service}")
    return out


def format_violations(violations: list[Violation]) -> str:
    return "\n".join(
        f"{x.rule}: {x.message}" + (f" [job {x.job_id}]" if x.job_id else "") for x in violations
    )


def assert_valid(problem: Problem, solution: Solution, matrix=None, points=None) -> None:
    """Raise AssertionError listing every violation (for tests across the project)."""
    violations = validate(problem, solution, matrix, points)
    if violations:
        raise AssertionError(f"{len(violations)} violation(s):\n" + format_violations(violations))
