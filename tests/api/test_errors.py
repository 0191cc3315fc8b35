"""Bad input, limits, unknown routes and auth, through the real server: JSON envelopes with the
JSON path of the bad field, never a traceback."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.api.conftest import small_problem
from tests.api.server import ApiServer


def _assert_envelope(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status and body["error"]["code"] == code
    assert "Traceback" not in response.text
    return body["error"]


def test_validation_error_names_the_json_path(client):
    problem = small_problem()
    problem["jobs"][2]["duration_min"] = -5
    problem["technicians"][1]["shift"]["end"] = problem["technicians"][1]["shift"]["start"].replace("T08", "T06")
    error = _assert_envelope(client.post("/v1/optimize", json=problem), 422, "validation_error")
    paths = {d["path"]: d["message"] for d in error["details"]}
    assert "$.jobs[2].duration_min" in paths
    assert paths["$.jobs[2].duration_min"].startswith("$.jobs[2].duration_min: Input should be greater than or equal to 0")
    assert "$.technicians[1].shift" in paths and "end is before start" in paths["$.technicians[1].shift"]


def test_cross_reference_and_json_syntax_errors(client):
    problem = small_problem()
    problem["jobs"][0]["pinned_technician"] = "nobody"
    error = _assert_envelope(client.post("/v1/optimize", json=problem), 422, "validation_error")
    assert error["details"][0]["path"] == "$.jobs[0].pinned_technician"
    assert "unknown technician 'nobody'" in error["details"][0]["message"]
    broken = client.post("/v1/optimize", content=b'{"technicians": [', headers={"content-type": "application/json"})
    error = _assert_envelope(broken, 422, "validation_error")
    assert error["details"][0]["type"] == "json_invalid"


def test_limits_name_the_limit(client, server):
    problem = small_problem(n_jobs=3)
    problem["jobs"] = [dict(problem["jobs"][0], id=f"k{i}") for i in range(201)]
    error = _assert_envelope(client.post("/v1/optimize", json=problem), 422, "limit_exceeded")
    assert error["details"][0]["path"] == "$.jobs" and "DISPATCH_MAX_JOBS" in error["message"] and "200" in error["message"]

    problem = small_problem(n_jobs=2)
    problem["options"]["time_limit_s"] = 120
    error = _assert_envelope(client.post("/v1/optimizations", json=problem), 422, "limit_exceeded")
    assert error["details"][0]["path"] == "$.options.time_limit_s" and "DISPATCH_MAX_TIME_LIMIT_S" in error["message"]

    big = json.dumps({"technicians": [], "jobs": [], "padding": "x" * 2_100_000})
    error = _assert_envelope(client.post("/v1/optimize", content=big, headers={"content-type": "application/json"}), 413, "body_too_large")
    assert "DISPATCH_MAX_BODY_BYTES" in error["message"]

    def chunks():  # no Content-Length: the streaming check must catch it
        for _ in range(30):
            yield b"x" * 100_000

    error = _assert_envelope(client.post("/v1/optimize", content=chunks(), headers={"content-type": "application/json"}), 413, "body_too_large")

    error = _assert_envelope(client.post("/v1/matrix", json={"locations": [{"lat": 60.17, "lon": 24.94}] * 301}), 422, "limit_exceeded")
    assert error["details"][0]["path"] == "$.locations" and "DISPATCH_MAX_LOCATIONS" in error["message"]


def test_unknown_routes_and_methods_are_json(client):
    _assert_envelope(client.get("/v1/nothing-here"), 404, "not_found")
    _assert_envelope(client.get("/v1/optimize"), 405, "method_not_allowed")
    _assert_envelope(client.get("/v1/optimizations/0123456789abcdef"), 404, "not_found")


def test_api_keys(tmp_path):
    srv = ApiServer(tmp_path / "auth.db", how="uvicorn", workers=1, DISPATCH_API_KEYS="k-one, k-two").start()
    try:
        with srv.client() as c:
            assert c.get("/healthz").status_code == 200  # liveness stays open
            error = _assert_envelope(c.get("/v1/version"), 401, "unauthorized")
            assert error["details"][0]["path"] == "header.X-API-Key"
            _assert_envelope(c.get("/v1/version", headers={"X-API-Key": "wrong"}), 401, "unauthorized")
            _assert_envelope(c.post("/v1/optimize", json=small_problem()), 401, "unauthorized")
            _assert_envelope(c.post("/v1/matrix", json={"locations": [{"lat": 60.17, "lon": 24.94}]}), 401, "unauthorized")
            assert c.get("/v1/version", headers={"X-API-Key": "k-two"}).status_code == 200
            ok = c.post("/v1/matrix", json={"locations": [{"lat": 60.17, "lon": 24.94}]}, headers={"X-API-Key": "k-one"})
            assert ok.status_code == 200 and ok.json()["durations_s"] == [[0]]
    finally:
        srv.stop()


def test_region_path_from_a_request_is_refused(tmp_path):
    """A client must not make the server open a file of its choosing (options.region)."""
    from api.errors import ApiError
    from api.limits import check_problem
    from api.settings import Settings
    from tests.factories import job, problem, tech

    p = problem([tech("a")], [job("j")], region="/etc/passwd")
    with pytest.raises(ApiError) as info:
        check_problem(p, Settings.from_env({}))
    assert info.value.status == 422 and "options.region" in str(info.value.message)
    check_problem(p, Settings.from_env({"DISPATCH_ALLOWED_REGIONS": "/etc/passwd"}))  # explicitly allowed
