"""One territory (or a pair of them) as a normal problem: build the sub-problem, solve it with
:func:`optimizer.solve.solve`, check the answer with the independent validator on the
sub-problem's own matrix, and evaluate a part of the final plan.

:func:`run_task` is what the parallel backends execute (in this process, a local process pool or
a Ray worker); it never raises: an error becomes ``TaskResult.error`` and the caller reports the
territory's jobs unassigned with that reason.
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass
from typing import Optional

import numpy as np

from optimizer.geo.matrix import PointIndex, TravelMatrix, build_problem_matrix, problem_points
from optimizer.models import Problem, Solution

__all__ = ["Task", "TaskResult", "sub_problem", "slice_matrix", "run_task"]


@dataclass
class Task:
    """``kind``: ``solve`` (a territory or a border pair; ``initial_routes`` seeds it) or
    ``evaluate`` (validate ``solution`` and compute its objective). ``matrix``/``points``: the
    sub-problem's matrix when the caller already has one (sliced from a full matrix), else built
    in the worker."""

    key: str
    kind: str
    problem: Problem
    initial_routes: Optional[dict[str, list[str]]] = None
    solution: Optional[Solution] = None
    matrix: Optional[TravelMatrix] = None
    points: Optional[PointIndex] = None


@dataclass
class TaskResult:
    key: str
    solution: Optional[Solution] = None
    objective: Optional[float] = None
    error: Optional[str] = None
    violations: int = 0
    wall_time_s: float = 0.0
    matrix_points: int = 0
    pid: int = 0
    attempts: int = 1


def sub_problem(problem: Problem, technician_ids: list[str], job_ids: list[str], time_limit_s: float,
                region_path: Optional[str] = None) -> Problem:
    """The problem restricted to these technicians and jobs (input order kept), solved whole
    (``decomposition`` off) within ``time_limit_s``. Job references to technicians outside it
    (preferred, excluded) are dropped; tied jobs are always given with their technician."""
    tech_set = set(technician_ids)
    job_set = set(job_ids)
    techs = [t for t in problem.technicians if t.id in tech_set]
    jobs = []
    for job in problem.jobs:
        if job.id not in job_set:
            continue
        update: dict[str, object] = {}
        if any(t not in tech_set for t in job.preferred_technicians):
            update["preferred_technicians"] = [t for t in job.preferred_technicians if t in tech_set]
        if any(t not in tech_set for t in job.excluded_technicians):
            update["excluded_technicians"] = [t for t in job.excluded_technicians if t in tech_set]
        if job.technician_id is not None and job.technician_id not in tech_set:
            update["technician_id"] = None
        jobs.append(job.model_copy(update=update) if update else job)
    options = problem.options.model_copy(update={
        "decomposition": "off",
        "time_limit_s": max(0.2, float(time_limit_s)),
        "region": region_path or problem.options.region,
    })
    return Problem(technicians=techs, jobs=jobs, options=options, costs=problem.costs, now=problem.now,
                   freeze_until=problem.freeze_until, promised_starts=problem.promised_starts)


def slice_matrix(full: TravelMatrix, full_points: PointIndex, sub: Problem) -> tuple[TravelMatrix, PointIndex]:
    """The rows and columns of ``full`` for the points of ``sub`` (the caller built a full matrix)."""
    points = problem_points(sub)
    idx = np.array([full_points.index_of(p) for p in points.points], dtype=np.int64)
    block = np.ix_(idx, idx)
    snap = None if full.snap_distances_m is None else np.asarray(full.snap_distances_m)[idx]
    return TravelMatrix(full.durations_s[block], full.distances_m[block], full.source, snap, [], 0.0), points


def run_task(task: Task) -> TaskResult:
    """Run one task (see :class:`Task`); errors come back in ``TaskResult.error``."""
    t0 = time.perf_counter()
    result = TaskResult(task.key, pid=os.getpid())
    try:
        matrix, points = task.matrix, task.points
        if matrix is None or points is None:
            matrix, points = build_problem_matrix(task.problem)
        result.matrix_points = matrix.size
        if task.kind == "solve":
            from optimizer.solve import solve

            result.solution = solve(task.problem, matrix, points, task.initial_routes)
            solution = result.solution
        else:
            assert task.solution is not None
            solution = task.solution
            from optimizer.decompose.merge import plan_objective

            result.objective = plan_objective(task.problem, solution, matrix, points)
        from optimizer.validate import validate

        violations = validate(task.problem, solution, matrix, points)
        result.violations = len(violations)
        if violations:
            result.error = f"{len(violations)} rule violation(s) in its plan, first: {violations[0].message}"
    except Exception as exc:  # reported as a failed territory, never lost
        result.error = f"{type(exc).__name__}: {exc}"
        result.solution = None
        if os.environ.get("DISPATCH_DEBUG"):
            result.error += "\n" + traceback.format_exc()
    result.wall_time_s = round(time.perf_counter() - t0, 3)
    return result
