"""Our pipeline through the public API, with the shared matrix."""

from __future__ import annotations

import time

from benchmarks.fieldservice.engines import FsRun


def solve(problem, cp, time_limit_s: float, seed: int = 0, engine: str | None = None) -> FsRun:
    from optimizer.solve import solve as solve_problem

    update = {"time_limit_s": time_limit_s, "seed": seed}
    if engine is not None:
        update["engine"] = engine
    problem = problem.model_copy(update={"options": problem.options.model_copy(update=update)})
    t0 = time.perf_counter()
    solution = solve_problem(problem, cp.matrix, cp.points)
    return FsRun(solution, time.perf_counter() - t0, solution.solver.status if solution.solver else "unknown")
