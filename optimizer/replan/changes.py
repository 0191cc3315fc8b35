"""The ``changes[]`` list: what a re-plan changed for the dispatcher, and which event caused it.

Kinds: ``reassigned`` (another technician), ``time_shifted`` (same technician, start moved by
more than the threshold), ``unassigned`` (was routed, or is a new job, and is not served now),
``assigned`` (was not routed before: a new job, or a job served again). Completed jobs leaving
the plan are not changes. ``cause`` is the index of the event that explains the change: an event
about the job itself, else the first event about its old or new technician (an overrun or a
cancellation counts for the job's previous technician, a new job for the technician that gets
it); otherwise null: the search found a better plan (moves worth more than the stability
weight, or a new order within a route).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Optional, Sequence

from pydantic import Field

from optimizer.change_text import change_message
from optimizer.models import Problem, Solution
from optimizer.models.common import AwareDatetime, StrictModel
from optimizer.models.job import JobStatus
from optimizer.replan.apply import AppliedEvents
from optimizer.replan.events import Event, JobCancelled, JobOverrun, NewJob


class Change(StrictModel):
    job_id: str
    kind: Literal["reassigned", "time_shifted", "unassigned", "assigned"]
    from_technician: Optional[str] = None
    to_technician: Optional[str] = None
    old_start: Optional[AwareDatetime] = None
    new_start: Optional[AwareDatetime] = None
    shift_min: Optional[float] = Field(None, description="new_start - old_start, minutes (same technician or reassigned).")
    reason: Optional[str] = Field(None, description="For unassigned: why (the Solution's reason).")
    cause: Optional[int] = Field(None, description="Index of the event that caused the change (null: re-optimisation).")
    cause_type: Optional[str] = Field(None, description="Type of that event.")
    message: Optional[str] = Field(None, description="The change and its cause as a sentence, in problem.options.language (en or zh-CN); "
                                   "kind and cause_type stay language-neutral codes.")


def _placement(solution: Solution) -> dict[str, tuple[str, datetime]]:
    return {s.job_id: (r.technician_id, s.start) for r in solution.routes for s in r.stops}


def diff_plans(
    problem: Problem,
    previous: Solution,
    new: Solution,
    applied: AppliedEvents,
    events: Sequence[Event],
    threshold_min: float,
) -> list[Change]:
    """Changes from ``previous`` to ``new`` over the jobs of ``problem`` (input order)."""
    old_at, new_at = _placement(previous), _placement(new)
    reasons = {u.job_id: u.reason for u in new.unassigned}
    tech_events = {k: list(v) for k, v in applied.tech_events.items()}
    for i, event in enumerate(events):
        # The technician whose route an event about a job changes: the overrunning or cancelled
        # job's previous technician, the new job's new technician.
        if isinstance(event, (JobOverrun, JobCancelled)) and event.job_id in old_at:
            tech_events.setdefault(old_at[event.job_id][0], []).append(i)
        elif isinstance(event, NewJob) and event.job.id in new_at:
            tech_events.setdefault(new_at[event.job.id][0], []).append(i)
    new_jobs = {jid for jid, idx in applied.job_events.items() if any(events[i].type == "new_job" for i in idx)}

    def cause(job_id: str, techs: Sequence[Optional[str]]) -> Optional[int]:
        if applied.job_events.get(job_id):
            return applied.job_events[job_id][-1]
        for tid in techs:
            if tid is not None and tech_events.get(tid):
                return min(tech_events[tid])
        return None

    out: list[Change] = []
    for job in problem.jobs:
        if job.status == JobStatus.completed:
            continue
        change = _change_of(job.id, old_at.get(job.id), new_at.get(job.id), threshold_min, reasons.get(job.id), job.id in new_jobs)
        if change is not None:
            idx = cause(job.id, (change.from_technician, change.to_technician))
            change.cause = idx
            change.cause_type = events[idx].type if idx is not None else None
            change.message = change_message(change, problem.options.language)
            out.append(change)
    return out


def _change_of(job_id: str, before: Optional[tuple[str, datetime]], after: Optional[tuple[str, datetime]],
               threshold_min: float, reason: Optional[str], is_new: bool) -> Optional[Change]:
    """How one job's placement changed (technician and start, before and after), if it did."""
    if before and after:
        shift = (after[1] - before[1]).total_seconds() / 60.0
        if before[0] != after[0]:
            return Change(job_id=job_id, kind="reassigned", from_technician=before[0], to_technician=after[0],
                          old_start=before[1], new_start=after[1], shift_min=round(shift, 1))
        if abs(shift) > threshold_min:
            return Change(job_id=job_id, kind="time_shifted", from_technician=before[0], to_technician=after[0],
                          old_start=before[1], new_start=after[1], shift_min=round(shift, 1))
        return None
    if before:
        return Change(job_id=job_id, kind="unassigned", from_technician=before[0], old_start=before[1], reason=reason)
    if after:
        return Change(job_id=job_id, kind="assigned", to_technician=after[0], new_start=after[1])
    if is_new:
        return Change(job_id=job_id, kind="unassigned", reason=reason)
    return None
