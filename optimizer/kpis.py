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
  (``shift.end - shift.start``) of ALL technicians, used or not, %; 0 when that sum is 0.
- per-technician work time = the route's ``travel_time_s`` + the service time of its stops
  (waiting and breaks excluded); 0 for a technician without a route or stops.
  ``workload_stddev_min``: population standard deviation of it over ALL technicians (idle ones
  count as 0), minutes; ``workload_max_min``/``workload_min_min``: its maximum/minimum, minutes.
- ``technicians_used``: technicians with at least one stop; ``technicians_total``: all
  technicians of the problem.
- ``overtime_s``: sum over routes of ``max(0, route.end - shift.end)``, seconds (0 for a plan
  that passes the validator).

Routes of technicians not in the problem contribute to travel, distance and service sums but
not to workload or overtime; stops of jobs not in the problem are ignored for job counts.
"""

from __future__ import annotations

import statistics

from optimizer.models import PRIORITIES, Kpis, Problem, Solution
from optimizer.models.job import JobStatus


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


def compute_kpis(problem: Problem, solution: Solution) -> Kpis:
    """The KPIs of ``solution`` for ``problem``; see the module docstring for each definition."""
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
    shift_s = sum((t.shift.end - t.shift.start).total_seconds() for t in problem.technicians)

    work_s = {t.id: 0.0 for t in problem.technicians}
    shift_end = {t.id: t.shift.end for t in problem.technicians}
    overtime_s = 0
    used = set()
    for route in solution.routes:
        tid = route.technician_id
        if route.stops:
            used.add(tid)
        if tid not in work_s:
            continue
        work_s[tid] += route.travel_time_s + service_of(route)
        if route.end is not None:
            overtime_s += max(0, int(round((route.end - shift_end[tid]).total_seconds())))
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
    )
