"""Synchronous and asynchronous optimization through the real server (real OR-Tools solves)."""

from __future__ import annotations

import time

from optimizer.models import Problem, Solution
from tests.api.conftest import SYNC_TIME_LIMIT_S, small_problem, wait_for


def _check_solution(problem_json: dict, solution_json: dict) -> Solution:
    solution = Solution.model_validate(solution_json)
    problem = Problem.model_validate(problem_json)
    routed = [s.job_id for r in solution.routes for s in r.stops]
    unassigned = [u.job_id for u in solution.unassigned]
    assert sorted(routed + unassigned) == sorted(j.id for j in problem.jobs)  # each job exactly once
    return solution


def test_optimize_sync(client):
    problem = small_problem(n_jobs=6, time_limit_s=1.0)
    t0 = time.perf_counter()
    response = client.post("/v1/optimize", json=problem)
    elapsed = time.perf_counter() - t0
    assert response.status_code == 200, response.text
    solution = _check_solution(problem, response.json())
    assert [u.job_id for u in solution.unassigned] == ["jx"]  # infeasible input is not an error
    assert "plumbing" in solution.unassigned[0].reason
    assert solution.kpis.jobs_assigned == 6 and solution.solver.engine == "native"
    assert elapsed < 30


def test_sync_time_limit_is_capped(client):
    problem = small_problem(n_jobs=3, time_limit_s=30.0)
    t0 = time.perf_counter()
    response = client.post("/v1/optimize", json=problem)
    assert response.status_code == 200, response.text
    assert time.perf_counter() - t0 < 15  # far below the 30 s asked for
    assert any(f"capped at {SYNC_TIME_LIMIT_S:g} s" in w for w in response.json()["warnings"])


def test_async_submit_poll_result(client):
    problem = small_problem(n_jobs=8, time_limit_s=2.0)
    created = client.post("/v1/optimizations", json=problem)
    assert created.status_code == 202, created.text
    job_id = created.json()["id"]
    assert created.json()["status"] == "queued"
    seen = {client.get(f"/v1/optimizations/{job_id}").json()["status"]}
    done = wait_for(client, job_id)
    seen.add(done["status"])
    assert done["status"] == "succeeded", done
    assert done["progress"] == 1.0 and done["error"] is None
    assert done["started_at"] <= done["finished_at"]
    _check_solution(problem, done["solution"])
    assert seen <= {"queued", "running", "succeeded"}


def test_cancel_running_and_queued(client, server):
    long = small_problem(n_jobs=8, time_limit_s=30.0)
    ids = [client.post("/v1/optimizations", json=long).json()["id"] for _ in range(3)]  # 2 workers: one waits
    running = wait_for(client, ids[0], statuses=("running",), timeout_s=10)
    assert 0 <= running["progress"] < 1
    statuses = {i: client.get(f"/v1/optimizations/{i}").json()["status"] for i in ids}
    assert "queued" in statuses.values(), statuses
    t0 = time.perf_counter()
    for job_id in ids:
        response = client.delete(f"/v1/optimizations/{job_id}")
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "cancelled"
    for job_id in ids:
        body = client.get(f"/v1/optimizations/{job_id}").json()
        assert body["status"] == "cancelled" and body["solution"] is None and "cancelled" in body["error"]
    assert client.delete(f"/v1/optimizations/{ids[0]}").status_code == 200  # idempotent
    # The killed workers are replaced: a new solve finishes long before the 30 s limit would.
    quick = client.post("/v1/optimizations", json=small_problem(n_jobs=3, time_limit_s=1.0)).json()["id"]
    assert wait_for(client, quick, timeout_s=20)["status"] == "succeeded"
    assert time.perf_counter() - t0 < 20
    assert client.get("/healthz").json()["workers_ready"] == 2
    conflict = client.delete(f"/v1/optimizations/{quick}")
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "conflict"
