"""Apply disruption events to a problem state.

The result is the problem the new plan answers (``AppliedEvents.problem``) plus what the
events did that the freezing step needs: cancelled jobs, jobs released from their technician,
per-technician delays, and which events touched which job or technician (the ``cause`` of
each change). Events are applied in order; each refers to ids of the problem as it stands
after the events before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Optional, Sequence

from optimizer.models import Problem, Solution
from optimizer.models.job import Job, JobStatus
from optimizer.models.technician import Technician
from optimizer.replan.events import (
    Event,
    JobCancelled,
    JobCompleted,
    JobOverrun,
    JobStarted,
    NewJob,
    ShiftExtended,
    TechnicianDelayed,
    TechnicianUnavailable,
    is_status_event,
)


class ReplanError(ValueError):
    """Input that cannot be re-planned; the message starts with the offending field path
    (``events[2].job_id: ...``)."""


@dataclass
class AppliedEvents:
    problem: Problem
    cancelled: dict[str, Optional[int]] = field(default_factory=dict)
    """Cancelled job id -> index of the cancelling event (None: cancelled in an earlier re-plan)."""
    released: dict[str, int] = field(default_factory=dict)
    """Job id -> event index, for jobs taken away from an unavailable technician."""
    delay_s: dict[str, int] = field(default_factory=dict)
    """Technician id -> seconds of delay before its next arrival or departure."""
    unavailable_from: dict[str, datetime] = field(default_factory=dict)
    job_events: dict[str, list[int]] = field(default_factory=dict)
    started_at: dict[str, datetime] = field(default_factory=dict)
    """Job id -> start reported by its latest job_started event (the in-progress job's start)."""
    tech_events: dict[str, list[int]] = field(default_factory=dict)


def _now(problem: Problem) -> Optional[datetime]:
    return problem.now


def apply_events(problem: Problem, previous: Solution, events: Sequence[Event]) -> AppliedEvents:
    """The problem state after ``events`` (a new Problem; the input is not modified).

    Jobs the previous plan lists as unassigned with code ``cancelled`` stay cancelled. Status
    events (started, completed, position) change nothing here: :func:`derive_state` reads them."""
    data = problem.model_copy(deep=True)
    jobs = {j.id: j for j in data.jobs}
    techs = {t.id: t for t in data.technicians}
    out = AppliedEvents(data)
    for entry in previous.unassigned:
        if entry.code == "cancelled" and entry.job_id in jobs:
            out.cancelled[entry.job_id] = None
    for i, event in enumerate(events):
        if is_status_event(event):
            # Already folded into the state by optimizer.replan.state.derive_state; a job's own
            # status event explains a change of that job.
            if isinstance(event, (JobStarted, JobCompleted)):
                out.job_events.setdefault(event.job_id, []).append(i)
            if isinstance(event, JobStarted):
                if event.job_id not in out.started_at or out.started_at[event.job_id] <= event.at:
                    out.started_at[event.job_id] = event.at
            if isinstance(event, JobStarted) and _started_off_plan(event, previous):
                tid = event.technician_id or _planned_technician(previous, event.job_id)
                if tid is not None:
                    out.tech_events.setdefault(tid, []).append(i)
            continue
        if isinstance(event, NewJob):
            _new_job(event, i, out, jobs, techs)
        elif isinstance(event, (JobCancelled, JobOverrun)):
            _job_event(event, i, out, jobs)
        else:
            _technician_event(event, i, out, techs)
    return out


STARTED_OFF_PLAN_S = 300
"""A job_started event more than this many seconds away from the planned start (or by another
technician) explains the changes of its technician's later stops."""


def _planned_technician(previous: Solution, job_id: str) -> Optional[str]:
    return next((r.technician_id for r in previous.routes for s in r.stops if s.job_id == job_id), None)


def _started_off_plan(event: JobStarted, previous: Solution) -> bool:
    for route in previous.routes:
        for stop in route.stops:
            if stop.job_id == event.job_id:
                other = event.technician_id is not None and event.technician_id != route.technician_id
                return other or abs((event.at - stop.start).total_seconds()) > STARTED_OFF_PLAN_S
    return True


def _new_job(event: NewJob, i: int, out: AppliedEvents, jobs: dict[str, Job], techs: dict[str, Technician]) -> None:
    where = f"events[{i}]"
    if event.job.id in jobs:
        raise ReplanError(f"{where}.job.id: job {event.job.id!r} already exists")
    job = event.job.model_copy(update={"status": JobStatus.pending, "technician_id": None, "expected_end": None})
    named = [("pinned_technician", job.pinned_technician)] if job.pinned_technician is not None else []
    named += [(name, tid) for name in ("preferred_technicians", "excluded_technicians") for tid in getattr(job, name)]
    for name, tid in named:
        if tid not in techs:
            raise ReplanError(f"{where}.job.{name}: unknown technician {tid!r}")
    out.problem.jobs.append(job)
    jobs[job.id] = job
    out.job_events.setdefault(job.id, []).append(i)


def _job_event(event: JobCancelled | JobOverrun, i: int, out: AppliedEvents, jobs: dict[str, Job]) -> None:
    where = f"events[{i}]"
    job = jobs.get(event.job_id)
    if job is None:
        raise ReplanError(f"{where}.job_id: unknown job {event.job_id!r}")
    out.job_events.setdefault(job.id, []).append(i)
    if isinstance(event, JobCancelled):
        if job.status == JobStatus.completed:
            raise ReplanError(f"{where}.job_id: job {job.id!r} is already completed")
        out.cancelled[job.id] = i
        return
    job.duration_min = min(24 * 60, job.duration_min + event.minutes)
    if job.status == JobStatus.in_progress and job.expected_end is not None:
        job.expected_end = job.expected_end + timedelta(minutes=event.minutes)
    if job.technician_id is not None:
        out.tech_events.setdefault(job.technician_id, []).append(i)


def _technician_event(event: Event, i: int, out: AppliedEvents, techs: dict[str, Technician]) -> None:
    assert isinstance(event, (TechnicianDelayed, ShiftExtended, TechnicianUnavailable))
    where = f"events[{i}]"
    tech = techs.get(event.technician_id)
    if tech is None:
        raise ReplanError(f"{where}.technician_id: unknown technician {event.technician_id!r}")
    out.tech_events.setdefault(tech.id, []).append(i)
    if isinstance(event, TechnicianDelayed):
        out.delay_s[tech.id] = out.delay_s.get(tech.id, 0) + int(round(event.minutes * 60))
    elif isinstance(event, ShiftExtended):
        if event.new_end < tech.one_shift.start:
            raise ReplanError(f"{where}.new_end: before the shift start {tech.one_shift.start.isoformat()}")
        tech.one_shift.end = event.new_end
    else:
        _unavailable(event, i, out, tech)


def _unavailable(event: TechnicianUnavailable, i: int, out: AppliedEvents, tech: Technician) -> None:
    instant = event.unavailable_from or out.problem.now
    if instant is None:
        raise ReplanError(f"events[{i}].unavailable_from: required when the problem has no 'now'")
    instant = max(tech.one_shift.start, min(tech.one_shift.end, instant))
    tech.one_shift.end = instant
    out.unavailable_from[tech.id] = instant
    # Breaks that can no longer start inside the shortened shift are dropped.
    tech.breaks = [b for b in tech.breaks if b.earliest_start <= instant]
    for job in out.problem.jobs:
        if job.technician_id == tech.id and job.status in (JobStatus.in_progress, JobStatus.dispatched):
            end = job.expected_end if job.status == JobStatus.in_progress else None
            if end is None or end > instant:
                out.released[job.id] = i
                out.job_events.setdefault(job.id, []).append(i)
                job.status = JobStatus.pending
                job.technician_id = None
                job.expected_end = None


def validated(problem: Problem) -> Problem:
    """Re-run the Problem's cross-field checks on a mutated copy."""
    return Problem.model_validate(problem.model_dump())
