"""The native engine through the public pipeline (``optimizer.solve.solve`` with
``options.engine = "native"``): every answer valid, deterministic for a seed and an iteration
limit, everything servable served when capacity is ample, the iteration limit reported, a
starting plan never made worse, the time limit honoured with compile time reported apart.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import optimizer.solvers.native.warmup as warmup
from optimizer.solve import objective, repair, solve
from optimizer.solvers.budget import Budget
from optimizer.solvers.native.engine import NativeEngine
from optimizer.validate import validate
from tests import explicit as x
from tests.oracle import Oracle
from tests.solvers.native.problems import build, medium, problems

ITERATIONS = 200
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, print_blob=True, suppress_health_check=list(HealthCheck))


def routes(solution) -> dict[str, list[str]]:
    return {r.technician_id: [s.job_id for s in r.stops] for r in solution.routes}


def tolerance(p, solution) -> float:
    """How far the pipeline's objective may be from the oracle's: the cost model rounds each
    arc's distance cost down to a whole cost unit (0.01), the oracle does not; the drop base
    holds twice the largest arc twice over (< 0.04), times the priority multiplier (<= 8)."""
    if not p.options.weights.distance_per_km:
        return 0.011
    arcs = sum(len(r.stops) + 1 for r in solution.routes if r.stops)
    return 0.011 + 0.01 * arcs + 0.33 * len(solution.unassigned)


def assert_valid_and_complete(p, solution):
    violations = validate(p, solution)
    assert violations == [], "\n".join(f"{v.rule}: {v.message}" for v in violations) + "\n" + p.model_dump_json(exclude_none=True)
    placed = [s.job_id for r in solution.routes for s in r.stops] + [u.job_id for u in solution.unassigned]
    assert sorted(placed) == sorted(j.id for j in p.jobs)
    assert all(u.reason.strip() for u in solution.unassigned)


@SETTINGS
@given(problems(max_iterations=ITERATIONS, max_jobs=9))
def test_every_answer_is_valid_on_random_problems_with_every_rule(p):
    solution = solve(p)
    assert solution.solver.engine == "native"
    assert_valid_and_complete(p, solution)
    # the objective, recomputed by the independent oracle from the plan
    assert solution.solver.objective == pytest.approx(Oracle.of(p).solution_cost(solution), abs=tolerance(p, solution))
    if solution.solver.status != "trivial":
        assert solution.solver.iterations == ITERATIONS  # the limit, reported


def test_same_seed_and_iterations_give_the_same_plan_other_seeds_may_differ():
    plans = {}
    for seed in (0, 0, 1, 2, 3):
        p = medium(7, n_jobs=30, seed=seed, max_iterations=150)
        solution = solve(p)
        assert_valid_and_complete(p, solution)
        assert solution.solver.iterations == 150
        plan = [(r.technician_id, [(s.job_id, s.start) for s in r.stops]) for r in solution.routes]
        if seed in plans:
            assert plan == plans[seed], "same seed and iteration limit, different plans"
        plans[seed] = plan
    # the engine's own routes (before the shared repair step): the seed does drive the search
    b = build(medium(7, n_jobs=30))
    found = {
        str(NativeEngine().solve(b.cp, b.costs, Budget.of(10, 40), seed).routes) for seed in (0, 1, 2, 3)
    }
    again = NativeEngine().solve(b.cp, b.costs, Budget.of(10, 40), 2).routes
    assert str(again) in found
    assert len(found) > 1, "four seeds gave the same routes: is the seed used?"


@st.composite
def ample_problems(draw):
    """Three technicians with long shifts, lunch breaks and plenty of stock; up to seven short
    jobs with wide windows and travel of at most 16 min; some jobs nobody can serve (a skill
    nobody has, a window outside every shift, a part nobody carries)."""
    n_jobs = draw(st.integers(1, 7))
    xy = [(draw(st.integers(0, 4)), draw(st.integers(0, 4))) for _ in range(n_jobs + 3)]
    durations = [[120 * (abs(a[0] - b[0]) + abs(a[1] - b[1])) for b in xy] for a in xy]
    lunch = [x.brk(12, 13.5, 30)]
    techs = [
        x.tech("t0", 0, 8, 18, skills={"a": 2, "b": 1}, breaks=lunch, parts={"p": 10}),
        x.tech("t1", 1, 8, 18, skills=draw(st.sampled_from([{"a": 1}, {"b": 1}, {"c": 1}])), breaks=lunch + [x.brk(15, 16, 15)], parts={"p": 10}),
        x.tech("t2", 2, 9, 17, skills={"c": 1}, parts={"p": 10}, max_jobs=draw(st.sampled_from([3, 10]))),
    ]
    jobs = []
    for j in range(n_jobs):
        extra = {"priority": draw(st.sampled_from(["urgent", "high", "normal", "low"]))}
        kind = draw(st.sampled_from(["plain", "plain", "window", "two_windows", "level", "no_one", "outside", "pinned", "part"]))
        skills = draw(st.sampled_from([{}, {"a": 1}, {"b": 1}, {"c": 1}]))
        if kind == "window":
            h = draw(st.sampled_from([8, 9, 10, 13]))
            extra["time_windows"] = [x.window(h, h + 4)]
        elif kind == "two_windows":
            extra["time_windows"] = [x.window(8, 8.5), x.window(14, 17)]
        elif kind == "level":
            skills = {"a": 2}  # only t0
        elif kind == "no_one":
            skills = {"z": 1}
        elif kind == "outside":
            extra["time_windows"] = [x.window(19, 20)]
        elif kind == "pinned":
            extra["pinned_technician"] = draw(st.sampled_from(["t1", "t2"]))
        elif kind == "part":
            extra["parts"] = {draw(st.sampled_from(["p", "r"])): 2}
        if draw(st.booleans()):
            extra["sla_deadline"] = x.at(draw(st.sampled_from([9, 10, 12])))
        if draw(st.booleans()):
            extra["preferred_technicians"] = [draw(st.sampled_from(["t0", "t1", "t2"]))]
        jobs.append(x.job(f"j{j}", j + 3, draw(st.sampled_from([10, 20, 30])), skills=skills, **extra))
    return x.problem(durations, techs, jobs, engine="native", time_limit_s=5, max_iterations=100,
                     weights={"technician_fixed_cost": draw(st.sampled_from([0.0, 300.0]))})


@SETTINGS
@given(ample_problems())
def test_everything_servable_is_served_when_capacity_is_ample(p):
    oracle = Oracle.of(p)
    servable = {j.id for j in oracle.jobs if oracle.servable(j)}
    # the engine's own routes, before the shared repair step inserts anything
    b = build(p)
    result = NativeEngine().solve(b.cp, b.costs, Budget.of(10, 100), 0)
    assert {b.cp.jobs[i].id for route in result.routes for i in route} == servable, p.model_dump_json(exclude_none=True)
    solution = solve(p)
    assert_valid_and_complete(p, solution)
    assert set(solution.assignment()) == servable


def _random_start(b, seed: int) -> list[list[int]]:
    """A feasible plan (job indices of ``cp.jobs`` per technician) built greedily in a random
    order: a job goes to the end of a random allowed route when the route stays feasible."""
    import random

    from optimizer.solvers.schedule import Infeasible

    rng = random.Random(seed)
    plan: list[list[int]] = [[] for _ in range(b.m)]
    order = list(range(b.n))
    rng.shuffle(order)
    for e in order:
        t = rng.randrange(b.m)
        route = plan[t] + [e]
        if b.statically_ok(t, route) and not isinstance(b.schedule(t, route), Infeasible):
            plan[t] = route
    return plan


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_starting_plan_is_never_made_worse(seed):
    p = medium(seed, n_jobs=30)
    b = build(p)
    # a good plan (a longer search) and a random greedy one, each handed to a short search
    good = NativeEngine().solve(b.cp, b.costs, Budget.of(10, 600), seed).routes
    engine_of = {int(ci): e for e, ci in enumerate(b.job_index)}
    for start in ([[engine_of[i] for i in r] for r in good], _random_start(b, seed)):
        start_cost = b.plan_objective(start)
        initial = [[int(b.job_index[e]) for e in r] for r in start]
        for iterations in (0, 5, 50):
            result = NativeEngine().solve(b.cp, b.costs, Budget.of(10, iterations), seed + 1, initial)
            got = [[engine_of[i] for i in r] for r in result.routes]
            assert result.objective == b.plan_objective(got) <= start_cost, (seed, iterations, start)
        # through the pipeline, with the start given by ids
        p.options.max_iterations = 20
        by_id = {b.cp.techs[t].id: [b.cp.jobs[i].id for i in r] for t, r in enumerate(initial)}
        solution = solve(p, initial_routes=by_id)
        assert_valid_and_complete(p, solution)
        from optimizer.solve import build_cost_model, precheck, prepare

        cp = prepare(p)
        rejections = precheck(cp)
        costs = build_cost_model(cp)
        seeded = objective(cp, costs, repair(cp, costs, initial, rejections), rejections)
        assert solution.solver.objective * 100 <= seeded + 1e-6


def test_a_starting_plan_over_van_stock_is_not_kept():
    p = x.problem(x.uniform(3, 600), [x.tech("a", 0, 8, 16, parts={"p": 1}), x.tech("b", 0, 8, 16, parts={"p": 1})],
                  [x.job("j0", 1, 30, parts={"p": 1}), x.job("j1", 2, 30, parts={"p": 1})],
                  engine="native", max_iterations=50, time_limit_s=5)
    b = build(p)
    result = NativeEngine().solve(b.cp, b.costs, Budget.of(10, 50), 0, [[0, 1], []])
    assert all(len(r) <= 1 for r in result.routes), result.routes
    solution = solve(p, initial_routes={"a": ["j0", "j1"]})
    assert validate(p, solution) == []



def test_a_starting_plan_with_a_job_twice_is_not_kept():
    p = x.problem(x.uniform(3, 600), [x.tech("a", 0, 8, 16), x.tech("b", 0, 8, 16)],
                  [x.job("j0", 1, 30), x.job("j1", 2, 30)], engine="native", max_iterations=20, time_limit_s=5)
    b = build(p)
    result = NativeEngine().solve(b.cp, b.costs, Budget.of(10, 0), 0, [[0, 0], []])
    served = [i for r in result.routes for i in r]
    assert sorted(served) == sorted(set(served)), result.routes
    solution = solve(p, initial_routes={"a": ["j0", "j0"]})
    assert validate(p, solution) == []


def test_a_starting_plan_with_a_job_in_two_routes_keeps_the_first():
    """The second route naming j0 is rejected as a whole; j0 stays in the first one (the
    rejected route's jobs must not be taken from the route that holds them) and the engine's
    state stays consistent through the search."""
    p = x.problem(x.uniform(4, 600), [x.tech("a", 0, 8, 16), x.tech("b", 0, 8, 16)],
                  [x.job("j0", 1, 30), x.job("j1", 2, 30), x.job("j2", 3, 30)], engine="native",
                  max_iterations=30, time_limit_s=5)
    b = build(p)
    result = NativeEngine().solve(b.cp, b.costs, Budget.of(10, 30), 0, [[0, 1], [0, 2]])
    served = [i for r in result.routes for i in r]
    assert sorted(served) == [0, 1, 2], result.routes
    solution = solve(p, initial_routes={"a": ["j0", "j1"], "b": ["j0", "j2"]})
    assert validate(p, solution) == [] and solution.kpis.jobs_assigned == 3


def _timed_solve(p):
    t0 = time.perf_counter()
    solution = solve(p)
    return solution, time.perf_counter() - t0


def test_time_limit_is_honoured():
    p = medium(3, n_jobs=60, n_techs=5, time_limit_s=1.0, max_iterations=None)
    solution, wall = _timed_solve(p)
    assert_valid_and_complete(p, solution)
    assert wall < 1.0 + solution.solver.compile_time_s + 0.5
    assert solution.solver.status == "time_limit" and solution.solver.iterations > 0
    assert solution.solver.search_time_s >= 0.75  # ~0.92 s of search budget: the search used it


def test_compile_time_is_reported_and_added_to_the_time_limit(monkeypatch):
    """A first solve in a process pays the kernels' load (here forced again, and then faked as
    a slow 0.6 s compile): it is reported in ``compile_time_s`` and the search still gets its
    whole budget, so the wall time exceeds the limit by about the compile time only."""
    p = medium(4, n_jobs=40, time_limit_s=1.0, max_iterations=None)
    monkeypatch.setattr(warmup, "_READY", False)
    solution, wall = _timed_solve(p)
    assert solution.solver.compile_time_s > 0
    assert wall < 1.0 + solution.solver.compile_time_s + 0.5
    assert solution.solver.search_time_s >= 0.75
    assert warmup._READY

    def slow_compile() -> float:
        time.sleep(0.6)
        return 0.6

    monkeypatch.setattr(warmup, "ensure_compiled", slow_compile)
    solution, wall = _timed_solve(p)
    assert_valid_and_complete(p, solution)
    assert solution.solver.compile_time_s == pytest.approx(0.6)
    assert solution.solver.search_time_s >= 0.75, "the compile time was taken from the search"
    assert 1.0 + 0.6 - 0.2 < wall < 1.0 + 0.6 + 0.5


def _breaks_may_swap(p) -> bool:
    """Some technician has two breaks whose windows let either go first (the oracle then also
    tries the second break first; the engine and the scheduler take breaks in order)."""
    for t in p.technicians:
        for a in t.breaks:
            for b in t.breaks:
                if a is not b and a.earliest_start <= b.earliest_start <= a.latest_start:
                    return True
    return False


@settings(max_examples=30, deadline=None, derandomize=True, print_blob=True, suppress_health_check=list(HealthCheck))
@given(problems(max_iterations=300, max_jobs=5, max_techs=2))
def test_tiny_problems_reach_the_exhaustive_optimum(p):
    """Breaks are part of the native search (unlike the OR-Tools engine's), so the exhaustive
    optimum of the independent oracle is required on every tiny problem, breaks included, except
    where two breaks of a technician may be taken in either order (see
    test_two_breaks_in_the_other_order below): there the plan must not beat the optimum."""
    solution = solve(p)
    assert_valid_and_complete(p, solution)
    oracle = Oracle.of(p)
    best, best_plan = oracle.optimum()
    ours = oracle.solution_cost(solution)
    slack = 0.011 + (0.33 * (len(p.jobs) + len(p.technicians)) if p.options.weights.distance_per_km else 0)
    detail = f"engine plan {routes(solution)} costs {ours}, optimum {best_plan} {best}"
    assert ours >= best - slack, "the plan beats the exhaustive optimum: the cost models disagree; " + detail
    if not _breaks_may_swap(p):
        assert ours == pytest.approx(best, abs=slack), detail


@pytest.mark.xfail(strict=True, reason="engine (and Python scheduler) limitation: breaks are taken in the listed "
                   "order, while the documented semantics (Break docstring, the oracle, the validator) allow any "
                   "order; here the only way to serve j1 is the short break before the lunch break")
def test_two_breaks_in_the_other_order():
    """Shift 7:00-12:00; lunch (10 min) may start 10:00-12:00, a short break (10 min) 10:30-11:00.
    j1 (60 min) can only start at 10:00 or 11:30 (too late: it would end after the shift). So j1
    runs 10:00-11:00, the short break 11:00-11:10, lunch 11:10-11:20: the short break first."""
    p = x.problem(x.uniform(2, 60),
                  [x.tech("t0", 0, 7, 12, breaks=[x.brk(10, 12, 10), x.brk(10.5, 11, 10)])],
                  [x.job("j1", 1, 60, priority="urgent", time_windows=[x.window(10, 10), x.window(11.5, 11.5)])],
                  engine="native", max_iterations=50, time_limit_s=5)
    oracle = Oracle.of(p)
    assert oracle.servable(oracle.jobs[0])
    solution = solve(p)
    assert_valid_and_complete(p, solution)
    assert solution.assignment() == {"j1": "t0"}


def test_restarts_are_deterministic_and_return_the_best_run():
    """With restarts (the default below ``small_below_jobs``) a seed and an iteration limit
    still give one plan, and it is at least as good as the first run alone (one run with that
    run's share of the iterations and the same seed)."""
    b = build(medium(7, n_jobs=30))
    three = [NativeEngine(restarts=3).solve(b.cp, b.costs, Budget.of(30, 90), 5) for _ in range(2)]
    assert three[0].routes == three[1].routes and three[0].objective == three[1].objective
    assert three[0].iterations == 90
    assert "best of 3 independent runs" in three[0].notes[-1]
    first = NativeEngine(restarts=1).solve(b.cp, b.costs, Budget.of(30, 30), 5)
    assert three[0].objective <= first.objective
