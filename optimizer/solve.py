"""The solve pipeline: Problem -> matrix -> pre-check -> engine -> plan -> Solution.

``solve`` is the library entry point behind the CLI and the HTTP API. It never raises for
infeasible input: jobs that cannot be served come back in ``Solution.unassigned`` with a reason.

The steps are public, so that other flows (re-planning, recommendations) compose them instead of
re-implementing them; the cost model is built once and handed to every step::

    cp = prepare(problem)                        # matrix + integer view
    rejections = precheck(cp)                    # jobs nobody can serve, with reasons
    costs = build_cost_model(cp)                 # the objective's coefficients
    plan = repair(cp, costs, sequences, rejections)   # time, repair, explain
    value = objective(cp, costs, plan, rejections)    # cost units (COST_SCALE per weight unit)
    solution = assemble(cp, costs, plan, candidates_per_job)

Between ``build_cost_model`` and ``repair``, ``solve`` runs the engine named by
``options.engine`` (settings ``options.engine_params``, table in
:mod:`optimizer.solvers.engines`) within a :class:`~optimizer.solvers.budget.Budget`.
"""

from __future__ import annotations

import time
from typing import Optional

from optimizer.geo.matrix import PointIndex, TravelMatrix, build_problem_matrix
from optimizer.i18n import Msg, translate
from optimizer.models import Problem, Solution, SolverInfo, Unassigned
from optimizer.models.job import JobStatus
from optimizer.progress import ProgressCallback, SolveProgress
from optimizer.solvers.budget import Budget
from optimizer.solvers.compiled import CompiledProblem, compile_problem
from optimizer.solvers.costs import COST_SCALE, CostModel, build_cost_model
from optimizer.solvers.engines import get_engine
from optimizer.solvers.objective import plan_cost
from optimizer.solvers.plan import Plan, build_plan
from optimizer.solvers.precheck import Rejection, precheck
from optimizer.solvers.render import rank_candidates, render_route, render_unassigned

__all__ = ["solve", "prepare", "precheck", "build_cost_model", "repair", "objective", "assemble", "Plan", "COST_SCALE"]
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
    progress: Optional[ProgressCallback] = None,
) -> Solution:
    """Solve ``problem`` within ``options.time_limit_s`` and return the full Solution.

    ``progress`` (optional) is called with a :class:`~optimizer.progress.SolveProgress` between
    chunks of the search (engines that search in chunks: native), not on decomposed solves.

    ``initial_routes`` (technician id -> ordered job ids) seeds the search; the answer is never
    worse, under the problem's objective, than that plan after repair (re-planning relies on it).
    With ``options.decomposition`` on (or auto on a large problem) the problem is solved by
    territories (:mod:`optimizer.decompose`), the seed per territory.
    """
    options = problem.options
    if options.decomposition != "off":
        # Large problems (or on request) are solved by territories; see optimizer/decompose.
        from optimizer.decompose import solve_decomposed, wants_decomposition

        if wants_decomposition(problem):
            return solve_decomposed(problem, matrix, points, initial_routes)
    t0 = time.perf_counter()
    engine = get_engine(options.engine, options.engine_params)
    built_here = matrix is None or points is None
    cp = prepare(problem, matrix, points)
    # Only a matrix built by this call took time inside it; a caller's matrix (re-planning, live
    # plans) was built before t0 and must not lengthen the search.
    matrix_time = cp.matrix.build_time_s if built_here else 0.0
    rejections = precheck(cp)
    costs = build_cost_model(cp)
    reserve = options.time_limit_s * (POST_PROCESS_SHARE + EJECTION_SHARE)
    if options.candidates_per_job > 1:
        reserve += CANDIDATE_S_PER_JOB * len(cp.jobs)
    # Building the matrix (a region's graph and cache the first time) is preparing the input, not
    # searching: it is reported as matrix_time_s and not taken from the time limit.
    search_s = options.time_limit_s - reserve - (time.perf_counter() - t0 - matrix_time)
    hook = _progress_hook(progress, t0, options.time_limit_s, options.max_iterations, len(cp.jobs), costs.units_per_weight) \
        if progress is not None else None
    budget = Budget.of(max(0.1, search_s), options.max_iterations, hook)
    initial = _initial_sequences(cp, initial_routes, rejections) if initial_routes is not None else None
    result = engine.solve(cp, costs, budget, options.seed, initial)
    # The ejection step gets what is left of the search budget plus its own small share.
    deadline = time.monotonic() + max(0.1, EJECTION_SHARE * options.time_limit_s)
    plan = repair(cp, costs, result.routes, rejections, deadline)
    value = objective(cp, costs, plan, rejections)
    if initial is not None:
        seeded = repair(cp, costs, initial, rejections, deadline)
        seeded_value = objective(cp, costs, seeded, rejections)
        if seeded_value < value:
            plan, value = seeded, seeded_value
    solution = assemble(cp, costs, plan, options.candidates_per_job)
    from optimizer.kpis import compute_kpis

    solution.kpis = compute_kpis(problem, solution)
    solution.solver = SolverInfo(
        engine=engine.name,
        wall_time_s=round(time.perf_counter() - t0, 3),
        objective=value / costs.units_per_weight,
        status=result.status,
        matrix_source=cp.matrix.source,
        matrix_time_s=round(matrix_time, 3),
        iterations=result.iterations,
        search_time_s=round(max(0.0, result.wall_time_s - result.compile_time_s), 3),
        compile_time_s=round(result.compile_time_s, 3),
    )
    solution.warnings.extend(cp.matrix.warnings)
    solution.warnings.extend(f"{engine.name}: {note}" for note in result.notes)
    if plan.evicted_jobs:
        solution.warnings.append(f"{plan.evicted_jobs} job(s) re-inserted after the engine's routes were re-timed")
    return solution


