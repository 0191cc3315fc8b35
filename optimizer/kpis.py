"""Key performance indicators, computed from a Solution alone: the Problem is read only for
shifts, deadlines, priorities and job status; no travel matrix, no solver. A solution from any
engine (or edited by hand) gets the same numbers.

Definitions (units in the names; percentages are rounded to 2 decimals, minutes to 2 decimals):

- ``jobs_total``: jobs to plan = every job of the problem except those with status
  ``completed``.
- ``jobs_assigned``: jobs to plan that appear in a route (each counted once);
  ``jobs_unassigned`` = ``jobs_total - jobs_assigned``; ``unassigned_by_priority``: the same,
  split by priority (all four keys present).
- ``sla_jobs``: assigned jobs that have an ``sla_deadline``. ``sla_met_pct``: share of them
  whose service ENDS at or before the deadline, % (None when ``sla_jobs`` is 0).
  ``sla_breaches``: assigned jobs ending after their deadline, by priority (all four keys
  present, 0 when none); ``sla_met_pct_by_priority``: ``sla_met_pct`` per priority (None for a
  priority without deadline jobs). Unassigned jobs never count as met or breached.
- ``travel_time_s``, ``distance_m``: sums of the routes' ``travel_time_s``/``distance_m``
  (which include the drive to the end location).
- ``service_time_s``: sum of ``end - start`` over all routed stops, seconds.
- ``utilization_pct``: ``(service_time_s + travel_time_s)`` / the sum of the shift lengths
  (``shift.end - shift.start``, every shift of ``shifts``) of ALL technicians, used or not, %;
  0 when that sum is 0.
- per-technician work time = the ``travel_time_s`` + the service time of the stops of all its
  routes (every shift of the horizon; waiting and breaks excluded); 0 for a technician without a
  route or stops.
  ``workload_stddev_min``: population standard deviation of it over ALL technicians (idle ones
  count as 0), minutes; ``workload_max_min``/``workload_min_min``: its maximum/minimum, minutes.
- ``technicians_used``: technicians with at least one stop; ``technicians_total``: all
  technicians of the problem.
- ``overtime_s``: sum over routes of ``max(0, route.end - shift.end)`` (the route's own shift),
  seconds (0 for a plan that passes the validator).
- ``by_day`` (problems with ``shifts`` only; empty otherwise): per calendar day of the shift
  starts (``YYYY-MM-DD`` in the shift's offset), the same sums over the routes of that day's
  shifts: jobs assigned, travel, distance, service, shift time, utilization, technicians used,
  SLA breaches, and the max and standard deviation of the per-technician work of that day
  (technicians with a shift that day, idle ones 0). The top-level figures are the horizon's.

Money (``cost``, null when the problem names no cost, see :mod:`optimizer.models.costs`), per
used technician with the rates :func:`~optimizer.models.technician_rates` resolves:

- paid time = ``route.end - route.start`` minus the part of each taken break inside that span
  (breaks are unpaid), seconds; ``overtime_paid_s`` = its part beyond ``overtime_after_h``.
- labour = regular paid hours x ``per_hour`` + overtime paid hours x ``overtime_per_hour``;
  vehicle = ``route.distance_m`` / 1000 x ``per_km``; fixed = the technician's fixed cost (per
  route: once per shift worked with ``shifts``; overtime too is per shift);
  parts = the units of its served jobs x ``problem.costs.parts`` prices.
- ``by_technician`` = labour + vehicle + fixed + parts of each used technician; ``total`` = their
  sum; ``per_served_job`` = total / ``jobs_assigned``; ``per_technician_used`` = total /
  ``technicians_used``. Amounts are rounded to 2 decimals after summing.

Service:

- ``response_time_by_priority``: for each served job with ``reported_at``, ``max(0, arrival -
  reported_at)`` in minutes; mean and 90th percentile (nearest rank: the ``ceil(0.9 n)``-th
  smallest value) per priority and over ``all``.
- ``backlog``: unserved jobs by priority and by age = the planning instant (``problem.now``, else
  the earliest shift start) - ``reported_at``: ``lt_1d`` (< 24 h), ``1d_3d`` (< 72 h), ``3d_7d``
  (< 168 h), ``ge_7d``, ``unknown`` (no ``reported_at``).
- first-visit readiness: a served job is ready when its technician has every required skill at
  the required level and, in route order, still carries the job's parts (van stock minus what
  earlier stops used). ``first_visit_ready_pct`` = ready / served, %. A valid plan is always 100 %;
  a what-if that relaxes a rule is measured against the requirements of the problem before the
  relaxation (``requirements``), and the jobs that are not ready are listed.

Routes of technicians not in the problem contribute to travel, distance and service sums but
not to workload or overtime; stops of jobs not in the problem are ignored for job counts.
"""

