"""The integer view of a Problem that every engine and the scheduler work on.

All times are whole seconds from the problem's planning origin (see
:class:`optimizer.models.timebase.Timebase`); locations are row indices of the
:class:`~optimizer.geo.matrix.TravelMatrix`. Built once per solve by :func:`compile_problem`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Optional

import numpy as np

from optimizer.geo.matrix import PointIndex, TravelMatrix
from optimizer.models import Job, Problem, Technician
from optimizer.models.job import JobStatus
from optimizer.models.timebase import Timebase, minutes_to_s


@dataclass(frozen=True)
class CBreak:
    """A break: start within ``[earliest_s, latest_s]``, lasting ``duration_s``."""

    earliest_s: int
    latest_s: int
    duration_s: int


@dataclass
class CTech:
    """One route to plan: a technician's shift in solver units. ``ready_s`` is the earliest
    departure (shift start, ``available_from`` and ``now`` combined); the route must be back by
    ``shift_end_s``.

    ``id`` is the technician's id, shared by all routes of a technician with several shifts
    (so pinned, excluded and preferred technicians apply to each of its shifts); ``shift_index``
    is the shift (None for a one-shift technician) and ``index`` the route's position in
    ``CompiledProblem.techs``."""

    id: str
    index: int
    start_point: int
    end_point: int
    shift_start_s: int
    ready_s: int
    shift_end_s: int
    skills: dict[str, int]
    parts: dict[str, int]
    max_jobs: Optional[int]
    breaks: list[CBreak]
    shift_index: Optional[int] = None
    day: Optional[date] = None
    service_factor: float = 1.0

    @property
    def key(self) -> tuple[str, Optional[int]]:
        """``(technician id, shift index)``: the identity of the route in a Solution."""
        return (self.id, self.shift_index)

    @property
    def shift_length_s(self) -> int:
        return max(0, self.shift_end_s - self.shift_start_s)


@dataclass
class CJob:
    """A job in solver units. ``windows`` are sorted, non-overlapping ``(open_s, close_s)``
    bounds on the START of service (one window spanning the horizon when the job has none)."""

    id: str
    index: int
    point: int
    duration_s: int
    windows: list[tuple[int, int]]
    deadline_s: Optional[int]
    priority: str
    skills: dict[str, int]
    parts: dict[str, int]
    pinned: Optional[str]
    preferred: frozenset[str]
    excluded: frozenset[str]
    allowed: set[int] = field(default_factory=set)
    """Technician indices that may serve the job (filled by the feasibility pre-check)."""
    member: int = 0
    """For a crew job: which member requirement (``Job.crew[member]``) this copy stands for."""
    crew: tuple[int, ...] = ()
    """For a crew job: the indices of all its member copies (this one included), in member
    order; empty for a one-technician job. Every copy has the job's ``id``; they start at the
    same instant on distinct technicians' routes."""
    after: tuple[tuple[int, int, Optional[int]], ...] = ()
    """Dependencies ``(index of the job to finish first, min delay s, max delay s or None)``;
    for a crew job only on its first copy (the copies start together), and pointing to the
    first copy of a crew predecessor."""
    dependents: tuple[int, ...] = ()
    """Indices of the jobs that depend on this one (their first copies)."""
    pin: Optional[tuple[int, int]] = None
    """Search state, not input: extra bounds ``(lo, hi)`` on the start of service that the
    scheduler honours on top of the windows (crew copies pinned to their common start,
    dependent jobs to their delays). None: none."""

    @property
    def linked(self) -> bool:
        """True for a crew copy, a job with dependencies or one others depend on (timed across routes)."""
        return bool(self.crew) or bool(self.after) or bool(self.dependents)
    srv: Optional[tuple[int, ...]] = None
    """Service seconds per route (``CTech.index``) when they differ by technician
    (``durations_by_technician``, ``service_factor``); None: ``duration_s`` for every route."""

    def service_s(self, tech: "CTech") -> int:
        """Service seconds when ``tech`` (a route) serves the job; O(1)."""
        return self.duration_s if self.srv is None else self.srv[tech.index]


@dataclass
class CompiledProblem:
    problem: Problem
    timebase: Timebase
    matrix: TravelMatrix
    points: PointIndex
    techs: list[CTech]
    jobs: list[CJob]
    horizon_s: int
    dependents: dict[int, list[int]] = field(default_factory=dict)
    """Job index -> indices of the jobs that depend on it (their first copies)."""

    @property
    def has_links(self) -> bool:
        """Crews or dependencies in the problem (cross-route timing is needed)."""
        return any(j.linked for j in self.jobs)

    def link_closure(self, index: int) -> list[int]:
        """``index``, its crew copies and, transitively, every job that depends on any of them
        (and their copies): what cannot stay served when ``index`` is not."""
        out: list[int] = []
        seen: set[int] = set()
        stack = [index]
        while stack:
            i = stack.pop()
            if i in seen:
                continue
            seen.add(i)
            out.append(i)
            stack.extend(self.jobs[i].crew)
            stack.extend(self.dependents.get(i, []))
        return out

    def link_constraints(self) -> list[tuple[int, int, int, int, int]]:
        """Every cross-route timing rule as ``(x, y, c, sy, sx)``: start of ``x`` >= start of
        ``y`` + c + ``sy`` x service of ``y`` - ``sx`` x service of ``x`` (services as timed on
        the routes that serve them). Crew copies start together; a dependent starts at least
        ``min`` after its predecessor's end and at most ``max`` after it (the latter written as a
        lower bound on the predecessor)."""
        out: list[tuple[int, int, int, int, int]] = []
        for job in self.jobs:
            if job.crew and job.member == 0:
                for a in job.crew:
                    for b in job.crew:
                        if a != b:
                            out.append((a, b, 0, 0, 0))
            for pred, lo, hi in job.after:
                out.append((job.index, pred, lo, 1, 0))
                if hi is not None:
                    out.append((pred, job.index, -hi, 0, 1))
        return out

    @property
    def durations(self) -> np.ndarray:
        return self.matrix.durations_s

    @property
    def distances(self) -> np.ndarray:
        return self.matrix.distances_m

    def job_by_id(self) -> dict[str, CJob]:
        return {j.id: j for j in self.jobs}

    def tech_by_id(self) -> dict[str, CTech]:
        """Technician id -> its (first) route; one-shift problems have one route per id."""
        out: dict[str, CTech] = {}
        for t in self.techs:
            out.setdefault(t.id, t)
        return out

    def tech_by_key(self) -> dict[tuple[str, Optional[int]], CTech]:
        """``(technician id, shift index)`` -> route."""
        return {t.key: t for t in self.techs}


