"""Solution -> a stops table (CSV or XLSX): one row per stop, then one row per unassigned job.

Columns (:data:`STOP_COLUMNS`): technician and stop number, job, times (ISO-8601 with offset),
the drive to the stop (seconds, metres), waiting, SLA outcome; with the problem at hand also the
job's location, duration, priority, deadline and skills. Unassigned jobs follow the stops with
``status = unassigned`` and the reason, so one sheet shows the whole plan.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from optimizer.io.cells import format_levels
from optimizer.io.table import PathLike, write_table
from optimizer.models import Problem, Solution

STOP_COLUMNS = [
    "status", "technician_id", "stop", "job_id", "arrival", "start", "end", "service_min",
    "travel_time_s", "distance_m", "waiting_time_s", "sla_deadline", "sla_met", "lateness_s",
    "priority", "lat", "lon", "skills", "reason",
]


def stop_rows(solution: Solution, problem: Optional[Problem] = None) -> list[list[Any]]:
    """The rows of :data:`STOP_COLUMNS` (job details blank when ``problem`` is None or lacks the job)."""
    jobs = {j.id: j for j in problem.jobs} if problem is not None else {}
    rows = []

    def details(job_id: str) -> list[Any]:
        job = jobs.get(job_id)
        if job is None:
            return [None, None, None, None, None]
        return [
            job.sla_deadline.isoformat() if job.sla_deadline else None, job.priority.value,
            job.location.lat, job.location.lon, format_levels(job.skills) or None,
        ]

    for route in solution.routes:
        for number, stop in enumerate(route.stops, start=1):
            deadline, priority, lat, lon, skills = details(stop.job_id)
            rows.append([
                "assigned", route.technician_id, number, stop.job_id, stop.arrival.isoformat(), stop.start.isoformat(),
                stop.end.isoformat(), round((stop.end - stop.start).total_seconds() / 60.0, 2), stop.travel_time_s,
                stop.distance_m, stop.waiting_time_s, deadline, stop.sla_met, stop.lateness_s, priority, lat, lon,
                skills, None,
            ])
    for item in solution.unassigned:
        deadline, priority, lat, lon, skills = details(item.job_id)
        rows.append([
            "unassigned", None, None, item.job_id, None, None, None, None, None, None, None, deadline, None, None,
            priority, lat, lon, skills, item.reason,
        ])
    return rows


def export_solution(solution: Solution, path: PathLike, problem: Optional[Problem] = None) -> Path:
    """Write the stops table to ``path`` (``.csv`` or ``.xlsx``)."""
    return write_table(path, STOP_COLUMNS, stop_rows(solution, problem), sheet="stops")
