"""Partition: hand-built geographies whose territories are known in advance."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from optimizer.decompose.partition import neighbour_pairs, partition
from optimizer.models import Options
from tests.factories import job, point, problem, tech


def _territories(p, **settings):
    params = p.options.decomposition_params.model_copy(update=settings)
    return partition(p, params)


def _as_sets(territories):
    return sorted((sorted(t.technician_ids), sorted(t.job_ids)) for t in territories)


def test_regions_far_apart_are_never_mixed_and_a_region_without_technicians_joins_the_nearest():
    # A: the origin; B: 500 km east; C: 700 km east (no technicians: closer to B than to A).
    techs = [tech("A1"), tech("A2", loc=point(2, 0)), tech("B1", loc=point(500, 0))]
    jobs = [job(f"a{i}", loc=point(i, 1)) for i in range(4)] + [job("b0", loc=point(501, 0)), job("b1", loc=point(499, 2))]
    jobs += [job("c0", loc=point(700, 0))]
    ts = _territories(problem(techs, jobs), target_jobs=100)
    assert _as_sets(ts) == [(["A1", "A2"], ["a0", "a1", "a2", "a3"]), (["B1"], ["b0", "b1", "c0"])]
    assert len({t.region for t in ts}) == 2
    assert neighbour_pairs(ts, 2) == []  # different regions are never neighbours


def test_a_large_region_is_clustered_and_technicians_go_to_the_cluster_near_home():
    west = [job(f"w{i}", loc=point(-10 + 0.3 * i, 0.2 * i)) for i in range(6)]
    east = [job(f"e{i}", loc=point(10 - 0.3 * i, 0.2 * i)) for i in range(6)]
    techs = [tech("W1", loc=point(-11, 0)), tech("W2", loc=point(-9, 1)), tech("E1", loc=point(11, 0)), tech("E2", loc=point(9, 1))]
    ts = _territories(problem(techs, west + east), target_jobs=6)
    assert _as_sets(ts) == [(["E1", "E2"], sorted(j["id"] for j in east)), (["W1", "W2"], sorted(j["id"] for j in west))]
    assert neighbour_pairs(ts, 2) == [(0, 1)]


def test_skill_levels_are_covered_and_tied_jobs_follow_their_technician():
    # West jobs need gas level 2; only the east technicians have it: one of them moves west.
    west = [job(f"w{i}", loc=point(-10 + 0.3 * i, 0), skills={"gas": 2}) for i in range(6)]
    east = [job(f"e{i}", loc=point(10 - 0.3 * i, 0)) for i in range(5)]
    east.append(job("pinned", loc=point(-10, 0.5), pinned_technician="W1"))  # lies west, pinned to W1
    techs = [tech("W1", loc=point(-11, 0)), tech("W2", loc=point(-9, 1)),
             tech("E1", {"gas": 2}, loc=point(11, 0)), tech("E2", {"gas": 3}, loc=point(9, 1))]
    p = problem(techs, west + east)
    ts = _territories(p, target_jobs=6)
    west_t = next(t for t in ts if "w0" in t.job_ids)
    assert any(tid in west_t.technician_ids for tid in ("E1", "E2"))
    assert "pinned" in next(t for t in ts if "W1" in t.technician_ids).job_ids
    # every technician and every job exactly once
    assert sorted(tid for t in ts for tid in t.technician_ids) == ["E1", "E2", "W1", "W2"]
    assert sorted(jid for t in ts for jid in t.job_ids) == sorted(j.id for j in p.jobs)


@pytest.mark.parametrize("options, field", [
    ({"decomposition": "sometimes"}, ("decomposition",)),
    ({"decomposition_params": {"target_jobs": 1}}, ("decomposition_params", "target_jobs")),
    ({"decomposition_params": {"border_share": 2}}, ("decomposition_params", "border_share")),
    ({"decomposition_params": {"territories": 3}}, ("decomposition_params", "territories")),
])
def test_bad_settings_name_the_field(options, field):
    with pytest.raises(ValidationError) as err:
        Options.model_validate(options)
    assert [e["loc"] for e in err.value.errors()] == [field]
