"""options.decomposition over HTTP, through a real server: a decomposed answer with the same
contract (valid, every job once, territories reported) and field errors for bad settings."""

from __future__ import annotations

import json

from optimizer.models import Problem, Solution
from optimizer.validate import validate
from tests.api.server import ApiServer
from tests.decompose.test_decomposed_solve import _every_job_once, _west_east


def _error_paths(response) -> list[str]:
    assert response.status_code == 422, response.text
    assert "Traceback" not in response.text
    return [d["path"] for d in response.json()["error"]["details"]]


def test_decomposed_solve_and_field_errors_over_http(tmp_path):
    srv = ApiServer(tmp_path / "jobs.db", how="cli", workers=1, DISPATCH_PARALLEL="off").start()
    try:
        with srv.client() as c:
            body = json.loads(_west_east(border_rounds=1).model_dump_json())
            r = c.post("/v1/optimize", json=body)
            assert r.status_code == 200, r.text
            problem, solution = Problem.model_validate(body), Solution.model_validate(r.json())
            assert validate(problem, solution) == []
            assert _every_job_once(problem, solution)
            info = solution.solver.decomposition
            assert [t.jobs for t in info.territories] == [4, 4] and info.border_pairs == 1

            bad = json.loads(json.dumps(body))
            bad["options"]["decomposition_params"]["target_jobs"] = 0
            assert _error_paths(c.post("/v1/optimize", json=bad)) == ["$.options.decomposition_params.target_jobs"]
            bad["options"]["decomposition_params"] = {"regions": ["/etc/passwd"]}
            assert _error_paths(c.post("/v1/optimize", json=bad)) == ["$.options.decomposition_params.regions[0]"]
            bad["options"] = {"decomposition": "always"}
            assert _error_paths(c.post("/v1/optimize", json=bad)) == ["$.options.decomposition"]
    finally:
        srv.stop()
