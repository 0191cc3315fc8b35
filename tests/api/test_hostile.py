"""Hostile and careless input through the real server: unknown references in plans, numeric
extremes, NaN/Infinity. Each is a 4xx envelope naming the field, never a 5xx or a traceback,
and the keep-alive connection survives."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import small_problem


def _post_raw(client, path: str, body: dict, *replacements: tuple[str, str]):
    text = json.dumps(body)
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return client.post(path, content=text.encode(), headers={"content-type": "application/json"})


def _error(response, status: int = 422) -> dict:
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text
    return response.json()["error"]


def _plan(client) -> dict:
    response = client.post("/v1/optimize", json=small_problem(n_jobs=4))
    assert response.status_code == 200, response.text
    return response.json()


def test_recommendation_plan_naming_an_unknown_job_is_422(client):
    problem = small_problem(n_jobs=4)
    plan = _plan(client)
    route = next(i for i, r in enumerate(plan["routes"]) if r["stops"])
    plan["routes"][route]["stops"][0]["job_id"] = "ghost"
    response = client.post("/v1/recommendations", json={"problem": problem, "plan": plan, "job_ids": ["jx"]})
    error = _error(response)
    assert error["details"][0]["path"] == f"$.plan.routes[{route}].stops[0].job_id"
    assert "unknown job 'ghost'" in error["message"]
    assert client.get("/healthz").status_code == 200  # same keep-alive connection still works


def test_replan_previous_plan_naming_unknown_ids_is_422(client):
    problem = small_problem(n_jobs=4)
    plan = _plan(client)
    plan["routes"][0]["technician_id"] = "T99"
    route = next(i for i, r in enumerate(plan["routes"]) if r["stops"] and i != 0) if any(r["stops"] for r in plan["routes"][1:]) else None
    if route is not None:
        plan["routes"][route]["stops"][0]["job_id"] = "J404"
    error = _error(client.post("/v1/replan", json={"problem": problem, "previous": plan, "events": []}))
    paths = {d["path"] for d in error["details"]}
    assert "$.previous.routes[0].technician_id" in paths
    if route is not None:
        assert f"$.previous.routes[{route}].stops[0].job_id" in paths


def _set(problem: dict, path: tuple, value) -> dict:
    target = problem
    for key in path[:-1]:
        target = target.setdefault(key, {}) if isinstance(key, str) else target[key]
    target[path[-1]] = value
    return problem


@pytest.mark.parametrize("where, literal, path", [
    (("options", "weights", "travel_time_per_s"), "NaN", "$.options.weights.travel_time_per_s"),
    (("options", "weights", "sla_lateness_per_min", "urgent"), "Infinity", "$.options.weights.sla_lateness_per_min.urgent"),
    (("options", "speed_factor"), "-Infinity", "$.options.speed_factor"),
    (("technicians", 0, "start_location", "lat"), "NaN", "$.technicians[0].start_location.lat"),
    (("jobs", 1, "duration_min"), "NaN", "$.jobs[1].duration_min"),
])
def test_nan_and_infinity_are_refused_naming_the_field(client, where, literal, path):
    problem = _set(small_problem(n_jobs=2), where, "__NUMBER__")
    error = _error(_post_raw(client, "/v1/optimize", problem, ('"__NUMBER__"', literal)))
    detail = next(d for d in error["details"] if d["path"] == path)
    assert "finite number" in detail["message"], detail


def test_nan_stability_in_replan_options(client):
    body = {"problem": small_problem(n_jobs=2), "previous": {"routes": [], "unassigned": []}, "events": [], "options": {"stability": 1}}
    error = _error(_post_raw(client, "/v1/replan", body, ('"stability": 1', '"stability": NaN')))
    assert error["details"][0]["path"] == "$.options.stability" and "finite number" in error["message"]


def _explicit(value) -> dict:
    problem = small_problem(n_jobs=2, infeasible=False)
    problem["options"]["matrix"] = "explicit"
    n = 4
    problem["options"]["explicit_matrix"] = {"durations_s": [[0 if i == j else value for j in range(n)] for i in range(n)]}
    for k, tech in enumerate(problem["technicians"]):
        tech["start_location"] = {"index": k}
    for k, job in enumerate(problem["jobs"]):
        job["location"] = {"index": k + 2}
    return problem


@pytest.mark.parametrize("mutate, path, needle", [
    (lambda p: p["options"].update(weights={"travel_time_per_s": 1e300}), "$.options.weights.travel_time_per_s", "less than or equal to 1000000"),
    (lambda p: p["options"].update(weights={"unassigned_penalty": {"low": 1e300}}), "$.options.weights", "unassigned_penalty.low must be at most"),
    (lambda p: p["technicians"][0].update(parts={"fuse": 2**63}), "$.technicians[0].parts", "fuse: must be at most 1000000000"),
    (lambda p: p["jobs"][0].update(parts={"fuse": 2**63}), "$.jobs[0].parts", "fuse: must be at most 1000000000"),
    (lambda p: p["technicians"][0].update(max_jobs=10**30), "$.technicians[0].max_jobs", "must be at most 9007199254740991"),
])
def test_numeric_extremes_are_422(client, mutate, path, needle):
    problem = small_problem(n_jobs=3)
    mutate(problem)
    error = _error(client.post("/v1/optimize", json=problem))
    detail = next(d for d in error["details"] if d["path"] == path)
    assert needle in detail["message"], detail


@pytest.mark.parametrize("value", [9e16, 1e300])
def test_explicit_matrix_entries_are_bounded(client, value):
    error = _error(client.post("/v1/optimize", json=_explicit(value)))
    assert error["details"][0]["path"] == "$.options.explicit_matrix"
    assert "must be between 0 and 1e+07" in error["message"]


def test_explicit_matrix_at_its_maximum_still_solves(client):
    response = client.post("/v1/optimize", json=_explicit(1e7))
    assert response.status_code == 200, response.text
    solution = response.json()
    assert all(r["travel_time_s"] >= 0 for r in solution["routes"])


def test_weights_at_their_maxima_still_solve(client):
    problem = small_problem(n_jobs=4)
    prios = ("urgent", "high", "normal", "low")
    problem["options"]["weights"] = {
        "travel_time_per_s": 1e6, "distance_per_km": 1e6, "workload_balance_per_s": 1e6,
        "non_preferred_technician": 1e8, "technician_fixed_cost": 1e8,
        "sla_lateness_per_min": {p: 1e6 for p in prios}, "unassigned_penalty": {p: 1000 for p in prios},
    }
    problem["technicians"][0]["parts"] = {"fuse": 10**9}
    problem["jobs"][0]["parts"] = {"fuse": 10**9}
    problem["technicians"][1]["max_jobs"] = 2**53 - 1
    response = client.post("/v1/optimize", json=problem)
    assert response.status_code == 200, response.text
    assert response.json()["kpis"]["jobs_total"] == 5


def test_matrix_outside_region_does_not_leak_server_paths(client):
    response = client.post("/v1/matrix", json={"locations": [{"lat": 60.17, "lon": 24.94}, {"lat": 48.85, "lon": 2.35}], "source": "road"})
    error = _error(response)
    assert "outside the road region" in error["message"]
    assert "/" not in error["message"].split("region", 1)[1].split("(")[0], error["message"]
    assert "site-packages" not in response.text and "/home" not in response.text and "/work" not in response.text


def test_unknown_engine_is_refused_at_submission(client):
    problem = small_problem(n_jobs=2)
    problem["options"]["engine"] = "warp-drive"
    for path in ("/v1/optimizations", "/v1/optimize"):
        error = _error(client.post(path, json=problem))
        assert error["details"][0]["path"] == "$.options.engine" and "warp-drive" in error["message"]