from __future__ import annotations

import math
import statistics
from datetime import datetime
from typing import Optional

from optimizer.models import (
    PRIORITIES,
    Backlog,
    CostKpis,
    DayKpis,
    Kpis,
    NotReady,
    Problem,
    ResponseTime,
    Route,
    Solution,
    has_costs,
    technician_rates,
)
from optimizer.models.job import Job, JobStatus


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


def compute_kpis(problem: Problem, solution: Solution, requirements: Optional[Problem] = None) -> Kpis:
    """The KPIs of ``solution`` for ``problem``; see the module docstring for each definition.
    ``requirements``: the problem whose jobs' skill and part requirements first-visit readiness
    is measured against (a what-if's base, before it relaxed a rule); default ``problem``."""
    priorities = [p.value for p in PRIORITIES]
    to_plan = {j.id: j for j in problem.jobs if j.status != JobStatus.completed}

    # Each job to plan counted once, at its first routed stop.
    first_stop = {}
    for route in solution.routes:
        for stop in route.stops:
            if stop.job_id in to_plan and stop.job_id not in first_stop:
                first_stop[stop.job_id] = stop

    breaches = {p: 0 for p in priorities}
    met_by = {p: 0 for p in priorities}
    total_by = {p: 0 for p in priorities}
    for job_id, stop in first_stop.items():
        job = to_plan[job_id]
        if job.sla_deadline is None:
            continue
        prio = job.priority.value
        total_by[prio] += 1
        if stop.end <= job.sla_deadline:
            met_by[prio] += 1
        else:
            breaches[prio] += 1
    sla_jobs = sum(total_by.values())

    unassigned_by = {p: 0 for p in priorities}
    for job in to_plan.values():
        if job.id not in first_stop:
            unassigned_by[job.priority.value] += 1

    def service_of(route) -> float:
        return sum((s.end - s.start).total_seconds() for s in route.stops)

    service_s = int(round(sum(service_of(r) for r in solution.routes)))
    travel_s = sum(r.travel_time_s for r in solution.routes)
    distance_m = sum(r.distance_m for r in solution.routes)
    shift_s = sum((s.end - s.start).total_seconds() for t in problem.technicians for s in t.work_shifts())

    work_s = {t.id: 0.0 for t in problem.technicians}
    shifts = {t.id: t.work_shifts() for t in problem.technicians}
    overtime_s = 0
    used = set()
    for route in solution.routes:
        tid = route.technician_id
        if route.stops:
            used.add(tid)
        if tid not in work_s:
            continue
        work_s[tid] += route.travel_time_s + service_of(route)
        k = route.shift_index or 0
        if route.end is not None and k < len(shifts[tid]):
            overtime_s += max(0, int(round((route.end - shifts[tid][k].end).total_seconds())))
    work_min = [w / 60.0 for w in work_s.values()]

    return Kpis(
        jobs_total=len(to_plan),
        jobs_assigned=len(first_stop),
        jobs_unassigned=len(to_plan) - len(first_stop),
        sla_jobs=sla_jobs,
        sla_met_pct=_pct(sum(met_by.values()), sla_jobs),
        sla_breaches=breaches,
        sla_met_pct_by_priority={p: _pct(met_by[p], total_by[p]) for p in priorities},
        unassigned_by_priority=unassigned_by,
        travel_time_s=travel_s,
        distance_m=distance_m,
        service_time_s=service_s,
        utilization_pct=round(100.0 * (service_s + travel_s) / shift_s, 2) if shift_s > 0 else 0.0,
        workload_stddev_min=round(statistics.pstdev(work_min), 2) if work_min else 0.0,
        workload_max_min=round(max(work_min), 2) if work_min else 0.0,
        workload_min_min=round(min(work_min), 2) if work_min else 0.0,
        technicians_used=len(used),
        technicians_total=len(problem.technicians),
        overtime_s=overtime_s,
        cost=cost_kpis(problem, solution, first_stop),
        response_time_by_priority=response_times(to_plan, first_stop),
        backlog=backlog(problem, [j for j in to_plan.values() if j.id not in first_stop]),
        **readiness(problem, solution, to_plan, requirements or problem),
        by_day=kpis_by_day(problem, solution, first_stop) if problem.multi_shift else {},
    )


