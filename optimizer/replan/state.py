"""The state of the day at ``now``, derived from the previous plan and the status events.

A re-plan needs to know which jobs are done, which are under way and where each technician is.
Marking that by hand (``status``, ``technician_id``, ``expected_end``, ``current_location``) is
what :func:`derive_state` does from the plan being executed and the status events of the field
app (``job_started``, ``job_completed``, ``technician_position``), with these rules, per job:

1. a ``job_completed`` event at or before ``now`` -> **completed** (source ``event``);
2. else a ``job_started`` event at or before ``now`` -> **in progress** with the event's
   technician (default: the planned one), ending at the event's ``expected_end`` (default
   ``at`` + duration; never before ``now``);
3. else ``completed`` in the problem is kept (source ``given``); so are ``in_progress`` and
   ``dispatched`` of a job the previous plan does not route. Those of a job it routes are
   derived again by rule 4 (the state may be from an earlier instant, e.g. the answer of the
   last re-plan: its plan holds that work at the head of the routes, until its expected end;
   past it, the job is assumed completed, with the ``assumed_completed`` warning when long ago);
4. else, along the technician's previous route, in order:

   - a stop planned BEFORE a stop that an event reports (the technician has moved on) ->
     **completed** (source ``plan``);
   - planned end at or before ``now`` -> **completed** (source ``plan``);
   - the first stop not completed: planned start at or before ``now`` -> **in progress**
     (expected end = planned end); else departure (``arrival - travel_time_s``) at or before
     ``now`` -> **dispatched** (the technician is driving to it);
   - every later stop -> pending. A technician an event reports on site (in progress) gets
     nothing else in progress or dispatched from the plan.

5. jobs the previous plan did not route stay as they are (pending unless given otherwise).

The latest ``technician_position`` at or before ``now`` becomes the technician's
``current_location``. Without one, a ``current_location`` in the problem is kept only for a
technician whose previous route has not started by ``now`` (otherwise the plan says where it
is: on site, or where its last stop was). Events after ``now`` are refused (``events[i].at``).

Warnings (``StateWarning``, code + message) say when the state looks stale: jobs assumed done
from the plan whose planned end is more than ``stale_after_min`` before ``now`` without a
completion event (``assumed_completed``), started jobs whose expected end passed more than
``stale_after_min`` ago (``overdue_in_progress``), positions older than ``position_max_age_min``
(``stale_position``), and, when the state is NOT derived, pending jobs the plan had finished
before ``now`` (``plan_not_current``).

Every job stays in the answer: completed ones are listed in :class:`DayState` ``completed``
(with technician and times) and, as before, in the solution's ``unassigned`` with code
``completed`` so that every job appears once for the validator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, Optional, Sequence

from pydantic import Field

from optimizer.i18n import N_, Msg
from optimizer.models import Job, Problem, Route, Solution, Stop
from optimizer.models.common import AwareDatetime, Location, StrictModel
from optimizer.models.job import JobStatus
from optimizer.replan.apply import ReplanError
from optimizer.replan.events import Event, JobCompleted, JobStarted, TechnicianPosition

# User-facing texts of this module, in one place (message catalogs translate these).
MESSAGES = {
    "assumed_completed": N_("{n} job(s) assumed completed from the plan, planned to end more than {min} min before now "
                            "without a job_completed event: {ids}"),
    "overdue_in_progress": N_("{n} started job(s) expected to end more than {min} min before now without a job_completed "
                              "event (kept in progress until now): {ids}"),
    "stale_position": N_("{tech}: last position is {age} min old (more than {min} min)"),
    "plan_not_current": N_("{n} job(s) the previous plan finished before now are still pending and will be planned again "
                           "after now; send job_completed events or set options.derive_state: {ids}"),
}
"""Warning texts (English ids of the message catalog; shown translated where they are read)."""
MAX_IDS_LISTED = 12


class StateWarning(StrictModel):
    """A sign that the state of the day may be stale or incomplete."""

    code: Literal["assumed_completed", "overdue_in_progress", "stale_position", "plan_not_current"] = Field(
        ..., description="Language-neutral code of the warning.")
    message: str = Field(..., description="Text for the dispatcher (English).")
    job_ids: list[str] = Field(default_factory=list, description="Jobs concerned (all of them, not only the listed ones).")
    technician_id: Optional[str] = Field(None, description="Technician concerned (stale_position).")


class DoneJob(StrictModel):
    """A job completed by ``now``."""

    job_id: str
    technician_id: Optional[str] = Field(None, description="Who did it (null: unknown, e.g. marked completed by hand).")
    start: Optional[AwareDatetime] = Field(None, description="Start of the work: the job_started event, else the planned start.")
    end: Optional[AwareDatetime] = Field(None, description="End of the work: the job_completed event, else the planned end.")
    source: Literal["event", "plan", "given"] = Field(
        ..., description="event: a job_completed event; plan: planned end before now (or a later stop reported); given: status in the problem.")


class StateSummary(StrictModel):
    """What the state of the day at ``now`` is, as the re-plan took it."""

    now: Optional[AwareDatetime] = Field(None, description="The instant of the state.")
    derived: bool = Field(False, description="True when the state was derived from the previous plan and the status events.")
    completed: list[DoneJob] = Field(default_factory=list, description="Work done by now (not planned again).")
    in_progress: list[str] = Field(default_factory=list, description="Job ids under way at now (kept at the head of their technician's route).")
    dispatched: list[str] = Field(default_factory=list, description="Job ids a technician is driving to at now (kept).")
    positions: dict[str, Location] = Field(default_factory=dict, description="Technician id -> position taken from technician_position events.")
    warnings: list[StateWarning] = Field(default_factory=list, description="Signs that the state looks stale.")


@dataclass
class DayState:
    """The problem state at ``now`` and how it was obtained."""

    problem: Problem
    summary: StateSummary
    sources: dict[str, str] = field(default_factory=dict)
    """Job id -> how its status was set (event, plan, given)."""


def _ids(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:MAX_IDS_LISTED])
    return shown + (f" (+{len(ids) - MAX_IDS_LISTED} more)" if len(ids) > MAX_IDS_LISTED else "")


def _warning(code: str, job_ids: Sequence[str] = (), technician_id: Optional[str] = None, **values) -> StateWarning:
    shown = {k: (f"{v:g}" if k == "min" else f"{v:.0f}" if k == "age" else v) for k, v in values.items()}
    text = Msg(MESSAGES[code], n=len(job_ids), ids=_ids(list(job_ids)), **shown)
    return StateWarning(code=code, message=text, job_ids=list(job_ids), technician_id=technician_id)


def _status_events(problem: Problem, events: Sequence[Event], now: datetime):
    """The latest start / completion per job and position per technician at or before ``now``
    (later events in the list win on equal instants); refuses unknown ids and future events."""
    jobs = {j.id for j in problem.jobs}
    techs = {t.id for t in problem.technicians}
    started: dict[str, tuple[int, JobStarted]] = {}
    completed: dict[str, tuple[int, JobCompleted]] = {}
    positions: dict[str, TechnicianPosition] = {}
    for i, event in enumerate(events):
        if not isinstance(event, (JobStarted, JobCompleted, TechnicianPosition)):
            continue
        if event.at > now:
            raise ReplanError(f"events[{i}].at: {event.at.isoformat()} is after now ({now.isoformat()})")
        if event.technician_id is not None and event.technician_id not in techs:
            raise ReplanError(f"events[{i}].technician_id: unknown technician {event.technician_id!r}")
        if isinstance(event, TechnicianPosition):
            if event.technician_id not in positions or positions[event.technician_id].at <= event.at:
                positions[event.technician_id] = event
            continue
        if event.job_id not in jobs:
            raise ReplanError(f"events[{i}].job_id: unknown job {event.job_id!r}")
        table = started if isinstance(event, JobStarted) else completed
        if event.job_id not in table or table[event.job_id][1].at <= event.at:
            table[event.job_id] = (i, event)  # type: ignore[assignment]
    return started, completed, positions


def derive_state(
    problem: Problem,
    previous: Solution,
    events: Sequence[Event] = (),
    now: Optional[datetime] = None,
    *,
    stale_after_min: float = 30.0,
    position_max_age_min: float = 15.0,
) -> DayState:
    """The state of the day at ``now`` (default ``problem.now``) when ``previous`` was executed
    as planned except where the status events say otherwise (rules in the module docstring).

    Returns a new Problem (``now`` set; job ``status``/``technician_id``/``expected_end`` and
    technician ``current_location`` filled) and a :class:`StateSummary`. Raises
    :class:`ReplanError` when there is no ``now`` or an event names an unknown job or technician,
    lacks a technician it needs, or lies after ``now``."""
    now = now or problem.now
    if now is None:
        raise ReplanError("now: required to derive the state of the day (set the problem's now)")
    state = problem.model_copy(deep=True)
    state.now = now
    jobs = {j.id: j for j in state.jobs}
    started, completed, positions = _status_events(state, events, now)
    walk = _Walk(jobs, {s.job_id: (r.technician_id, s) for r in previous.routes for s in r.stops}, now,
                 timedelta(minutes=stale_after_min))
    walk.reported(started, completed)
    for route in previous.routes:
        walk.route(route)
    sources, done, overdue, assumed_late = walk.sources, walk.done, walk.overdue, walk.assumed_late

    techs = {t.id: t for t in state.technicians}
    warnings: list[StateWarning] = []
    if assumed_late:
        warnings.append(_warning("assumed_completed", assumed_late, min=stale_after_min))
    if overdue:
        warnings.append(_warning("overdue_in_progress", overdue, min=stale_after_min))
    for route in previous.routes:
        tech = techs.get(route.technician_id)
        moved = route.start is not None and route.start <= now and bool(route.stops)
        if tech is not None and moved and tech.id not in positions:
            tech.current_location = None
    for tid, pos in sorted(positions.items()):
        techs[tid].current_location = pos.location
        age_min = (now - pos.at).total_seconds() / 60.0
        if age_min > position_max_age_min:
            warnings.append(_warning("stale_position", technician_id=tid, tech=tid, age=age_min, min=position_max_age_min))

    order = [j.id for j in state.jobs]
    summary = StateSummary(
        now=now,
        derived=True,
        completed=[done[j] for j in order if j in done],
        in_progress=[j for j in order if jobs[j].status == JobStatus.in_progress],
        dispatched=[j for j in order if jobs[j].status == JobStatus.dispatched],
        positions={tid: p.location for tid, p in sorted(positions.items())},
        warnings=warnings,
    )
    return DayState(state, summary, sources)


class _Walk:
    """Rules 1-4 of the module docstring over the jobs (mutates them)."""

    def __init__(self, jobs: dict[str, Job], planned: dict[str, tuple[str, Stop]], now: datetime, stale: timedelta):
        self.jobs, self.planned, self.now, self.stale = jobs, planned, now, stale
        self.sources: dict[str, str] = {}
        self.done: dict[str, DoneJob] = {}
        self.overdue: list[str] = []
        self.assumed_late: list[str] = []
        self.busy: set[str] = set()  # technicians an event or the problem puts on site

    def reported(self, started: dict[str, tuple[int, JobStarted]], completed: dict[str, tuple[int, JobCompleted]]) -> None:
        """Rules 1-3: events, then statuses given in the problem."""
        for jid, job in self.jobs.items():
            plan_tech, stop = self.planned.get(jid, (None, None))
            if jid in completed:
                ev = completed[jid][1]
                first = started[jid][1].at if jid in started else (stop.start if stop is not None else None)
                job.status, job.technician_id, job.expected_end = JobStatus.completed, None, None
                self.done[jid] = DoneJob(job_id=jid, technician_id=ev.technician_id or plan_tech, start=first, end=ev.at, source="event")
                self.sources[jid] = "event"
            elif jid in started:
                i, sev = started[jid]
                tech = sev.technician_id or plan_tech
                if tech is None:
                    raise ReplanError(f"events[{i}].technician_id: required, the previous plan does not route job {jid!r}")
                end = sev.expected_end or (sev.at + timedelta(minutes=job.duration_min))
                if end + self.stale < self.now:
                    self.overdue.append(jid)
                job.status, job.technician_id, job.expected_end = JobStatus.in_progress, tech, max(end, self.now)
                self.busy.add(tech)
                self.sources[jid] = "event"
            elif job.status == JobStatus.completed:
                self.sources[jid] = "given"
                self.done[jid] = DoneJob(job_id=jid, technician_id=plan_tech, start=stop.start if stop else None,
                                         end=stop.end if stop else None, source="given")
            elif job.status != JobStatus.pending and stop is None:
                self.sources[jid] = "given"  # under way off the plan: as the problem says
                if job.status == JobStatus.in_progress and job.technician_id is not None:
                    self.busy.add(job.technician_id)
            elif job.status != JobStatus.pending:
                # In progress / dispatched in an earlier state: the plan (which holds that work at
                # the head of its route, until its expected end) says how it stands now.
                job.status, job.technician_id, job.expected_end = JobStatus.pending, None, None

    def route(self, route: Route) -> None:
        """Rule 4 along one previous route."""
        stops = [s for s in route.stops if s.job_id in self.jobs]
        reported = [k for k, s in enumerate(stops) if s.job_id in self.sources]
        last_reported = reported[-1] if reported else -1
        on_site = route.technician_id in self.busy
        open_seen = False
        for k, stop in enumerate(stops):
            job = self.jobs[stop.job_id]
            if stop.job_id in self.sources:
                open_seen = open_seen or job.status != JobStatus.completed
                continue
            if not open_seen and (k < last_reported or stop.end <= self.now):
                job.status, job.technician_id, job.expected_end = JobStatus.completed, None, None
                self.done[job.id] = DoneJob(job_id=job.id, technician_id=route.technician_id, start=stop.start, end=stop.end, source="plan")
                self.sources[job.id] = "plan"
                if stop.end + self.stale < self.now:
                    self.assumed_late.append(job.id)
                continue
            if not open_seen and not on_site:
                departure = stop.arrival - timedelta(seconds=stop.travel_time_s)
                if stop.start <= self.now:
                    job.status, job.technician_id, job.expected_end = JobStatus.in_progress, route.technician_id, stop.end
                    self.sources[job.id] = "plan"
                elif departure <= self.now:
                    job.status, job.technician_id, job.expected_end = JobStatus.dispatched, route.technician_id, None
                    self.sources[job.id] = "plan"
            open_seen = True


def should_derive(problem: Problem, previous: Solution, events: Sequence[Event], derive: Optional[bool]) -> bool:
    """``derive`` when given; else derive when a status event is given, or when the problem has a
    ``now``, no job carries a status other than pending (nothing marked by hand) and the previous
    plan has work starting before ``now``."""
    if derive is not None:
        return derive
    if any(isinstance(e, (JobStarted, JobCompleted, TechnicianPosition)) for e in events):
        return True
    if problem.now is None or any(j.status != JobStatus.pending for j in problem.jobs):
        return False
    return any(s.start < problem.now for r in previous.routes for s in r.stops)


def as_given(problem: Problem, previous: Solution) -> StateSummary:
    """The summary of a state taken as given (not derived), with a ``plan_not_current`` warning
    when pending jobs were planned to end before ``now``."""
    jobs = {j.id: j for j in problem.jobs}
    planned = {s.job_id: (r.technician_id, s) for r in previous.routes for s in r.stops}

    def done(jid: str) -> DoneJob:
        tech, stop = planned.get(jid, (None, None))
        return DoneJob(job_id=jid, technician_id=tech, start=stop.start if stop else None, end=stop.end if stop else None, source="given")

    summary = StateSummary(
        now=problem.now,
        derived=False,
        completed=[done(j.id) for j in problem.jobs if j.status == JobStatus.completed],
        in_progress=[j.id for j in problem.jobs if j.status == JobStatus.in_progress],
        dispatched=[j.id for j in problem.jobs if j.status == JobStatus.dispatched],
    )
    if problem.now is not None:
        stale = [s.job_id for r in previous.routes for s in r.stops
                 if s.job_id in jobs and jobs[s.job_id].status == JobStatus.pending and s.end <= problem.now]
        if stale:
            summary.warnings.append(_warning("plan_not_current", stale))
    return summary
