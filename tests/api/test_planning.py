"""POST /v1/scenarios, GET /v1/scenarios/{id}[/report] and GET /v1/optimizations/{id}/report
through a real server process (2 solver workers, SQLite job store) over TCP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from tests import factories as f
from tests.api.server import REPO_ROOT, free_port


@pytest.fixture(scope="module")
def planning_server(tmp_path_factory):
    """``uvicorn --factory tests.api.planning_app:create_app`` on loopback with 2 workers."""
    tmp = tmp_path_factory.mktemp("planning-api")
    port = free_port()
    env = {**os.environ, "DISPATCH_DB": str(tmp / "jobs.db"), "DISPATCH_WORKERS": "2", "DISPATCH_MAX_QUEUE": "4"}
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    log = open(tmp / "server.log", "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "tests.api.planning_app:create_app", "--port", str(port), "--log-level", "warning"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, (tmp / "server.log").read_text()[-3000:]
        try:
            if httpx.get(url + "/healthz", timeout=1).json().get("workers_ready") == 2:
                break
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.1)
    else:
        raise RuntimeError("planning server did not start: " + (tmp / "server.log").read_text()[-3000:])
    with httpx.Client(base_url=url, timeout=60) as client:
        yield client
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)
    log.close()


def base_problem() -> dict:
    techs = [f.tech("a", ["hvac"]), f.tech("b", ["hvac"], loc=f.point(2, 1)), f.tech("c", ["hvac"], loc=f.point(-1, -1))]
    jobs = [f.job(f"j{i}", loc=f.point(i - 3, 0.5), skills=["hvac"], sla_deadline=f.at(10 + i / 2), priority="high") for i in range(7)]
    return f.problem(techs, jobs, time_limit_s=1.0, candidates_per_job=0).model_dump(mode="json", exclude_none=True)


def wait_scenario(client: httpx.Client, scenario_id: str, timeout_s: float = 60) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = client.get(f"/v1/scenarios/{scenario_id}").json()
        if body["status"] in ("succeeded", "failed", "cancelled"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"scenario not finished: {body}")


def test_scenario_runs_as_optimization_jobs_and_reports(planning_server):
    client = planning_server
    body = {
        "name": "api", "base": base_problem(),
        "variants": [
            {"name": "b off sick", "description": "b is ill", "changes": [{"type": "remove_technicians", "ids": ["b"]}]},
            {"name": "SLA halved", "changes": [{"type": "scale_sla", "factor": 0.5}]},
            {"name": "demand +50%", "changes": [{"type": "scale_demand", "factor": 1.5}]},
        ],
    }
    created = client.post("/v1/scenarios", json=body)
    assert created.status_code == 202, created.text
    data = created.json()
    assert [r["name"] for r in data["runs"]] == ["base", "b off sick", "SLA halved", "demand +50%"]
    state = wait_scenario(client, data["id"])
    assert state["status"] == "succeeded" and state["progress"] == 1
    kpis = {r["name"]: r["kpis"] for r in state["runs"]}
    assert kpis["b off sick"]["technicians_total"] == 2 and kpis["demand +50%"]["jobs_total"] == 11
    metrics = {m["key"]: m for m in state["comparison"]["metrics"]}
    assert metrics["jobs_total"]["deltas"] == [None, 0, 0, 4]
    # Each run is an ordinary optimization job with its own report.
    run = state["runs"][1]
    job = client.get(f"/v1/optimizations/{run['optimization_id']}").json()
    assert job["status"] == "succeeded" and job["solution"]["kpis"] == run["kpis"]
    page = client.get(f"/v1/optimizations/{run['optimization_id']}/report")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    data_json = page.text.split('<script id="report-data" type="application/json">')[1].split("</script>")[0]
    assert len(json.loads(data_json)["plans"][0]["routes"]) == 2
    report = client.get(state["report"])
    assert report.status_code == 200 and report.text.count("<script") == 2 and "b is ill" in report.text


def test_scenario_errors(planning_server):
    client = planning_server
    bad = client.post("/v1/scenarios", json={"base": base_problem(), "variants": [{"name": "x", "changes": [{"type": "remove_technicians", "ids": ["zz"]}]}]})
    assert bad.status_code == 422 and "unknown technician" in bad.json()["error"]["message"]
    invalid = client.post("/v1/scenarios", json={"base": base_problem(), "variants": [{"name": "x", "changes": [{"type": "speed_factor", "factor": -1}]}]})
    assert invalid.status_code == 422
    assert any("factor" in d["path"] for d in invalid.json()["error"]["details"])
    assert client.get("/v1/scenarios/nope").status_code == 404
    assert client.get("/v1/scenarios/nope/report").status_code == 404
    assert client.get("/v1/optimizations/nope/report").status_code == 404


def test_report_of_unfinished_job_is_409(planning_server):
    client = planning_server
    problem = base_problem()
    problem["options"]["time_limit_s"] = 3
    job_id = client.post("/v1/optimizations", json=problem).json()["id"]
    early = client.get(f"/v1/optimizations/{job_id}/report")
    assert early.status_code == 409 and early.json()["error"]["code"] == "conflict"


def test_cancel_a_scenario(planning_server):
    client = planning_server
    base = base_problem()
    base["options"]["time_limit_s"] = 20
    created = client.post("/v1/scenarios", json={"base": base, "variants": [
        {"name": "v1", "changes": [{"type": "speed_factor", "factor": 1.1}]},
        {"name": "v2", "changes": [{"type": "speed_factor", "factor": 1.2}]},
    ]}).json()
    state = client.delete(f"/v1/scenarios/{created['id']}").json()
    assert state["status"] == "cancelled" and state["progress"] == 1
    assert [r["status"] for r in state["runs"]] == ["cancelled"] * 3
    assert client.get(f"/v1/scenarios/{created['id']}/report").status_code == 409


def test_relaxed_what_if_readiness_and_costs_over_http(planning_server):
    """Only a has hvac level 2; the variant relaxes the skills of j1 and j2, which b (next door,
    level 1) may then serve: the run's readiness is measured against the base's rules."""
    client = planning_server
    techs = [f.tech("a", {"hvac": 2}, loc=f.point(-4, 0), cost_per_hour=60), f.tech("b", {"hvac": 1}, loc=f.point(1, 1))]
    jobs = [f.job(f"j{i}", loc=f.point(1, 1 + 0.1 * i), skills={"hvac": 2}, reported_at=f.at(6)) for i in range(3)]
    base = f.problem(techs, jobs, time_limit_s=1.0, max_iterations=50, candidates_per_job=0).model_dump(mode="json", exclude_none=True)
    base["costs"] = {"currency": "CNY", "technician_per_hour": 40}
    created = client.post("/v1/scenarios", json={"base": base, "variants": [
        {"name": "anyone", "changes": [{"type": "relax_rules", "ids": ["j1", "j2"], "skills": True}]}]})
    assert created.status_code == 202, created.text
    state = wait_scenario(client, created.json()["id"])
    assert state["status"] == "succeeded"
    base_kpis, variant = (r["kpis"] for r in state["runs"])
    assert base_kpis["first_visit_ready_pct"] == 100.0 and base_kpis["cost"]["currency"] == "CNY"
    assert base_kpis["response_time_by_priority"]["all"]["jobs"] == 3
    not_ready = variant["first_visit_not_ready"]
    assert not_ready and {n["job_id"] for n in not_ready} <= {"j1", "j2"}
    assert all(n["technician_id"] == "b" and n["missing_skills"] == {"hvac": 2} for n in not_ready)
    metrics = {m["key"]: m for m in state["comparison"]["metrics"]}
    assert metrics["first_visit_not_ready"]["values"] == [0, len(not_ready)]
    assert metrics["cost_total"]["values"][0] == base_kpis["cost"]["total"]
