"""Our engine through the public library API: ``optimizer.solve.solve(problem)``."""

from __future__ import annotations

import time

import numpy as np

from benchmarks.vrptw.engines import EngineRun
from benchmarks.vrptw.instance import VrptwInstance
from benchmarks.vrptw.mapping import solution_routes, to_problem


def solve(inst: VrptwInstance, matrix: np.ndarray, time_limit_s: float, seed: int = 0, problem=None,
          engine: str | None = None) -> EngineRun:
    """Solve with ``options.time_limit_s = time_limit_s`` (and ``options.engine = engine`` when
    given); the wall time includes matrix compilation, the pre-check and rendering (everything
    ``solve`` does), not building the Problem."""
    from optimizer.solve import solve as solve_problem

    if problem is None:
        problem = to_problem(inst, time_limit_s, matrix, seed)
    if engine is not None:
        problem = problem.model_copy(update={"options": problem.options.model_copy(update={"engine": engine})})
    t0 = time.perf_counter()
    solution = solve_problem(problem)
    wall = time.perf_counter() - t0
    status = solution.solver.status if solution.solver else "unknown"
    return EngineRun(solution_routes(solution), wall, status, solution=solution)
