"""Solving the base and every variant of a scenario, in parallel (a local process pool, or Ray
tasks with DISPATCH_PARALLEL=ray or DISPATCH_RAY_ADDRESS: see optimizer/decompose/parallel.py).

Each run is a full :func:`optimizer.solve.solve` of its own Problem in a worker process (a
``spawn`` process pool, so OR-Tools never runs in a forked copy of a threaded parent). With
``workers=1`` the runs happen one after another in this process (no start-up cost). Problems and
Solutions cross the process boundary as JSON text.

Invariant: ``ScenarioResult.runs`` holds one entry per problem, in scenario order (base first),
whatever order the workers finish in.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Callable, Optional

from optimizer.decompose.parallel import RayBackend, backend_name
from optimizer.models import Kpis, Problem, Solution
from optimizer.scenarios.apply import scenario_problems
from optimizer.scenarios.model import BASE_NAME, Scenario


@dataclass
class RunResult:
    """One solved problem of a scenario. ``wall_time_s`` is the solve alone, in its worker."""

    name: str
    problem: Problem
    solution: Solution
    wall_time_s: float

    @property
    def kpis(self) -> Kpis:
        assert self.solution.kpis is not None
        return self.solution.kpis


@dataclass
class ScenarioResult:
    name: str
    runs: list[RunResult]
    workers: int
    wall_time_s: float = 0.0
    descriptions: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> RunResult:
        return self.runs[0]

    def run(self, name: str) -> RunResult:
        for r in self.runs:
            if r.name == name:
                return r
        raise KeyError(name)


def default_workers() -> int:
    """``$DISPATCH_WHATIF_WORKERS`` if set, else the number of CPUs."""
    env = os.environ.get("DISPATCH_WHATIF_WORKERS")
    if env:
        return max(1, int(env))
    return max(1, os.cpu_count() or 1)


def solve_json(problem_json: str) -> tuple[str, float]:
    """Worker entry: Problem JSON -> (Solution JSON, solve wall time in seconds)."""
    from optimizer.kpis import compute_kpis
    from optimizer.solve import solve

    problem = Problem.model_validate_json(problem_json)
    t0 = time.perf_counter()
    solution = solve(problem)
    if solution.kpis is None:
        solution.kpis = compute_kpis(problem, solution)
    return solution.model_dump_json(), time.perf_counter() - t0


def run_problems(
    problems: dict[str, Problem],
    workers: Optional[int] = None,
    progress: bool = False,
    on_done: Optional[Callable[[str], None]] = None,
) -> list[RunResult]:
    """Solve every problem (name -> Problem); results in the input order."""
    workers = max(1, min(workers or default_workers(), len(problems)))
    bar = _progress_bar(len(problems)) if progress else None
    results: dict[str, RunResult] = {}

    def done(name: str, solution_json: str, wall: float) -> None:
        results[name] = RunResult(name, problems[name], Solution.model_validate_json(solution_json), round(wall, 3))
        if bar is not None:
            bar.set_postfix_str(name[:30])
            bar.update(1)
        if on_done is not None:
            on_done(name)

    try:
        if backend_name() == "ray":  # DISPATCH_PARALLEL=ray or DISPATCH_RAY_ADDRESS: variants as Ray tasks
            names = list(problems)
            with RayBackend(os.environ.get("DISPATCH_RAY_ADDRESS"), 0) as ray_backend:
                ray_backend.call_all(solve_json, [(problems[n].model_dump_json(),) for n in names],
                                     lambda i, out: done(names[i], *out))  # type: ignore[misc]
        elif workers == 1:
            for name, problem in problems.items():
                done(name, *solve_json(problem.model_dump_json()))
        else:
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                futures = {pool.submit(solve_json, p.model_dump_json()): name for name, p in problems.items()}
                for fut in as_completed(futures):
                    done(futures[fut], *fut.result())
    finally:
        if bar is not None:
            bar.close()
    return [results[name] for name in problems]


def run_scenario(scenario: Scenario, workers: Optional[int] = None, progress: bool = False) -> ScenarioResult:
    """Apply every variant's changes and solve the base and the variants (see module docstring)."""
    t0 = time.perf_counter()
    problems = scenario_problems(scenario)
    workers = max(1, min(workers or default_workers(), len(problems)))
    runs = run_problems(problems, workers, progress)
    measure_readiness(runs)
    descriptions = {v.name: v.description or _describe(v) for v in scenario.variants}
    descriptions[BASE_NAME] = "the base problem, unchanged"
    return ScenarioResult(scenario.name, runs, workers, round(time.perf_counter() - t0, 3), descriptions)


def measure_readiness(runs: list[RunResult]) -> None:
    """Re-measure each variant's first-visit readiness against the base's job requirements (a
    variant may have relaxed them); the base run comes first."""
    from optimizer.kpis import readiness

    base = runs[0].problem
    for run in runs[1:]:
        kpis = run.solution.kpis
        if kpis is None:
            continue
        to_plan = {j.id: j for j in run.problem.jobs if j.status.value != "completed"}
        measured = readiness(run.problem, run.solution, to_plan, base)
        run.solution.kpis = kpis.model_copy(update=measured)


def _describe(variant) -> str:
    return "; ".join(c.type for c in variant.changes) or "no changes"


def _progress_bar(total: int):
    from tqdm import tqdm

    return tqdm(total=total, desc="solving", unit="run", dynamic_ncols=True)
