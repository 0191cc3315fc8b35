"""Jobs survive a server restart: finished results are read back from the SQLite file, a job
running when the server was killed runs again (as does a queued one), and a job that keeps
crashing the server is failed with the reason after a few attempts."""

from __future__ import annotations

import signal
import sqlite3

from tests.api.conftest import small_problem, wait_for
from tests.api.server import ApiServer


def test_results_survive_restart(tmp_path):
    db = tmp_path / "restart.db"
    srv = ApiServer(db, how="uvicorn", workers=1, DISPATCH_MAX_TIME_LIMIT_S=60).start()
    try:
        with srv.client() as c:
            done_id = c.post("/v1/optimizations", json=small_problem(n_jobs=5, time_limit_s=1.0)).json()["id"]
            first = wait_for(c, done_id)
            assert first["status"] == "succeeded"
            running_id = c.post("/v1/optimizations", json=small_problem(n_jobs=5, time_limit_s=6.0)).json()["id"]
            queued_id = c.post("/v1/optimizations", json=small_problem(n_jobs=4, time_limit_s=1.0)).json()["id"]
            wait_for(c, running_id, statuses=("running",), timeout_s=10)
            assert c.get(f"/v1/optimizations/{queued_id}").json()["status"] == "queued"
    finally:
        srv.stop(signal.SIGKILL)  # a crash: no graceful shutdown

    rows = dict(sqlite3.connect(db).execute("SELECT id, status FROM jobs").fetchall())
    assert rows == {done_id: "succeeded", running_id: "running", queued_id: "queued"}  # real file, real state

    srv = ApiServer(db, how="cli", workers=1, DISPATCH_MAX_TIME_LIMIT_S=60).start()
    try:
        with srv.client() as c:
            again = c.get(f"/v1/optimizations/{done_id}").json()
            assert again == first  # the finished result, byte for byte the same JSON
            assert wait_for(c, queued_id)["status"] == "succeeded"
            crashed = wait_for(c, running_id, timeout_s=60)
            assert crashed["status"] == "succeeded" and crashed["solution"]["kpis"]["jobs_total"] == 6
    finally:
        srv.stop()


def test_a_job_that_keeps_crashing_the_server_fails_with_the_reason(tmp_path):
    from api.store import MAX_INTERRUPTIONS, JobStore

    store = JobStore(tmp_path / "crash.db")
    record = store.create('{"technicians": [], "jobs": []}', 1.0)
    for attempt in range(MAX_INTERRUPTIONS):
        assert store.mark_running(record.id)
        queued = store.recover()  # a crash while it ran
        if attempt < MAX_INTERRUPTIONS - 1:
            assert queued == [record.id]
    final = store.get(record.id)
    assert final.status == "failed" and "server stopped while this job was running" in final.error
    store.close()