def route_day(problem: Problem, route: Route) -> Optional[str]:
    """The calendar day (YYYY-MM-DD, in the shift start's offset) of a route's shift."""
    if route.day is not None:
        return route.day.isoformat()
    try:
        shifts = problem.technician(route.technician_id).work_shifts()
    except KeyError:
        return None
    k = route.shift_index or 0
    return shifts[k].start.date().isoformat() if k < len(shifts) else None


def kpis_by_day(problem: Problem, solution: Solution, first_stop: dict) -> dict[str, DayKpis]:
    """Per calendar day of the shifts (module docstring)."""
    days: dict[str, dict] = {}

    def day(key: str) -> dict:
        return days.setdefault(key, {"jobs": 0, "travel": 0, "dist": 0, "service": 0.0, "shift": 0.0, "used": set(),
                                     "breaches": 0, "work": {}})

    for tech in problem.technicians:
        for shift in tech.work_shifts():
            d = day(shift.start.date().isoformat())
            d["shift"] += (shift.end - shift.start).total_seconds()
            d["work"].setdefault(tech.id, 0.0)
    jobs = {j.id: j for j in problem.jobs}
    for route in solution.routes:
        key = route_day(problem, route)
        if key is None:
            continue
        d = day(key)
        d["travel"] += route.travel_time_s
        d["dist"] += route.distance_m
        service = sum((s.end - s.start).total_seconds() for s in route.stops)
        d["service"] += service
        d["work"][route.technician_id] = d["work"].get(route.technician_id, 0.0) + route.travel_time_s + service
        if route.stops:
            d["used"].add(route.technician_id)
        for stop in route.stops:
            if first_stop.get(stop.job_id) is stop:
                d["jobs"] += 1
                job = jobs[stop.job_id]
                if job.sla_deadline is not None and stop.end > job.sla_deadline:
                    d["breaches"] += 1
    out = {}
    for key in sorted(days):
        d = days[key]
        work = [w / 60.0 for w in d["work"].values()]
        out[key] = DayKpis(
            jobs_assigned=d["jobs"], travel_time_s=d["travel"], distance_m=d["dist"], service_time_s=int(round(d["service"])),
            shift_time_s=int(round(d["shift"])),
            utilization_pct=round(100.0 * (d["service"] + d["travel"]) / d["shift"], 2) if d["shift"] > 0 else 0.0,
            technicians_used=len(d["used"]), sla_breaches=d["breaches"],
            workload_max_min=round(max(work), 2) if work else 0.0,
            workload_stddev_min=round(statistics.pstdev(work), 2) if work else 0.0,
        )
    return out


def paid_time_s(route: Route) -> int:
    """Departure to return minus the part of each break inside that span, seconds (0 without stops)."""
    if not route.stops or route.start is None or route.end is None:
        return 0
    span = (route.end - route.start).total_seconds()
    for brk in route.breaks:
        overlap = (min(brk.end, route.end) - max(brk.start, route.start)).total_seconds()
        span -= max(0.0, overlap)
    return int(round(span))


def cost_kpis(problem: Problem, solution: Solution, first_stop: dict) -> Optional[CostKpis]:
    """Money of the plan (module docstring); None when the problem names no cost."""
    if not has_costs(problem):
        return None
    prices = problem.costs.parts if problem.costs is not None else {}
    techs = {t.id: t for t in problem.technicians}
    jobs = {j.id: j for j in problem.jobs}
    labour = overtime = vehicle = fixed = parts = 0.0
    paid_total = overtime_total = 0
    by_tech: dict[str, float] = {}
    for route in solution.routes:
        tech = techs.get(route.technician_id)
        if tech is None or not route.stops:
            continue
        rates = technician_rates(problem, tech)
        paid = paid_time_s(route)
        extra = max(0, paid - rates.overtime_after_s)
        t_overtime = extra / 3600.0 * rates.overtime_per_hour
        t_labour = (paid - extra) / 3600.0 * rates.per_hour + t_overtime
        t_vehicle = route.distance_m / 1000.0 * rates.per_km
        t_parts = sum(
            units * prices.get(part, 0.0)
            for stop in route.stops
            if first_stop.get(stop.job_id) is stop
            for part, units in jobs[stop.job_id].parts.items()
        )
        by_tech[tech.id] = round(by_tech.get(tech.id, 0.0) + t_labour + t_vehicle + rates.fixed + t_parts, 2)
        labour += t_labour
        overtime += t_overtime
        vehicle += t_vehicle
        fixed += rates.fixed
        parts += t_parts
        paid_total += paid
        overtime_total += extra
    total = labour + vehicle + fixed + parts
    served = len(first_stop)
    used_techs = len(by_tech)
    return CostKpis(
        currency=problem.costs.currency if problem.costs is not None else "EUR",
        total=round(total, 2),
        labour=round(labour, 2),
        overtime=round(overtime, 2),
        vehicle=round(vehicle, 2),
        fixed=round(fixed, 2),
        parts=round(parts, 2),
        per_served_job=round(total / served, 2) if served else None,
        per_technician_used=round(total / used_techs, 2) if used_techs else None,
        by_technician=by_tech,
        paid_time_s=paid_total,
        overtime_paid_s=overtime_total,
    )


