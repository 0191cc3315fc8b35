"""POST /v1/replan through a real server on loopback (uvicorn, 1 worker; the app of
tests/replan/replan_app.py includes the router when api/app.py does not yet)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from benchmarks.simulated_day import advance
from optimizer.models import Problem, Solution
from tests import factories as f
from tests.api.server import REPO_ROOT, free_port
from tests.replan.conftest import at


@pytest.fixture(scope="module")
def replan_client(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("replan-api")
    port = free_port()
    env = {**os.environ, "DISPATCH_DB": str(tmp / "jobs.db"), "DISPATCH_WORKERS": "1", "DISPATCH_MAX_QUEUE": "4",
           "DISPATCH_SYNC_TIME_LIMIT_S": "1"}
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    log = open(tmp / "server.log", "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "tests.replan.replan_app:create_app", "--port", str(port), "--log-level", "warning"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            assert proc.poll() is None, (tmp / "server.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "server did not start: " + (tmp / "server.log").read_text()[-3000:]
            try:
                if httpx.get(url + "/healthz", timeout=1).json().get("workers_ready") == 1:
                    break
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.1)
        with httpx.Client(base_url=url, timeout=60) as client:
            yield client
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _body(day, events, **options) -> dict:
    problem, plan = day
    state = advance(problem, plan, at(10), freeze_min=20)
    return {
        "problem": state.model_dump(mode="json", exclude_none=True),
        "previous": plan.model_dump(mode="json", exclude_none=True),
        "events": events,
        "options": {"time_limit_s": 0.5, **options},
    }


def test_replan_over_http(replan_client, day):
    urgent = f.job("u9", loc=f.point(-0.4, 0.2), priority="urgent", sla_deadline=f.at(12))
    reply = replan_client.post("/v1/replan", json=_body(day, [{"type": "new_job", "job": urgent}]))
    assert reply.status_code == 200, reply.text
    body = reply.json()
    solution = Solution.model_validate(body["solution"])
    state = Problem.model_validate(body["problem"])
    assert "u9" in solution.assignment()
    assert any(c["job_id"] == "u9" and c["kind"] == "assigned" and c["cause"] == 0 for c in body["changes"])
    assert {j.id for j in state.jobs} == set(solution.assignment()) | {u.job_id for u in solution.unassigned}


def test_replan_refuses_unknown_ids_and_bad_events(replan_client, day):
    reply = replan_client.post("/v1/replan", json=_body(day, [{"type": "job_cancelled", "job_id": "ghost"}]))
    assert reply.status_code == 422
    error = reply.json()["error"]
    assert error["details"][0]["path"] == "$.events[0].job_id" and "ghost" in error["message"]
    reply = replan_client.post("/v1/replan", json=_body(day, [{"type": "job_overrun", "job_id": "j01", "minutes": 0}]))
    assert reply.status_code == 422
    assert "minutes" in reply.json()["error"]["details"][0]["path"]


def test_replan_over_http_derives_the_state_from_status_events(replan_client):
    from optimizer.validate import validate
    from tests.replan.test_state import t, tiny

    problem, plan = tiny()
    body = {
        "problem": problem.model_copy(update={"now": t(10 + 5 / 60)}).model_dump(mode="json", exclude_none=True),
        "previous": plan.model_dump(mode="json", exclude_none=True),
        "events": [{"type": "job_completed", "job_id": "a1", "at": f.at(9 + 5 / 60)},
                   {"type": "job_started", "job_id": "a3", "at": f.at(9 + 50 / 60)},
                   {"type": "technician_position", "technician_id": "B", "location": f.point(1, 0), "at": f.at(9)}],
        "options": {"time_limit_s": 0.5},
    }
    reply = replan_client.post("/v1/replan", json=body)
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    state = answer["state"]
    assert [(d["job_id"], d["source"]) for d in state["completed"]] == [("a1", "event"), ("a2", "plan"), ("b1", "plan")]
    assert state["in_progress"] == ["a3"] and state["dispatched"] == ["b2"]
    assert [w["code"] for w in state["warnings"]] == ["assumed_completed", "stale_position"]
    assert state["warnings"][0]["job_ids"] == ["b1"]  # a1 has its event; b1 ended 09:30, 35 min before now
    assert not validate(Problem.model_validate(answer["problem"]), Solution.model_validate(answer["solution"]))
    # A status event after now: 422 naming the field.
    body["events"] = [{"type": "job_completed", "job_id": "a1", "at": f.at(11)}]
    reply = replan_client.post("/v1/replan", json=body)
    assert reply.status_code == 422 and reply.json()["error"]["details"][0]["path"] == "$.events[0].at"