def _progress_hook(progress: ProgressCallback, t0: float, limit_s: float, max_iterations: Optional[int], jobs_total: int,
                   units_per_weight: float):
    """The engine's ``(iterations, best_cost, served)`` as a :class:`SolveProgress` for ``progress``."""

    def hook(iterations: int, best_cost: float, served: int) -> None:
        progress(SolveProgress(elapsed_s=round(time.perf_counter() - t0, 3), time_limit_s=limit_s, iterations=iterations,
                               max_iterations=max_iterations, jobs_served=served, jobs_total=jobs_total,
                               best_objective=best_cost / units_per_weight))

    return hook


def _initial_sequences(cp: CompiledProblem, routes: dict[str, list[str]], rejections: list[Rejection]) -> list[list[int]]:
    """The seed routes as job indices, without the jobs the pre-check rejected (no technician can
    serve them: they are unassigned with the pre-check's reason, once)."""
    rejected = {r.job_id for r in rejections}
    copies: dict[str, list[int]] = {}
    for j in cp.jobs:
        if j.id not in rejected:
            copies.setdefault(j.id, []).append(j.index)
    # A technician with several shifts: the seed goes to its first route (the repair re-times it).
    first = {t.id: t.index for t in reversed(cp.techs)}
    used: dict[str, int] = {}
    out: list[list[int]] = []
    for t in cp.techs:
        seq = []
        for jid in routes.get(t.id, []) if first[t.id] == t.index else []:
            k = used.get(jid, 0)
            if k < len(copies.get(jid, [])):  # a crew job's k-th route takes its k-th copy
                seq.append(copies[jid][k])
                used[jid] = k + 1
        out.append(seq)
    return out


def repair(
    cp: CompiledProblem,
    costs: CostModel,
    sequences: list[list[int]],
    rejections: list[Rejection],
    deadline: Optional[float] = None,
) -> Plan:
    """The checked plan of job sequences (``sequences[k]``: job indices of technician ``k``).

    Every route is timed by the scheduler (a route it cannot time loses the offending jobs),
    jobs still unserved are inserted at their cheapest feasible place, most important first, and
    every job left out gets a reason. Until ``deadline`` (a ``time.monotonic()`` value, as
    ``Budget.deadline``; None = skip this step) jobs still unserved may displace less important
    ones (ejection chains). Deterministic when it finishes before the deadline."""
    perf_deadline = None if deadline is None else time.perf_counter() + (deadline - time.monotonic())
    return build_plan(cp, costs, sequences, rejections, perf_deadline)


def objective(cp: CompiledProblem, costs: CostModel, plan: Plan, rejections: list[Rejection]) -> int:
    """Objective of ``plan`` in integer cost units (``costs.units_per_weight`` per weight unit:
    ``COST_SCALE`` per second of driving, ``MONEY_SCALE`` per currency unit in cost mode). Jobs rejected by the pre-check cost the same in
    every plan and are not counted."""
    dropped_ids = {r.job_id for r in plan.unassigned} - {r.job_id for r in rejections}
    return plan_cost(cp, costs, [r.schedule for r in plan.routes], [j for j in cp.jobs if j.id in dropped_ids])


def assemble(cp: CompiledProblem, costs: CostModel, plan: Plan, candidates_per_job: int) -> Solution:
    """The public Solution of a plan: routes for every technician, unassigned jobs with reasons
    (completed jobs included), and up to ``candidates_per_job`` ranked technicians per job. KPIs,
    solver info and warnings are left to the caller."""
    language = cp.problem.options.language
    completed = [
        Unassigned(job_id=j.id, reason=translate(Msg("already completed; not planned again"), language), code="completed")
        for j in cp.problem.jobs
        if j.status == JobStatus.completed
    ]
    return Solution(
        routes=[render_route(cp, state) for state in plan.routes],
        unassigned=render_unassigned(plan.unassigned, language) + completed,
        candidates=rank_candidates(cp, costs, plan.routes, candidates_per_job),
    )
