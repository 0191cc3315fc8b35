"""Key performance indicators, computed from a Solution alone (plus the Problem for shifts,
deadlines and priorities; no matrix, no solver).

Definitions:
- ``jobs_total``: jobs to plan (status ``completed`` excluded); ``jobs_assigned``: routed jobs;
  ``jobs_unassigned``: the rest of ``jobs_total``.
- ``sla_jobs``: routed jobs with an ``sla_deadline``; ``sla_met_pct``: share of them whose
  service ends by the deadline, % (None when there are none); ``sla_breaches``: routed jobs
  ending after their deadline, by priority (all four keys present).
- ``travel_time_s``, ``distance_m``: sums over routes (including the drive to the end location);
  ``service_time_s``: sum of (end - start) over stops.
- ``utilization_pct``: (service + travel) / the sum of all technicians' shift lengths, %.
- ``workload_*_min``: per-technician work time (service + travel), over ALL technicians (idle
  ones count as 0): population standard deviation, maximum and minimum, minutes.
- ``overtime_s``: sum over routes of max(0, route end - shift end).
"""

from __future__ import annotations

import statistics

from optimizer.models import PRIORITIES, Kpis, Problem, Solution
from optimizer.models.job import JobStatus


def compute_kpis(problem: Problem, solution: Solution) -> Kpis:
    jobs = {j.id: j for j in problem.jobs}
    to_plan = [j for j in problem.jobs if j.status != JobStatus.completed]
    routed = [(r, s) for r in solution.routes for s in r.stops if s.job_id in jobs]
    routed_ids = {s.job_id for _, s in routed}

    breaches = {p.value: 0 for p in PRIORITIES}
    met_by = {p.value: 0 for p in PRIORITIES}
    total_by = {p.value: 0 for p in PRIORITIES}
    for _, stop in routed:
        job = jobs[stop.job_id]
        if job.sla_deadline is None:
            continue
        prio = job.priority.value
        total_by[prio] += 1
        if stop.end <= job.sla_deadline:
            met_by[prio] += 1
        else:
            breaches[prio] += 1
    sla_jobs = sum(total_by.values())
    sla_met = sum(met_by.values())

    unassigned_by = {p.value: 0 for p in PRIORITIES}
    for job in to_plan:
        if job.id not in routed_ids:
            unassigned_by[job.priority.value] += 1

    service_s = int(sum((s.end - s.start).total_seconds() for _, s in routed))
    travel_s = sum(r.travel_time_s for r in solution.routes)
    distance_m = sum(r.distance_m for r in solution.routes)
    shift_s = sum((t.shift.end - t.shift.start).total_seconds() for t in problem.technicians)
    work_by_tech = {t.id: 0.0 for t in problem.technicians}
    for route in solution.routes:
        if route.technician_id in work_by_tech:
            work_by_tech[route.technician_id] = route.travel_time_s + sum((s.end - s.start).total_seconds() for s in route.stops)
    work_min = [w / 60.0 for w in work_by_tech.values()]
    shifts = {t.id: t.shift.end for t in problem.technicians}
    overtime = 0
    for route in solution.routes:
        if route.end is not None and route.technician_id in shifts:
            overtime += max(0, int((route.end - shifts[route.technician_id]).total_seconds()))

    return Kpis(
        jobs_total=len(to_plan),
        jobs_assigned=len(routed_ids),
        jobs_unassigned=len(to_plan) - len(routed_ids & {j.id for j in to_plan}),
        sla_jobs=sla_jobs,
        sla_met_pct=round(100.0 * sla_met / sla_jobs, 2) if sla_jobs else None,
        sla_breaches=breaches,
        sla_met_pct_by_priority={p: (round(100.0 * met_by[p] / total_by[p], 2) if total_by[p] else None) for p in met_by},
        unassigned_by_priority=unassigned_by,
        travel_time_s=travel_s,
        distance_m=distance_m,
        service_time_s=service_s,
        utilization_pct=round(100.0 * (service_s + travel_s) / shift_s, 2) if shift_s > 0 else 0.0,
        workload_stddev_min=round(statistics.pstdev(work_min), 2) if work_min else 0.0,
        workload_max_min=round(max(work_min), 2) if work_min else 0.0,
        workload_min_min=round(min(work_min), 2) if work_min else 0.0,
        technicians_used=sum(1 for r in solution.routes if r.stops),
        technicians_total=len(problem.technicians),
        overtime_s=overtime,
    )
