"""Promised times: a confirmed job's start is kept by re-plans.

A promise is mapped onto the problem handed to the re-plan only (the stored state keeps the
job's own windows and deadline):

* a hard time window ``[promise - early_tolerance_min, promise + tolerance_min]``, intersected
  with the job's own windows (service must start inside it);
* a promised start (``Problem.promised_starts``) with ``PromiseSettings.cost_per_min``: each
  minute the service starts after the promise costs that much, a term of its own in both
  engines' objective, apart from the job's SLA deadline and weight (which stay as they are).

When the constrained re-plan cannot keep a promise (the job would be unassigned), the live plan
re-plans again with that promise released (:func:`release`) and reports it broken with the
reason (:func:`broken`). Times are integer seconds inside, ISO-8601 at the edges.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable, Optional

from pydantic import Field

from optimizer.live.settings import PromiseSettings
from optimizer.models import Problem, Solution, TimeWindow
from optimizer.models.common import AwareDatetime, StrictModel
from optimizer.models.job import Job, JobStatus
from optimizer.models.promise import PromisedStart


class Promise(StrictModel):
    """A start promised to the customer."""

    job_id: str = Field(..., description="The promised job.")
    start: AwareDatetime = Field(..., description="Promised service start.")
    confirmed_at: Optional[AwareDatetime] = Field(None, description="Plan clock (now) when it was promised.")
    renewed: int = Field(0, ge=0, description="How many times it was broken and promised again at the new start.")


def window_of(job: Job, promise: Promise, settings: PromiseSettings) -> Optional[list[TimeWindow]]:
    """The job's time windows cut to the promise's tolerance (None: they do not meet)."""
    lo = promise.start - timedelta(minutes=settings.early_tolerance_min)
    hi = promise.start + timedelta(minutes=settings.tolerance_min)
    if not job.time_windows:
        return [TimeWindow(start=lo, end=hi)]
    out = []
    for w in job.time_windows:
        start, end = max(w.start, lo), min(w.end, hi)
        if start <= end:
            out.append(TimeWindow(start=start, end=end))
    return out or None


def constrain(problem: Problem, promises: dict[str, Promise], settings: PromiseSettings,
              released: Iterable[str] = ()) -> tuple[Problem, set[str]]:
    """A copy of ``problem`` whose promised open jobs (pending or dispatched, not in
    ``released``) carry the promise window and a promised start priced at
    ``settings.cost_per_min``; returns it and the constrained ids (``problem`` itself when no
    promise applies)."""
    skip = set(released)
    if not any(jid not in skip for jid in promises):
        return problem, set()
    out = problem.model_copy(update={"jobs": [j.model_copy(deep=True) if j.id in promises else j for j in problem.jobs],
                                     "promised_starts": list(problem.promised_starts)})
    done: set[str] = set()
    for job in out.jobs:
        promise = promises.get(job.id)
        if promise is None or job.id in skip or job.status in (JobStatus.completed, JobStatus.in_progress):
            continue
        windows = window_of(job, promise, settings)
        if windows is None:
            continue
        job.time_windows = windows
        out.promised_starts.append(PromisedStart(job_id=job.id, start=promise.start, cost_per_min=settings.cost_per_min))
        done.add(job.id)
    return out, done


def restore(answered: Problem, original: Problem, ids: Iterable[str]) -> Problem:
    """``answered`` (the re-plan's state) with the windows and deadlines of ``ids`` taken back
    from ``original`` (the unconstrained state)."""
    keep = set(ids)
    if not keep:
        return answered
    own = {j.id: j for j in original.jobs}
    out = answered.model_copy(update={"jobs": [j.model_copy(deep=True) if j.id in keep else j for j in answered.jobs],
                                      "promised_starts": list(original.promised_starts)})
    for job in out.jobs:
        if job.id in keep and job.id in own:
            job.time_windows = [w.model_copy() for w in own[job.id].time_windows]
            job.sla_deadline = own[job.id].sla_deadline
    return out


def starts(solution: Solution) -> dict[str, datetime]:
    return {s.job_id: s.start for r in solution.routes for s in r.stops}


def kept(promise: Promise, start: Optional[datetime], settings: PromiseSettings) -> bool:
    """Does a planned ``start`` keep the promise (inside the tolerance)?"""
    if start is None:
        return False
    shift_s = (start - promise.start).total_seconds()
    return -settings.early_tolerance_min * 60 <= shift_s <= settings.tolerance_min * 60
