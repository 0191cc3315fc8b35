"""The integer view of a Problem that every engine and the scheduler work on.

All times are whole seconds from the problem's planning origin (see
:class:`optimizer.models.timebase.Timebase`); locations are row indices of the
:class:`~optimizer.geo.matrix.TravelMatrix`. Built once per solve by :func:`compile_problem`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    """A technician in solver units. ``ready_s`` is the earliest departure (shift start,
    ``available_from`` and ``now`` combined); the route must be back by ``shift_end_s``."""

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


@dataclass
class CompiledProblem:
    problem: Problem
    timebase: Timebase
    matrix: TravelMatrix
    points: PointIndex
    techs: list[CTech]
    jobs: list[CJob]
    horizon_s: int

    @property
    def durations(self) -> np.ndarray:
        return self.matrix.durations_s

    @property
    def distances(self) -> np.ndarray:
        return self.matrix.distances_m

    def job_by_id(self) -> dict[str, CJob]:
        return {j.id: j for j in self.jobs}

    def tech_by_id(self) -> dict[str, CTech]:
        return {t.id: t for t in self.techs}


def _merge_windows(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(windows):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def compile_technician(tech: Technician, index: int, problem: Problem, tb: Timebase, points: PointIndex) -> CTech:
    shift_start = tb.to_s_ceil(tech.shift.start)
    ready = shift_start
    for instant in (tech.available_from, problem.now):
        if instant is not None:
            ready = max(ready, tb.to_s_ceil(instant))
    breaks = sorted(
        (
            CBreak(tb.to_s_ceil(b.earliest_start), tb.to_s(b.latest_start), minutes_to_s(b.duration_min))
            for b in tech.breaks
        ),
        key=lambda b: (b.earliest_s, b.latest_s),
    )
    return CTech(
        id=tech.id,
        index=index,
        start_point=points.index_of(tech.route_start_location),
        end_point=points.index_of(tech.route_end_location),
        shift_start_s=shift_start,
        ready_s=ready,
        shift_end_s=tb.to_s(tech.shift.end),
        skills=dict(tech.skills),
        parts=dict(tech.parts),
        max_jobs=tech.max_jobs,
        breaks=breaks,
    )


def compile_job(job: Job, index: int, tb: Timebase, points: PointIndex, horizon_s: int) -> CJob:
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
        skills=dict(job.skills),
        parts=dict(job.parts),
        pinned=job.pinned_technician,
        preferred=frozenset(job.preferred_technicians),
        excluded=frozenset(job.excluded_technicians),
    )


def compile_problem(problem: Problem, matrix: TravelMatrix, points: PointIndex) -> CompiledProblem:
    """Integer view of ``problem``. Jobs with status ``completed`` are left out (never planned)."""
    tb = Timebase(problem.planning_origin())
    techs = [compile_technician(t, i, problem, tb, points) for i, t in enumerate(problem.technicians)]
    horizon = max([t.shift_end_s for t in techs] + [0])
    plannable = [j for j in problem.jobs if j.status != JobStatus.completed]
    jobs = [compile_job(j, i, tb, points, horizon) for i, j in enumerate(plannable)]
    return CompiledProblem(problem, tb, matrix, points, techs, jobs, horizon)