def _merge_windows(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(windows):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def compile_technician(tech: Technician, index: int, problem: Problem, tb: Timebase, points: PointIndex) -> CTech:
    """The first (or only) route of ``tech``; see :func:`compile_routes` for every shift."""
    return compile_routes(tech, index, problem, tb, points)[0]


def compile_routes(tech: Technician, index: int, problem: Problem, tb: Timebase, points: PointIndex) -> list[CTech]:
    """One CTech per shift of ``tech``, numbered from ``index``."""
    out = []
    current = tech.current_shift_index(problem.now)
    multi = tech.shifts is not None
    for k, shift in enumerate(tech.work_shifts()):
        shift_start = tb.to_s_ceil(shift.start)
        ready = shift_start
        for instant in (tech.available_from, problem.now):
            if instant is not None:
                ready = max(ready, tb.to_s_ceil(instant))
        breaks = sorted(
            (
                CBreak(tb.to_s_ceil(b.earliest_start), tb.to_s(b.latest_start), minutes_to_s(b.duration_min))
                for b in shift.breaks
            ),
            key=lambda b: (b.earliest_s, b.latest_s),
        )
        assert shift.start_location is not None and shift.end_location is not None
        start = tech.current_location if (tech.current_location is not None and k == current) else shift.start_location
        out.append(CTech(
            id=tech.id,
            index=index + k,
            start_point=points.index_of(start),
            end_point=points.index_of(shift.end_location),
            shift_start_s=shift_start,
            ready_s=ready,
            shift_end_s=tb.to_s(shift.end),
            skills=dict(tech.skills),
            parts=dict(tech.parts),
            max_jobs=tech.max_jobs,
            breaks=breaks,
            shift_index=k if multi else None,
            day=shift.start.date() if multi else None,
            service_factor=tech.service_factor,
        ))
    return out


def service_table(job: Job, techs: list[CTech]) -> Optional[tuple[int, ...]]:
    """Service seconds of ``job`` per route, or None when every route takes ``duration_min``."""
    if not job.durations_by_technician and all(t.service_factor == 1.0 for t in techs):
        return None
    table = tuple(minutes_to_s(job.duration_min_for(t.id, t.service_factor)) for t in techs)
    base = minutes_to_s(job.duration_min)
    return None if all(v == base for v in table) else table


def compile_job(job: Job, index: int, tb: Timebase, points: PointIndex, horizon_s: int,
                techs: Optional[list[CTech]] = None, member: int = 0) -> CJob:
    if job.time_windows:
        windows = _merge_windows([(tb.to_s_ceil(w.start), tb.to_s(w.end)) for w in job.time_windows])
    else:
        windows = [(0, horizon_s)]
    return CJob(
        id=job.id,
        index=index,
        point=points.index_of(job.location),
        duration_s=minutes_to_s(job.duration_min),
        windows=windows,
        deadline_s=tb.to_s(job.sla_deadline) if job.sla_deadline is not None else None,
        priority=job.priority.value,
        skills=dict(job.crew[member].skills) if job.crew else dict(job.skills),
        parts=dict(job.parts),
        pinned=job.pinned_technician,
        preferred=frozenset(job.preferred_technicians),
        excluded=frozenset(job.excluded_technicians),
        srv=service_table(job, techs) if techs is not None else None,
    )


def compile_problem(problem: Problem, matrix: TravelMatrix, points: PointIndex) -> CompiledProblem:
    """Integer view of ``problem``. Jobs with status ``completed`` are left out (never planned)."""
    tb = Timebase(problem.planning_origin())
    techs: list[CTech] = []
    for t in problem.technicians:
        techs.extend(compile_routes(t, len(techs), problem, tb, points))
    horizon = max([t.shift_end_s for t in techs] + [0])
    plannable = [j for j in problem.jobs if j.status != JobStatus.completed]
    jobs: list[CJob] = []
    first: dict[str, int] = {}
    for j in plannable:
        first[j.id] = len(jobs)
        copies = [compile_job(j, len(jobs) + k, tb, points, horizon, techs, k) for k in range(j.crew_size)]
        if j.crew:
            for c in copies:
                c.crew = tuple(x.index for x in copies)
        jobs.extend(copies)
    dependents: dict[int, list[int]] = {}
    for j in plannable:
        # A completed predecessor is finished: nothing left to wait for.
        deps = tuple((first[d.job], minutes_to_s(d.min_delay_min), None if d.max_delay_min is None else minutes_to_s(d.max_delay_min))
                     for d in j.after if d.job in first)
        if deps:
            jobs[first[j.id]].after = deps
            for pred, _, _ in deps:
                dependents.setdefault(pred, []).append(first[j.id])
    for pred, deps_of in dependents.items():
        jobs[pred].dependents = tuple(deps_of)
    return CompiledProblem(problem, tb, matrix, points, techs, jobs, horizon, dependents)
