"""The native engine's own timing of crews and dependencies (pinned starts) agrees with the plan
timing that follows it: every route it returns is timed across routes without taking a job out,
and the objective it reports is never below the objective of that timed plan (the plan timing
finds the earliest starts; the engine's pins can only be as early or later)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from optimizer.solve import build_cost_model, objective, precheck, prepare, repair
from optimizer.solvers.budget import Budget
from optimizer.solvers.native.engine import NativeEngine
from tests.solvers.test_links_properties import linked_problems


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(linked_problems())
def test_engine_plans_time_without_evictions_and_cost_what_it_says(p):
    cp = prepare(p)
    rejections = precheck(cp)
    costs = build_cost_model(cp)
    result = NativeEngine().solve(cp, costs, Budget.of(5, 200), 0)
    plan = repair(cp, costs, result.routes, rejections)
    assert plan.evicted_jobs == 0, result.routes
    assert objective(cp, costs, plan, rejections) <= result.objective
