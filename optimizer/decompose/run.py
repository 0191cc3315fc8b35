"""The decomposed solve: partition -> territory solves (in parallel) -> border rounds -> merge.

Time: ``options.time_limit_s`` is shared out. The border rounds get ``border_share`` of it (when
there are neighbouring territories and ``border_rounds`` > 0); the territories the rest, less a
few seconds to start workers, each in proportion to its jobs, so that ``workers`` solves running
at once finish together (a territory never gets more than the whole share). Each border round
gets an equal part of what is left before the deadline; a round with less than half a second per
pair is skipped. Territory matrices and the final checks come on top, as matrix building does in
a whole solve.

Memory: each territory (and each border pair) builds the matrix of its own points; nothing over
all points of the problem is built. When the caller passes a full matrix it is sliced instead.
"""

from __future__ import annotations

import math
import time
from typing import Callable, Optional

from optimizer.decompose.border import BorderState, border_round, pick_pairs
from optimizer.decompose.merge import merge_parts
from optimizer.decompose.parallel import open_backend
from optimizer.decompose.partition import Territory, neighbour_pairs, partition
from optimizer.decompose.territory import Task, TaskResult, slice_matrix, sub_problem
from optimizer.geo.matrix import PointIndex, TravelMatrix
from optimizer.models import DecompositionInfo, Problem, Solution, SolverInfo, TerritoryInfo

__all__ = ["wants_decomposition", "solve_decomposed"]

Progress = Optional[Callable[[str], None]]

WORKER_START_S = 3.0
"""Kept back from the territories' share for starting worker processes and loading kernels, s."""

PAIR_OVERHEAD_S = 1.0
"""Kept back per border pair solve for its matrix, repair and validation, s."""

CHECK_SHARE = 0.03
"""Share of time_limit_s kept back for the final check of every territory's plan."""

WHOLE_OBJECTIVE_MAX_POINTS = 6000
"""``solver.objective`` is the merged plan's objective under the whole problem (one matrix over
all points: two int64 matrices of about 290 MB each at 6,000 points) up to this many points, or
when the caller gave the full matrix; above it, the sum of the territories' objectives (named so
in ``decomposition.objective_scope``)."""


def wants_decomposition(problem: Problem) -> bool:
    """``options.decomposition`` is on, or auto with at least ``auto_min_jobs`` jobs and no
    crews or dependencies (territories would split them; ``on`` with them is refused by the
    Problem)."""
    mode = problem.options.decomposition
    if problem.multi_shift:
        return False  # territories are not built for several shifts per technician (Problem refuses "on")
    if mode == "auto" and any(j.crew or j.after for j in problem.jobs):
        return False
    return mode == "on" or (mode == "auto" and len(problem.jobs) >= problem.options.decomposition_params.auto_min_jobs)


