"""The solve pipeline: Problem -> matrix -> pre-check -> engine -> plan -> Solution.

``solve`` is the library entry point behind the CLI and the HTTP API. It never raises for
infeasible input: jobs that cannot be served come back in ``Solution.unassigned`` with a reason.
"""

from __future__ import annotations

import time
from typing import Optional

from optimizer.geo.matrix import PointIndex, TravelMatrix, build_problem_matrix
from optimizer.models import Problem, Solution, SolverInfo, Unassigned
from optimizer.models.job import JobStatus
from optimizer.solvers import ortools_engine  # noqa: F401  (registers the engine)
from optimizer.solvers.base import get_engine
from optimizer.solvers.compiled import CompiledProblem, compile_problem
from optimizer.solvers.costs import COST_SCALE, build_cost_model
from optimizer.solvers.objective import plan_cost
from optimizer.solvers.plan import Plan, build_plan
from optimizer.solvers.precheck import precheck
from optimizer.solvers.render import rank_candidates, render_route, render_unassigned

POST_PROCESS_SHARE = 0.05
"""Share of ``time_limit_s`` kept back from the search for repair and rendering."""

EJECTION_SHARE = 0.03
"""Share of ``time_limit_s`` for serving left-out jobs by displacing less important ones."""

CANDIDATE_S_PER_JOB = 0.004
"""Time kept back per job for ranking candidates (measured about 3 ms/job on 40 x 400)."""


def prepare(problem: Problem, matrix: Optional[TravelMatrix] = None, points: Optional[PointIndex] = None) -> CompiledProblem:
    """Matrix (built when not given) and the integer view of the problem."""
    if matrix is None or points is None:
        matrix, points = build_problem_matrix(problem)
    return compile_problem(problem, matrix, points)


def solve(
    problem: Problem,
    matrix: Optional[TravelMatrix] = None,
    points: Optional[PointIndex] = None,
    initial_routes: Optional[dict[str, list[str]]] = None,
) -> Solution:
    """Solve ``problem`` within ``options.time_limit_s`` and return the full Solution.

    ``initial_routes`` (technician id -> ordered job ids) seeds the search; the answer is never
    worse, under the problem's objective, than that plan after repair (re-planning relies on it).
    """
    t0 = time.perf_counter()
    options = problem.options
    cp = prepare(problem, matrix, points)
    matrix_time = cp.matrix.build_time_s
    rejections = precheck(cp)
    costs = build_cost_model(cp)
    engine = get_engine(options.engine)
    reserve = options.time_limit_s * (POST_PROCESS_SHARE + EJECTION_SHARE)
    if options.candidates_per_job > 1:
        reserve += CANDIDATE_S_PER_JOB * len(cp.jobs)
    budget = options.time_limit_s - reserve - (time.perf_counter() - t0)
    initial = _initial_sequences(cp, initial_routes) if initial_routes is not None else None
    result = engine.solve(cp, max(0.1, budget), options.seed, initial)
    # The ejection step gets what is left of the search budget plus its own small share.
    deadline = time.perf_counter() + max(0.1, EJECTION_SHARE * options.time_limit_s)
    plan = build_plan(cp, costs, result.routes, rejections, deadline)
    if initial is not None:
        seeded = build_plan(cp, costs, initial, rejections, deadline)
        if _cost(cp, costs, seeded, rejections) < _cost(cp, costs, plan, rejections):
            plan = seeded
    solution = assemble(cp, plan, options.candidates_per_job)
    objective = _cost(cp, costs, plan, rejections)
    from optimizer.kpis import compute_kpis

    solution.kpis = compute_kpis(problem, solution)
    solution.solver = SolverInfo(
        engine=engine.name,
        wall_time_s=round(time.perf_counter() - t0, 3),
        objective=objective / COST_SCALE,
        status=result.status,
        matrix_source=cp.matrix.source,
        matrix_time_s=round(matrix_time, 3),
    )
    solution.warnings.extend(cp.matrix.warnings)
    if plan.evicted_jobs:
        solution.warnings.append(f"{plan.evicted_jobs} job(s) re-inserted after the engine's routes were re-timed")
    return solution


def _initial_sequences(cp: CompiledProblem, routes: dict[str, list[str]]) -> list[list[int]]:
    jobs = {j.id: j.index for j in cp.jobs}
    return [[jobs[jid] for jid in routes.get(t.id, []) if jid in jobs] for t in cp.techs]


def _cost(cp: CompiledProblem, costs, plan: Plan, rejections) -> int:
    """Objective of a plan; jobs rejected by the pre-check are a constant, not counted."""
    dropped_ids = {r.job_id for r in plan.unassigned} - {r.job_id for r in rejections}
    return plan_cost(cp, costs, [r.schedule for r in plan.routes], [j for j in cp.jobs if j.id in dropped_ids])


def assemble(cp: CompiledProblem, plan: Plan, candidates_per_job: int) -> Solution:
    """The public Solution of a plan (routes for every technician, unassigned, candidates)."""
    costs = build_cost_model(cp)
    completed = [
        Unassigned(job_id=j.id, reason="already completed; not planned again", code="completed")
        for j in cp.problem.jobs
        if j.status == JobStatus.completed
    ]
    return Solution(
        routes=[render_route(cp, state) for state in plan.routes],
        unassigned=render_unassigned(plan.unassigned) + completed,
        candidates=rank_candidates(cp, costs, plan.routes, candidates_per_job),
    )