def nearest_rank(values: list[float], pct: float) -> float:
    """The ``ceil(pct/100 * n)``-th smallest of ``values`` (nearest-rank percentile); n >= 1."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(pct / 100.0 * len(ordered))) - 1]


def response_times(to_plan: dict[str, Job], first_stop: dict) -> dict[str, ResponseTime]:
    """Report-to-arrival minutes per priority and ``all`` (module docstring)."""
    by: dict[str, list[float]] = {p.value: [] for p in PRIORITIES}
    for job_id, stop in first_stop.items():
        job = to_plan[job_id]
        if job.reported_at is not None:
            by[job.priority.value].append(max(0.0, (stop.arrival - job.reported_at).total_seconds() / 60.0))
    by["all"] = [v for p in PRIORITIES for v in by[p.value]]
    return {
        key: ResponseTime(
            jobs=len(values),
            mean_min=round(statistics.fmean(values), 2) if values else None,
            p90_min=round(nearest_rank(values, 90), 2) if values else None,
        )
        for key, values in by.items()
    }


AGE_BUCKETS: tuple[tuple[str, float], ...] = (("lt_1d", 24.0), ("1d_3d", 72.0), ("3d_7d", 168.0), ("ge_7d", math.inf))
"""Backlog age buckets: name and exclusive upper bound, hours."""


def backlog(problem: Problem, unserved: list[Job]) -> Backlog:
    """Unserved jobs by priority and by age at the planning instant (module docstring)."""
    at: datetime = problem.now if problem.now is not None else problem.planning_origin()
    by_age = {name: 0 for name, _ in AGE_BUCKETS}
    by_age["unknown"] = 0
    ages: list[float] = []
    for job in unserved:
        if job.reported_at is None:
            by_age["unknown"] += 1
            continue
        age_h = (at - job.reported_at).total_seconds() / 3600.0
        ages.append(age_h)
        by_age[next(name for name, bound in AGE_BUCKETS if age_h < bound)] += 1
    return Backlog(
        jobs=len(unserved),
        by_priority={p.value: sum(1 for j in unserved if j.priority == p) for p in PRIORITIES},
        by_age=by_age,
        oldest_age_h=round(max(ages), 2) if ages else None,
    )


def readiness(problem: Problem, solution: Solution, to_plan: dict[str, Job], requirements: Problem) -> dict:
    """``first_visit_ready_pct`` and ``first_visit_not_ready`` (module docstring): the jobs' skill
    and part needs from ``requirements`` (falling back to ``problem`` for jobs it lacks), the
    technicians' skills and van stock from ``problem``."""
    needs = {j.id: j for j in requirements.jobs}
    techs = {t.id: t for t in problem.technicians}
    served = 0
    not_ready: list[NotReady] = []
    seen: set[str] = set()
    for route in solution.routes:
        tech = techs.get(route.technician_id)
        if tech is None:
            continue
        stock = dict(tech.parts)
        for stop in route.stops:
            if stop.job_id not in to_plan or stop.job_id in seen:
                continue
            seen.add(stop.job_id)
            served += 1
            job = needs.get(stop.job_id, to_plan[stop.job_id])
            skills = {s: lvl for s, lvl in job.skills.items() if tech.skills.get(s, 0) < lvl}
            short = {p: units - max(0, stock.get(p, 0)) for p, units in job.parts.items() if stock.get(p, 0) < units}
            for part, units in job.parts.items():
                stock[part] = stock.get(part, 0) - units
            if skills or short:
                not_ready.append(NotReady(job_id=job.id, technician_id=tech.id, missing_skills=skills, missing_parts=short))
    return {
        "first_visit_ready_pct": round(100.0 * (served - len(not_ready)) / served, 2) if served else None,
        "first_visit_not_ready": not_ready,
    }