def solve_decomposed(
    problem: Problem,
    matrix: Optional[TravelMatrix] = None,
    points: Optional[PointIndex] = None,
    initial_routes: Optional[dict[str, list[str]]] = None,
    progress: Progress = None,
    backend_name: Optional[str] = None,
) -> Solution:
    """Solve ``problem`` by territories (module docstring); same contract as
    :func:`optimizer.solve.solve`, with ``solver.decomposition`` filled in. ``progress`` receives
    one line per finished territory and border pair. Raises
    :class:`~optimizer.decompose.parallel.ParallelBackendError` when the parallel backend cannot be used."""
    t0 = time.perf_counter()
    settings = problem.options.decomposition_params
    territories = partition(problem, settings)
    if initial_routes:
        _seed_ownership(territories, initial_routes)
    partition_s = time.perf_counter() - t0
    sizes = {t.id: len(t.job_ids) for t in territories}
    pairs = neighbour_pairs(territories, settings.neighbours) if settings.border_rounds else []
    limit = problem.options.time_limit_s
    border_s = limit * settings.border_share if pairs else 0.0
    with_jobs = [t for t in territories if t.job_ids]

    def make_task(key: str, sub: Problem, seed: Optional[dict], kind: str = "solve", solution: Optional[Solution] = None) -> Task:
        sub_m, sub_p = slice_matrix(matrix, points, sub) if matrix is not None and points is not None else (None, None)
        return Task(key, kind, sub, seed, solution, sub_m, sub_p)

    with open_backend(settings.workers, len(with_jobs), backend_name) as backend:
        workers = backend.workers
        deadline = t0 + limit
        territory_s = max(0.5, limit - border_s - partition_s - (0 if backend.name == "off" else WORKER_START_S))
        total_jobs = max(1, sum(len(t.job_ids) for t in with_jobs))
        limits = {t.id: min(territory_s, territory_s * workers * len(t.job_ids) / total_jobs) for t in with_jobs}
        tasks = []
        for t in sorted(with_jobs, key=lambda t: -len(t.job_ids)):  # longest first keeps the workers busy
            seed = {tid: initial_routes[tid] for tid in t.technician_ids if tid in initial_routes} if initial_routes else None
            tasks.append(make_task(f"territory {t.id}", sub_problem(problem, t.technician_ids, t.job_ids, limits[t.id], t.region_path), seed))
        results = backend.map(tasks, _reporter(progress, len(tasks), territories))
        by_key = {r.key: r for r in results}
        first = {t.id: by_key[f"territory {t.id}"] for t in with_jobs}
        state = BorderState(territories, {t.id: _ok(first[t.id]) for t in with_jobs})
        first_plan_s = time.perf_counter() - t0
        tb = time.perf_counter()
        rounds_left = settings.border_rounds if pairs else 0
        while rounds_left > 0:
            chosen = pick_pairs(pairs, state)
            if not chosen:
                break
            round_s = (deadline - time.perf_counter() - CHECK_SHARE * limit) / rounds_left
            per_pair = round_s / math.ceil(len(chosen) / workers) - PAIR_OVERHEAD_S
            if per_pair < 0.5:
                if problem.options.max_iterations is None:
                    break
                per_pair = 0.5  # an iteration-bounded (deterministic) run does every round
            border_round(problem, state, chosen, per_pair, backend, make_task, _reporter(progress, len(chosen), None))
            rounds_left -= 1
        border_time = time.perf_counter() - tb
        finals = [make_task(f"check {t.id}", sub_problem(problem, t.technician_ids, t.job_ids, 1.0, t.region_path), None,
                            "evaluate", state.parts[t.id]) for t in with_jobs if state.parts.get(t.id) is not None]
        checks = {r.key: r for r in backend.map(finals)}
        backend_label = backend.name
    return _assemble(problem, territories, state, first, checks, t0, (matrix, points), DecompositionInfo(
        backend=backend_label, workers=workers, regions=len({t.region for t in territories}),
        partition_time_s=round(partition_s, 3), first_plan_s=round(first_plan_s, 3), border_pairs=state.pairs_solved,
        border_jobs_moved=state.jobs_moved, border_time_s=round(border_time, 3),
        territories=[_territory_info(t, sizes[t.id], first.get(t.id), limits.get(t.id, 0.0)) for t in territories]))


def _ok(result: TaskResult) -> Optional[Solution]:
    return None if result.error else result.solution


def _seed_ownership(territories: list[Territory], initial_routes: dict[str, list[str]]) -> None:
    """Jobs in a seeded route move to the territory of that route's technician."""
    owner = {tid: t for t in territories for tid in t.technician_ids}
    known = {jid for t in territories for jid in t.job_ids}
    wanted = {jid: owner[tid] for tid, jobs in initial_routes.items() if tid in owner for jid in jobs if jid in known}
    for t in territories:
        t.job_ids = [jid for jid in t.job_ids if wanted.get(jid, t) is t]
    for jid, t in wanted.items():
        if jid not in t.job_ids:
            t.job_ids.append(jid)


