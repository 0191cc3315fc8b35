"""Tiny problems with crews and dependencies against an exhaustive oracle with its own
feasibility method (difference constraints and Bellman-Ford, :mod:`tests.links_oracle`): the
oracle accepts the engine's plan, and the engine serves as many visits (a crew job counts once
per member) as the best plan. Travel is not asserted optimal: a crew or dependency group is
re-inserted whole, predecessors first, and on a few of these problems (about 1 in 20 with
seeds 11-14) the search keeps a plan with one more route than the optimum, where reaching it
takes two simultaneous moves that are each neutral (measured, see the report of the branch)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.solve import solve
from optimizer.validate import validate
from tests import explicit as x
from tests.links_oracle import _feasible, best_plan

N = 5  # matrix points: 0, 1 depots, 2..4 sites


@st.composite
def tiny(draw):
    pts = [(draw(st.integers(0, 6)), draw(st.integers(0, 6))) for _ in range(N)]
    matrix = [[600 * (abs(a[0] - b[0]) + abs(a[1] - b[1])) for b in pts] for a in pts]
    techs = []
    for t in range(draw(st.integers(2, 3))):
        start = draw(st.sampled_from([8, 9]))
        techs.append(x.tech(f"T{t}", draw(st.integers(0, 1)), start=start, end=start + draw(st.sampled_from([3, 5])),
                            skills={"e": draw(st.integers(1, 2))} if draw(st.booleans()) else {}))
    jobs = []
    for j in range(draw(st.integers(1, 4))):
        extra: dict = {}
        if draw(st.booleans()):
            h = draw(st.sampled_from([8, 9, 10, 11]))
            extra["time_windows"] = [x.window(h, h + draw(st.sampled_from([0, 0.5, 2])))]
        if draw(st.integers(0, 2)) == 0:
            extra["crew"] = [{"skills": {"e": 1} if draw(st.booleans()) else {}} for _ in range(2)]
        elif draw(st.booleans()):
            extra["skills"] = {"e": 1}
        if j > 0 and draw(st.booleans()):
            dep = {"job": f"J{draw(st.integers(0, j - 1))}", "min_delay_min": draw(st.sampled_from([0, 30]))}
            if draw(st.booleans()):
                dep["max_delay_min"] = dep["min_delay_min"] + draw(st.sampled_from([0, 20, 60]))
            extra["after"] = [dep]
        jobs.append(x.job(f"J{j}", draw(st.integers(2, N - 1)), draw(st.sampled_from([20, 45])), **extra))
    return x.problem(matrix, techs, jobs, engine="native", max_iterations=400, time_limit_s=5,
                     weights={"workload_balance_per_s": 0})


@pytest.mark.parametrize("seed", [0])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p=tiny())
def test_engine_matches_the_exhaustive_optimum(p, seed):
    solution = solve(p)
    assert validate(p, solution) == []
    routes = {r.technician_id: [s.job_id for s in r.stops] for r in solution.routes if r.stops}
    assert _feasible(p, routes), "the oracle finds no start times for the engine's plan"
    visits = sum(len(v) for v in routes.values())
    travel = sum(r.travel_time_s for r in solution.routes)
    best = best_plan(p)
    assert visits == best.served_visits, (routes, best.plan)
    assert travel >= best.travel_s or visits < best.served_visits, "the oracle missed a cheaper plan"
