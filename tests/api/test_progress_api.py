"""The async job's ``search`` progress over HTTP (real server, real solve of the demo day)."""

from __future__ import annotations

import time

from optimizer.models import Problem
from optimizer.paths import DATA_DIR


def test_async_job_shows_the_search_progress(client):
    problem = Problem.model_validate_json((DATA_DIR / "demo_problem.json").read_text())
    problem.options.time_limit_s = 2.5
    problem.options.candidates_per_job = 0
    job_id = client.post("/v1/optimizations", json=problem.model_dump(mode="json")).json()["id"]
    search = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body = client.get(f"/v1/optimizations/{job_id}").json()
        if body["status"] == "running" and body.get("search"):
            search = body["search"]
            if search["iterations"] > 0 and search["elapsed_s"] > 1:
                break
        if body["status"] in ("succeeded", "failed", "cancelled"):
            break
        time.sleep(0.2)
    assert search is not None, body
    assert search["time_limit_s"] == 2.5 and search["jobs_total"] == 120 and search["max_iterations"] is None
    assert search["iterations"] > 0 and 0 < search["jobs_served"] <= 120 and search["elapsed_s"] <= 2.5 + 5
    done = client.get(f"/v1/optimizations/{job_id}").json()
    while done["status"] not in ("succeeded", "failed", "cancelled"):
        time.sleep(0.2)
        done = client.get(f"/v1/optimizations/{job_id}").json()
    assert done["status"] == "succeeded" and done["search"] is None