def _reporter(progress: Progress, total: int, territories: Optional[list[Territory]]):
    if progress is None:
        return None
    done = [0]

    def report(result: TaskResult) -> None:
        done[0] += 1
        served = sum(len(r.stops) for r in result.solution.routes) if result.solution else 0
        status = "ok" if not result.error else f"FAILED: {result.error[:120]}"
        progress(f"{result.key} ({done[0]}/{total}): {served} jobs routed, {result.matrix_points} points, "
                 f"{result.wall_time_s:.1f} s, {status}")

    return report


def _territory_info(t: Territory, jobs: int, result: Optional[TaskResult], limit_s: float) -> TerritoryInfo:
    routed = sum(len(r.stops) for r in result.solution.routes) if result and result.solution else 0
    return TerritoryInfo(
        id=t.id, region=t.region, technicians=len(t.technician_ids), jobs=jobs, jobs_assigned=routed,
        points=result.matrix_points if result else 0, time_limit_s=round(limit_s, 3),
        wall_time_s=result.wall_time_s if result else 0.0, attempts=result.attempts if result else 0,
        status="idle" if result is None else ("ok" if not result.error else "failed"))


def whole_objective(problem: Problem, solution: Solution, matrix: Optional[TravelMatrix] = None,
                    points: Optional[PointIndex] = None) -> Optional[float]:
    """The merged plan's objective under the whole problem (see :data:`WHOLE_OBJECTIVE_MAX_POINTS`),
    or None when it would need a matrix over more points, or cannot be computed (several road
    regions: no single matrix covers them)."""
    from optimizer.decompose.merge import plan_objective
    from optimizer.geo.matrix import problem_points

    if (matrix is None or points is None) and len(problem_points(problem).points) > WHOLE_OBJECTIVE_MAX_POINTS:
        return None
    try:
        return plan_objective(problem, solution, matrix, points)
    except Exception:  # noqa: BLE001 - e.g. points in several road regions; the sum is reported instead
        return None


def _assemble(problem, territories, state: BorderState, first: dict, checks: dict, t0: float,
              full: tuple[Optional[TravelMatrix], Optional[PointIndex]], info: DecompositionInfo) -> Solution:
    from optimizer.kpis import compute_kpis

    parts: list[tuple[list[str], list[str], Optional[Solution], Optional[str]]] = []
    for t in territories:
        if not t.job_ids:
            parts.append((t.technician_ids, [], Solution(), None))
            continue
        part = state.parts.get(t.id)
        check = checks.get(f"check {t.id}")
        error = first[t.id].error if part is None else (check.error if check is not None else "not checked")
        parts.append((t.technician_ids, t.job_ids, part if error is None else None, error))
    solution = merge_parts(problem, parts)
    solution.warnings.extend(state.warnings)
    objective = sum(c.objective for c in checks.values() if c.objective is not None and not c.error)
    first_objective = sum(r.solution.solver.objective for r in first.values() if r.solution and r.solution.solver and not r.error)
    info.border_objective_gain = round(first_objective - objective, 3) if info.border_pairs else 0.0
    info.territories_objective = round(objective, 3)
    whole = whole_objective(problem, solution, *full)
    if whole is not None:
        objective, info.objective_scope = whole, "whole_problem"
    solved = [r.solution.solver for r in first.values() if r.solution and r.solution.solver]
    solution.kpis = compute_kpis(problem, solution)
    solution.solver = SolverInfo(
        engine=problem.options.engine,
        wall_time_s=round(time.perf_counter() - t0, 3),
        objective=round(objective, 3),
        status="decomposed" if all(not r.error for r in first.values()) else "decomposed_with_failures",
        matrix_source=solved[0].matrix_source if solved else None,
        matrix_time_s=round(sum(s.matrix_time_s or 0.0 for s in solved), 3),
        iterations=sum(s.iterations or 0 for s in solved),
        search_time_s=round(sum(s.search_time_s or 0.0 for s in solved), 3),
        compile_time_s=round(max((s.compile_time_s or 0.0 for s in solved), default=0.0), 3),
        decomposition=info,
    )
    return solution
