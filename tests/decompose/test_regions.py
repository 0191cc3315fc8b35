"""Two cities in one problem on road matrices: each territory is planned on its own city's
OpenStreetMap extract (decomposition_params.regions); no matrix spans both."""

from __future__ import annotations

import pytest

from optimizer.geo.matrix import build_problem_matrix
from optimizer.geo.region import load_region
from optimizer.solve import solve
from optimizer.validate import validate
from tests.decompose.test_decomposed_solve import _every_job_once
from tests.factories import job, problem, tech

pytestmark = pytest.mark.shared


@pytest.fixture(autouse=True)
def _in_process(monkeypatch):
    monkeypatch.setenv("DISPATCH_PARALLEL", "off")


def _on_road(path, k):
    reg = load_region(path)
    i = (k * 7919) % reg.n_nodes  # spread over the network, reproducible
    return {"lat": float(reg.lat[i]), "lon": float(reg.lon[i])}


def test_each_city_is_planned_on_its_own_extract(shared_dir):
    heidelberg, portland = str(shared_dir / "regions" / "heidelberg.osm.pbf"), str(shared_dir / "regions" / "portland.osm.pbf")
    techs = [tech("H1", loc=_on_road(heidelberg, 1)), tech("P1", loc=_on_road(portland, 1))]
    jobs = [job(f"h{k}", loc=_on_road(heidelberg, 10 + k)) for k in range(3)] + \
           [job(f"p{k}", loc=_on_road(portland, 10 + k)) for k in range(3)]
    p = problem(techs, jobs, time_limit_s=5, max_iterations=20, matrix="road", decomposition="on",
                decomposition_params={"regions": [heidelberg, portland]})
    s = solve(p)
    info = s.solver.decomposition
    assert info.regions == 2 and [t.status for t in info.territories] == ["ok", "ok"]
    assert s.solver.matrix_source == "road"
    assert _every_job_once(p, s)
    assert {st.job_id[0] for st in s.route_of("H1").stops} <= {"h"}
    assert {st.job_id[0] for st in s.route_of("P1").stops} <= {"p"}
    # The independent validator, city by city, on that city's own road matrix.
    for tid, prefix, region in (("H1", "h", heidelberg), ("P1", "p", portland)):
        sub = p.model_copy(update={
            "technicians": [t for t in p.technicians if t.id == tid], "jobs": [j for j in p.jobs if j.id[0] == prefix],
            "options": p.options.model_copy(update={"region": region, "decomposition": "off"})})
        part = s.model_copy(update={"routes": [s.route_of(tid)], "unassigned": [u for u in s.unassigned if u.job_id[0] == prefix]})
        tm, pts = build_problem_matrix(sub)
        assert validate(sub, part, tm, pts) == []
    with pytest.raises(Exception, match="outside the road region"):
        build_problem_matrix(p.model_copy(update={"options": p.options.model_copy(update={"region": heidelberg})}))
