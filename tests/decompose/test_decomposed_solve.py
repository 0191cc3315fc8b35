"""Decomposed solves end to end (in this process): the merged answer passes the independent
validator on the WHOLE problem, holds every job once, and the border round serves what a
territory alone cannot."""

from __future__ import annotations

import pytest

from optimizer.decompose.merge import FAILED_CODE, merge_parts
from optimizer.models import Solution
from optimizer.solve import solve
from optimizer.validate import validate
from tests.factories import job, point, problem, tech


@pytest.fixture(autouse=True)
def _in_process(monkeypatch):
    monkeypatch.setenv("DISPATCH_PARALLEL", "off")


def _west_east(**params):
    # W works 08:00-10:00 (120 min): 4 jobs of 30 min near home plus driving do not fit, 3 do.
    # E works 08:00-16:00, 20 km east, with 4 jobs of its own: room for W's fourth job.
    techs = [tech("W", start=8, end=10, loc=point(-10, 0)), tech("E", start=8, end=16, loc=point(10, 0))]
    west = [job(f"w{i}", loc=point(-10 + 0.2 * i, 0.1)) for i in range(4)]
    east = [job(f"e{i}", loc=point(10 - 0.2 * i, 0.1)) for i in range(4)]
    params = {"target_jobs": 4, **params}
    return problem(techs, west + east, time_limit_s=5, max_iterations=30, decomposition="on", decomposition_params=params)


def _every_job_once(p, s):
    ids = [st.job_id for r in s.routes for st in r.stops] + [u.job_id for u in s.unassigned]
    return sorted(ids) == sorted(j.id for j in p.jobs)


def test_territories_alone_leave_a_job_the_border_round_serves_it():
    p = _west_east(border_rounds=0)
    alone = solve(p)
    assert validate(p, alone) == []
    assert _every_job_once(p, alone)
    info = alone.solver.decomposition
    assert [(t.technicians, t.jobs) for t in info.territories] == [(1, 4), (1, 4)]
    assert alone.kpis.jobs_assigned == 7  # W serves 3 of its 4
    assert [u.job_id[0] for u in alone.unassigned] == ["w"]

    p = _west_east(border_rounds=1)
    joined = solve(p)
    assert validate(p, joined) == []
    assert _every_job_once(p, joined)
    assert joined.kpis.jobs_assigned == 8
    info = joined.solver.decomposition
    assert info.border_pairs == 1 and info.border_jobs_moved == 1
    assert info.backend == "off" and len(joined.routes) == 2
    east_route = joined.route_of("E")
    assert sum(st.job_id.startswith("w") for st in east_route.stops) == 1


def test_decomposition_off_and_auto_below_the_threshold_solve_whole():
    p = _west_east().model_copy(update={"options": _west_east().options.model_copy(update={"decomposition": "auto"})})
    assert solve(p).solver.decomposition is None


def test_a_failed_territory_returns_its_jobs_unassigned_with_the_reason():
    p = _west_east()
    ok = Solution(routes=[], unassigned=[])
    merged = merge_parts(p, [(["W"], ["w0", "w1", "w2", "w3"], None, "ValueError: boom"),
                             (["E"], ["e0", "e1", "e2", "e3"], ok, None)])
    assert [r.technician_id for r in merged.routes] == ["W", "E"]
    failed = {u.job_id: u for u in merged.unassigned if u.code == FAILED_CODE}
    assert sorted(failed) == ["e0", "e1", "e2", "e3", "w0", "w1", "w2", "w3"]  # E's part named none of its jobs
    assert "boom" in failed["w0"].reason
    assert validate(p, merged) == []


def test_without_coordinates_territories_come_from_the_explicit_matrix():
    # Two groups of 3 jobs, 1 min apart inside a group and 60 min between the groups; one
    # technician at each group (matrix rows 0, 1 = homes; 2-4 group A; 5-7 group B).
    n = 8
    group = [0, 1, 0, 0, 0, 1, 1, 1]
    durations = [[0 if i == j else (60 if group[i] == group[j] else 3600) for j in range(n)] for i in range(n)]
    techs = [tech("A", loc={"index": 0}), tech("B", loc={"index": 1})]
    jobs = [job(f"j{k}", loc={"index": k}) for k in range(2, 8)]
    p = problem(techs, jobs, time_limit_s=5, max_iterations=30, matrix="explicit",
                explicit_matrix={"durations_s": durations}, decomposition="on", decomposition_params={"target_jobs": 3})
    s = solve(p)
    assert validate(p, s) == []
    assert _every_job_once(p, s)
    assert sorted(st.job_id for st in s.route_of("A").stops) == ["j2", "j3", "j4"]
    assert sorted(st.job_id for st in s.route_of("B").stops) == ["j5", "j6", "j7"]
    assert s.kpis.travel_time_s == 2 * (60 + 60 + 60 + 60)  # out, two hops, back, per technician


def test_a_seeded_route_keeps_its_jobs_with_its_technician():
    # Seed: E also does w3 (as after the border round); the seeded plan is never made worse.
    p = _west_east(border_rounds=0)
    seeded = solve(p, initial_routes={"W": ["w0", "w1", "w2"], "E": ["w3", "e0", "e1", "e2", "e3"]})
    assert validate(p, seeded) == []
    assert _every_job_once(p, seeded)
    assert seeded.kpis.jobs_assigned == 8
    assert sorted(t.jobs for t in seeded.solver.decomposition.territories) == [3, 5]  # w3 went to E's territory


def test_solver_objective_is_the_whole_plans_objective_under_the_whole_problem(monkeypatch):
    from optimizer.decompose import run
    from optimizer.decompose.merge import plan_objective

    p = _west_east(border_rounds=0)  # W's fourth job is dropped
    s = solve(p)
    info = s.solver.decomposition
    assert s.kpis.jobs_assigned == 7 and info.objective_scope == "whole_problem"
    assert s.solver.objective == pytest.approx(plan_objective(p, s), abs=1e-3)
    # W's territory prices the dropped job with its own drop base (its own largest arc and
    # horizon): a different number, kept apart under its own name.
    assert info.territories_objective is not None and info.territories_objective != s.solver.objective

    monkeypatch.setattr(run, "WHOLE_OBJECTIVE_MAX_POINTS", 3)  # "too large for one matrix"
    big = solve(p)
    assert big.solver.decomposition.objective_scope == "sum_of_territories"
    assert big.solver.objective == big.solver.decomposition.territories_objective
