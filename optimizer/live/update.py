"""Making versions of a live plan: :func:`create` (version 1) and :func:`apply` (the next
version after a batch of events).

``apply`` composes the re-planning library, it does not re-implement it:

1. the plan's clock moves to ``now`` (never backwards); ``job_confirmed`` events add promises;
2. promised jobs are constrained (:func:`optimizer.live.promises.constrain`) and the state is
   re-planned with the plan's stability weight (:func:`optimizer.replan.replan`, which derives
   the state of the day at ``now`` from the previous plan and the status events);
3. a promise the constrained re-plan could not keep (the job would be unassigned) is released
   and the state re-planned once more; it is reported ``promise_broken`` in ``changes[]``;
4. the answer is restored to the jobs' own windows and deadlines (the stored state is the
   customer's, not the promise's), then risk (:mod:`optimizer.live.risk`) and escalations
   (:mod:`optimizer.live.escalation`) are computed on it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional, Sequence

from optimizer.geo.matrix import PointIndex, TravelMatrix
from optimizer.live.escalation import escalate
from optimizer.live.events import LIVE_ONLY, JobAssigned, JobConfirmed, LiveEvent
from optimizer.live.matrix import MatrixCache, locations_of
from optimizer.live.promises import Promise, constrain, kept, restore, starts
from optimizer.live.recommend import restrict
from optimizer.live.risk import assess
from optimizer.live.settings import LiveSettings
from optimizer.live.version import LiveChange, PlanVersion, Tracking
from optimizer.models import Problem, Solution
from optimizer.models.job import JobStatus
from optimizer.replan import ReplanError, ReplanResult, replan
from optimizer.replan.events import NewJob, ShiftExtended, TechnicianDelayed


@dataclass
class Outcome:
    """A new version and the part of its day that can still move: ``derived`` (the problem the
    re-plan's engine solved: open jobs, technicians free after their fixed heads; None when no
    technician can work any more) and ``suffix`` (its routes). Recommendations use them."""

    version: PlanVersion
    derived: Optional[Problem]
    suffix: Optional[Solution]


class LiveError(ValueError):
    """Events that cannot be applied; the message starts with the field path
    (``events[3].event.job_id: ...``)."""


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def refuse_shifts(problem: Problem) -> None:
    """Live plans are one day of re-planning: a technician with several shifts is refused by name."""
    several = [i for i, t in enumerate(problem.technicians) if t.shifts is not None]
    if several:
        raise LiveError(f"problem.technicians.{several[0]}.shifts: live plans of a problem with several shifts per technician "
                        "(multi-day horizon) are not supported yet; create the plan of one day with shift")


def create(plan_id: str, problem: Problem, solution: Solution, settings: LiveSettings,
           matrix: Optional[TravelMatrix] = None, points: Optional[PointIndex] = None) -> Outcome:
    """Version 1 of a plan from a problem and its solution (promises when ``confirm_all``)."""
    refuse_shifts(problem)
    t0 = time.perf_counter()
    tracking = Tracking(planned_duration_min={j.id: j.duration_min for j in problem.jobs})
    promises: dict[str, Promise] = {}
    if settings.promises.confirm_all:
        promises = {jid: Promise(job_id=jid, start=start, confirmed_at=problem.now) for jid, start in starts(solution).items()}
    risk = assess(problem, solution, settings, tracking.planned_duration_min, {}, tracking.low_slack)
    fresh = all(j.status == JobStatus.pending for j in problem.jobs)
    escalations = escalate(risk, settings.rules_for(problem), tracking.escalated, problem if fresh else None, solution if fresh else None,
                           matrix, points)
    version = PlanVersion(plan_id=plan_id, version=1, created_at=_utcnow(), now=problem.now, problem=problem, solution=solution,
                          risk=risk, escalations=escalations, promises=promises, tracking=tracking,
                          replan_time_s=round(time.perf_counter() - t0, 3))
    return Outcome(version, problem if fresh else None, solution if fresh else None)


def _clock(current: PlanVersion, now: Optional[datetime], events: Sequence[object]) -> datetime:
    if now is not None and current.now is not None and now < current.now:
        raise LiveError(f"now: {now.isoformat()} is before the plan's clock {current.now.isoformat()}")
    reported = [getattr(e, "at") for e in events if isinstance(getattr(e, "at", None), datetime)]
    candidates = [x for x in (now, current.now) if x is not None]
    if now is None:
        candidates += reported
    if not candidates:
        return current.problem.planning_origin()
    return max(candidates)


def _confirm(event: JobConfirmed, where: str, current: PlanVersion, promises: dict[str, Promise], clock: datetime) -> None:
    planned = starts(current.solution)
    known = {j.id: j for j in current.problem.jobs}
    job = known.get(event.job_id)
    if job is None:
        raise LiveError(f"{where}.job_id: unknown job {event.job_id!r}")
    if job.status == JobStatus.completed:
        raise LiveError(f"{where}.job_id: job {event.job_id!r} is already completed")
    start = event.start or planned.get(event.job_id)
    if start is None:
        raise LiveError(f"{where}.start: job {event.job_id!r} is not planned; give the promised start")
    promises[event.job_id] = Promise(job_id=event.job_id, start=start, confirmed_at=clock)


def _assign(event: JobAssigned, where: str, state: Problem, plan: Solution, clock: datetime) -> None:
    """Pin the job to the technician in the stored state (it stays pinned in later versions).
    Work already done, under way or on its way (the planned technician has left for it by
    ``clock``) cannot change hands."""
    jobs = {j.id: j for j in state.jobs}
    job = jobs.get(event.job_id)
    if job is None:
        raise LiveError(f"{where}.job_id: unknown job {event.job_id!r}")
    if event.technician_id not in {t.id for t in state.technicians}:
        raise LiveError(f"{where}.technician_id: unknown technician {event.technician_id!r}")
    placed = {s.job_id: (r.technician_id, s) for r in plan.routes for s in r.stops}
    tech, stop = placed.get(job.id, (None, None))
    left = stop is not None and stop.arrival - timedelta(seconds=stop.travel_time_s) <= clock
    if job.status == JobStatus.completed or (tech != event.technician_id and (job.status != JobStatus.pending or left)):
        what = "completed" if job.status == JobStatus.completed else f"already with {tech or job.technician_id} (dispatched or under way)"
        raise LiveError(f"{where}.job_id: job {event.job_id!r} is {what}")
    job.pinned_technician = event.technician_id
    job.excluded_technicians = [t for t in job.excluded_technicians if t != event.technician_id]


def _replan(problem: Problem, previous: Solution, events: list, settings: LiveSettings, matrix, points,
            index_map: list[int]) -> ReplanResult:
    options = settings.replan.model_copy(update={"derive_state": True})  # the live state is always derived at now
    try:
        return replan(problem, previous, events, options, matrix, points)
    except ReplanError as exc:
        message = str(exc)
        found = re.match(r"^events\[(\d+)\]\.?", message)
        if found and int(found.group(1)) < len(index_map):
            message = f"events[{index_map[int(found.group(1))]}].event." + message[found.end():]
        raise LiveError(message) from None


def _unassigned_codes(solution: Solution) -> dict[str, tuple[str, str]]:
    return {u.job_id: (u.code, u.reason) for u in solution.unassigned}


def _restore_sla(problem: Problem, solution: Solution, ids: set[str]) -> None:
    """Stops of ``ids`` judged against the jobs' own deadlines (not the promise's)."""
    jobs = {j.id: j for j in problem.jobs}
    for route in solution.routes:
        for stop in route.stops:
            if stop.job_id in ids:
                deadline = jobs[stop.job_id].sla_deadline
                stop.sla_met = None if deadline is None else stop.end <= deadline
                stop.lateness_s = 0 if deadline is None else max(0, int((stop.end - deadline).total_seconds()))


def apply(current: PlanVersion, settings: LiveSettings, events: Sequence[LiveEvent], now: Optional[datetime] = None,
          cache: Optional[MatrixCache] = None) -> Outcome:
    """The next version after ``events`` (all new: the caller drops ids already applied).
    Raises :class:`LiveError` for events naming unknown jobs or technicians, or a clock going
    backwards."""
    t0 = time.perf_counter()
    bodies: list = [e.event for e in events]
    replan_events: list = []
    index_map: list[int] = []
    for i, body in enumerate(bodies):
        if not isinstance(body, LIVE_ONLY):
            replan_events.append(body)
            index_map.append(i)
    clock = _clock(current, now, replan_events)
    promises = {k: v.model_copy() for k, v in current.promises.items()}
    tracking = current.tracking.model_copy(deep=True)
    for i, body in enumerate(bodies):
        if isinstance(body, JobConfirmed):
            _confirm(body, f"events[{i}].event", current, promises, clock)
        elif isinstance(body, NewJob):
            tracking.planned_duration_min[body.job.id] = body.job.duration_min
        elif isinstance(body, TechnicianDelayed):
            tracking.delay_min[body.technician_id] = tracking.delay_min.get(body.technician_id, 0.0) + body.minutes
    # The stored state is the last version's answer; derive_state (forced below) takes what it
    # can from it and derives the rest again from the version's plan and this batch's status events.
    state = current.problem.model_copy(deep=True)
    state.now = clock
    for i, body in enumerate(bodies):
        if isinstance(body, JobAssigned):
            _assign(body, f"events[{i}].event", state, current.solution, clock)
            # The re-planning library re-solves only for its own events: an unchanged shift end of
            # the new technician is a no-op event that makes it re-solve (the pin is in the state)
            # and names that technician's changes as caused by this assignment.
            end = state.technician(body.technician_id).one_shift.end
            replan_events.append(ShiftExtended(technician_id=body.technician_id, new_end=end))
            index_map.append(i)
    matrix = points = None
    if cache is not None:
        matrix, points = cache.ensure(state, locations_of(replan_events))
    constrained, ids = constrain(state, promises, settings.promises)
    result = _replan(constrained, current.solution, replan_events, settings, matrix, points, index_map)
    first = _unassigned_codes(result.solution)
    lost = {jid for jid in ids if jid in first and first[jid][0] not in ("cancelled", "completed")}
    if lost:
        constrained, ids = constrain(state, promises, settings.promises, released=lost)
        result = _replan(constrained, current.solution, replan_events, settings, matrix, points, index_map)
    answered = restore(result.problem, state, ids)
    solution = result.solution
    _restore_sla(answered, solution, ids)
    from optimizer.kpis import compute_kpis

    solution.kpis = compute_kpis(answered, solution)
    ids_of = [e.id for e in events]
    changes = [LiveChange(**c.model_dump(), cause_event_id=ids_of[index_map[c.cause]] if c.cause is not None and c.cause < len(index_map) else None)
               for c in result.changes]
    for change in changes:  # causes index the posted batch, like error paths
        if change.cause is not None and change.cause < len(index_map):
            change.cause = index_map[change.cause]
    changes += _promises_after(answered, solution, promises, settings, clock, lost, first, changes)
    risk = assess(answered, solution, settings, tracking.planned_duration_min, tracking.delay_min, tracking.low_slack)
    suffix = restrict(solution, result.derived) if result.derived is not None else None
    escalations = escalate(risk, settings.rules_for(answered), tracking.escalated, result.derived, suffix, matrix, points)
    version = PlanVersion(plan_id=current.plan_id, version=current.version + 1, created_at=_utcnow(), now=clock,
                          problem=answered, solution=solution, changes=changes, risk=risk, escalations=escalations,
                          promises=promises, events=list(events), tracking=tracking,
                          replan_time_s=round(time.perf_counter() - t0, 3))
    return Outcome(version, result.derived, suffix)


def _promises_after(problem: Problem, solution: Solution, promises: dict[str, Promise], settings: LiveSettings, clock: datetime,
                    lost: set[str], first: dict[str, tuple[str, str]], changes: list[LiveChange]) -> list[LiveChange]:
    """Check every promise against the new plan (updating ``promises`` in place): fulfilled ones
    (in progress, completed) and cancelled ones are dropped; broken ones are reported and
    promised again at the new start; dispatched jobs get a promise when ``confirm_on_dispatch``."""
    jobs = {j.id: j for j in problem.jobs}
    placed = {s.job_id: (r.technician_id, s.start) for r in solution.routes for s in r.stops}
    codes = _unassigned_codes(solution)
    by_job = {c.job_id: c for c in changes}
    out: list[LiveChange] = []
    tol = settings.promises.tolerance_min
    for jid in sorted(promises):
        promise = promises[jid]
        job = jobs.get(jid)
        if job is None or job.status in (JobStatus.completed, JobStatus.in_progress) or codes.get(jid, ("",))[0] in ("cancelled", "completed"):
            del promises[jid]
            continue
        where = placed.get(jid)
        start = where[1] if where else None
        if kept(promise, start, settings.promises):
            continue
        cause = by_job.get(jid)
        why = first[jid][1] if jid in lost and jid in first else (codes[jid][1] if jid in codes else "the re-plan could not keep it")
        reason = f"no plan starts it within {tol:g} min of the promised {promise.start.isoformat()}: {why}"
        if cause is not None and cause.cause_type is not None:
            reason += f" (after {cause.cause_type} event {cause.cause_event_id})"
        out.append(LiveChange(job_id=jid, kind="promise_broken", promised_start=promise.start, new_start=start,
                              from_technician=cause.from_technician if cause else (where[0] if where else None),
                              to_technician=where[0] if where else None,
                              shift_min=round((start - promise.start).total_seconds() / 60, 1) if start else None,
                              reason=reason, cause=cause.cause if cause else None, cause_type=cause.cause_type if cause else None,
                              cause_event_id=cause.cause_event_id if cause else None))
        if start is None:
            del promises[jid]
        else:
            promises[jid] = Promise(job_id=jid, start=start, confirmed_at=clock, renewed=promise.renewed + 1)
    if settings.promises.confirm_on_dispatch:
        for jid, (tid, start) in placed.items():
            job = jobs.get(jid)
            if job is not None and job.status == JobStatus.dispatched and jid not in promises:
                promises[jid] = Promise(job_id=jid, start=start, confirmed_at=clock)
    return out
