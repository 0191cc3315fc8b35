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
