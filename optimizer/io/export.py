"""Solution -> a stops table (CSV or XLSX): one row per stop, then one row per unassigned job.

Columns (:data:`STOP_COLUMNS`): row status, technician and stop number, job, times (CSV:
ISO-8601 with offset; XLSX: Excel date-times in local time, the offset in ``utc_offset``), the
drive to the stop (seconds, metres), waiting, SLA outcome; with the problem at hand also the
job's location, priority, deadline and skills. Each route lists its stops and breaks in time
order, then a ``drive_home`` row (arrival at the end location, its drive). Jobs without a stop
follow with ``status = unassigned`` (or ``completed``/``cancelled`` after a re-plan) and the
reason, so one sheet shows the whole plan.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Optional, Sequence

from optimizer.io.cells import format_levels
from optimizer.io.table import PathLike, write_table
from optimizer.models import Problem, Solution

STOP_COLUMNS = [
    "status", "technician_id", "stop", "job_id", "arrival", "start", "end", "utc_offset", "service_min",
    "travel_time_s", "distance_m", "waiting_time_s", "sla_deadline", "sla_met", "lateness_s",
    "priority", "lat", "lon", "skills", "reason",
]
ROW_STATUSES = ("assigned", "break", "drive_home", "unassigned", "completed", "cancelled")
"""``status`` column: a stop, a break, the drive to the end location (``arrival`` = back home),
an unassigned job, and (after a re-plan) work already completed or cancelled."""


def _offset(moment: Optional[datetime]) -> Optional[str]:
    if moment is None or moment.utcoffset() is None:
        return None
    minutes = int(moment.utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def stop_rows(solution: Solution, problem: Optional[Problem] = None, done: Optional[Sequence[Any]] = None) -> list[list[Any]]:
    """The rows of :data:`STOP_COLUMNS` (job details blank when ``problem`` is None or lacks the
    job). Instants are timezone-aware datetimes (``utc_offset`` repeats their offset); per route,
    stops and breaks in time order, then the drive home; then the jobs without a stop. ``done``
    (a re-plan's ``state.completed``: objects with job_id, technician_id, start, end) gives the
    ``completed`` rows their technician and times."""
    done_by = {d.job_id: d for d in (done or [])}
    jobs = {j.id: j for j in problem.jobs} if problem is not None else {}
    rows: list[list[Any]] = []

    def details(job_id: str) -> list[Any]:
        job = jobs.get(job_id)
        if job is None:
            return [None, None, None, None, None]
        return [job.sla_deadline, job.priority.value, job.location.lat, job.location.lon, format_levels(job.skills) or None]

    for route in solution.routes:
        timed: list[tuple[datetime, int, list[Any]]] = []
        for number, stop in enumerate(route.stops, start=1):
            deadline, priority, lat, lon, skills = details(stop.job_id)
            timed.append((stop.start, 1, [
                "assigned", route.technician_id, number, stop.job_id, stop.arrival, stop.start, stop.end, _offset(stop.start),
                round((stop.end - stop.start).total_seconds() / 60.0, 2), stop.travel_time_s, stop.distance_m,
                stop.waiting_time_s, deadline, stop.sla_met, stop.lateness_s, priority, lat, lon, skills, None,
            ]))
        for brk in route.breaks:
            timed.append((brk.start, 0, [
                "break", route.technician_id, None, None, None, brk.start, brk.end, _offset(brk.start),
                round((brk.end - brk.start).total_seconds() / 60.0, 2), None, None, None, None, None, None, None, None,
                None, None, None,
            ]))
        rows.extend(row for _, _, row in sorted(timed, key=lambda item: (item[0], item[1])))
        if route.stops and route.end is not None:
            rows.append([
                "drive_home", route.technician_id, None, None, route.end, None, None, _offset(route.end), None,
                route.return_travel_time_s, route.return_distance_m, None, None, None, None, None, None, None, None, None,
            ])
    for item in solution.unassigned:
        deadline, priority, lat, lon, skills = details(item.job_id)
        status = item.code if item.code in ("completed", "cancelled") else "unassigned"
        d = done_by.get(item.job_id) if status == "completed" else None
        tech, start, end = (d.technician_id, d.start, d.end) if d is not None else (None, None, None)
        service = round((end - start).total_seconds() / 60.0, 2) if start is not None and end is not None else None
        rows.append([
            status, tech, None, item.job_id, None, start, end, _offset(start or deadline), service, None, None, None, deadline, None,
            None, priority, lat, lon, skills, item.reason,
        ])
    return rows


def export_solution(solution: Solution, path: PathLike, problem: Optional[Problem] = None, done: Optional[Sequence[Any]] = None) -> Path:
    """Write the stops table to ``path``: ``.csv`` (instants as ISO-8601 text with offset) or
    ``.xlsx`` (instants as real Excel date-times in local wall-clock time of their offset, given
    in ``utc_offset``)."""
    return write_table(path, STOP_COLUMNS, stop_rows(solution, problem, done), sheet="stops")
