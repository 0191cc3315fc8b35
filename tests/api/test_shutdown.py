"""No accepted job is lost when the server stops, and no worker outlives its server.

Through real server processes: ``SIGTERM`` (to the whole process group, as ``systemctl stop``
or Ctrl-C in a terminal do) keeps queued jobs queued, lets a running solve that fits in the
grace period finish and puts one that does not back in the queue; after a restart every
accepted job succeeds with a solution the independent validator accepts. ``kill -9`` of the
server alone leaves no orphan worker solving on.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

from optimizer.models import Problem, Solution
from optimizer.validate import validate
from tests.api.conftest import small_problem, wait_for
from tests.api.server import ApiServer


def _children(pid: int) -> list[int]:
    """Pids whose parent is ``pid`` (Linux /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _statuses(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT id, status FROM jobs").fetchall())


def test_sigterm_keeps_accepted_jobs_and_they_finish_after_restart(tmp_path):
    db = tmp_path / "jobs.db"
    # The short job stops at an iteration limit (well under a second of search), so that it ends
    # within the grace period whatever the machine's load; the long one searches 12 s.
    short = small_problem(n_jobs=5, time_limit_s=1.5)
    short["options"]["max_iterations"] = 300
    grace_s = 6
    problems = {
        "short": short,                                       # running; finishes within the grace period
        "long": small_problem(n_jobs=6, time_limit_s=12.0),   # running; outlasts the grace period
        "queued1": small_problem(n_jobs=4, time_limit_s=1.0),
        "queued2": small_problem(n_jobs=3, time_limit_s=1.0),
    }
    srv = ApiServer(db, how="cli", workers=2, DISPATCH_SHUTDOWN_GRACE_S=grace_s, DISPATCH_MAX_TIME_LIMIT_S=60).start()
    try:
        with srv.client() as c:
            ids = {}
            for name in ("short", "long", "queued1", "queued2"):
                r = c.post("/v1/optimizations", json=problems[name])
                assert r.status_code == 202, r.text
                ids[name] = r.json()["id"]
            wait_for(c, ids["short"], statuses=("running",), timeout_s=20)
            wait_for(c, ids["long"], statuses=("running",), timeout_s=20)
            assert c.get(f"/v1/optimizations/{ids['queued1']}").json()["status"] == "queued"
        t0 = time.monotonic()
        srv.stop(signal.SIGTERM, timeout_s=30)
        stop_s = time.monotonic() - t0
    finally:
        srv.stop(signal.SIGKILL)
    print(f"\nSIGTERM to exit: {stop_s:.1f} s")
    assert stop_s < grace_s + 8  # grace period + worker stop, not the long solve's 12 s

    after_stop = _statuses(db)
    assert after_stop[ids["short"]] == "succeeded"  # finished within the grace period
    assert after_stop[ids["long"]] == "queued"  # stopped after the grace period, queued again
    assert after_stop[ids["queued1"]] == after_stop[ids["queued2"]] == "queued"
    assert "cancelled" not in after_stop.values()

    srv = ApiServer(db, how="cli", workers=2, DISPATCH_MAX_TIME_LIMIT_S=60).start()
    try:
        with srv.client() as c:
            for name, job_id in ids.items():
                body = wait_for(c, job_id, timeout_s=60)
                assert body["status"] == "succeeded", (name, body)
                problem = Problem.model_validate(problems[name])
                solution = Solution.model_validate(body["solution"])
                assert validate(problem, solution) == [], name
                assert solution.kpis.jobs_total == len(problem.jobs)
    finally:
        srv.stop()


def test_workers_die_with_the_server_on_kill_9(tmp_path):
    db = tmp_path / "jobs.db"
    srv = ApiServer(db, how="cli", workers=2, DISPATCH_MAX_TIME_LIMIT_S=60).start()
    server_pid = srv.proc.pid
    try:
        with srv.client() as c:
            job_id = c.post("/v1/optimizations", json=small_problem(n_jobs=6, time_limit_s=30.0)).json()["id"]
            wait_for(c, job_id, statuses=("running",), timeout_s=20)
        workers = _children(server_pid)
        assert len(workers) >= 2, workers
        os.kill(server_pid, signal.SIGKILL)  # the server only, not its process group
        srv.proc.wait(10)
        t0 = time.monotonic()
        while any(_alive(p) for p in workers) and time.monotonic() - t0 < 10:
            time.sleep(0.05)
        orphan_s = time.monotonic() - t0
        left = [p for p in workers if _alive(p)]
    finally:
        srv.stop(signal.SIGKILL)
    print(f"\nworkers gone {orphan_s:.2f} s after kill -9 of the server")
    assert not left, f"orphan workers still running: {left}"
    assert orphan_s < 2.0
    # The crash left the job running in the file; the next start runs it again.
    assert _statuses(db)[job_id] == "running"


def test_sigterm_with_synchronous_requests_in_flight(tmp_path):
    """The running synchronous solve is answered (it fits in the grace period); the one waiting
    in the queue gets 503 with Retry-After at once instead of holding the shutdown up."""
    from concurrent.futures import ThreadPoolExecutor

    srv = ApiServer(tmp_path / "jobs.db", how="cli", workers=1, DISPATCH_SHUTDOWN_GRACE_S=8,
                    DISPATCH_SYNC_TIME_LIMIT_S=30, DISPATCH_MAX_TIME_LIMIT_S=60).start()
    try:
        with ThreadPoolExecutor(2) as ex, srv.client() as c:
            running = ex.submit(lambda: srv.client().post("/v1/optimize", json=small_problem(n_jobs=5, time_limit_s=3.0)))
            while c.get("/healthz").json()["workers_busy"] == 0:
                time.sleep(0.05)
            waiting = ex.submit(lambda: srv.client().post("/v1/optimize", json=small_problem(n_jobs=4, time_limit_s=1.0)))
            while c.get("/healthz").json()["queued"] == 0:
                time.sleep(0.05)
            t0 = time.monotonic()
            os.killpg(srv.proc.pid, signal.SIGTERM)
            refused = waiting.result(timeout=30)
            refused_s = time.monotonic() - t0
            answered = running.result(timeout=30)
            srv.proc.wait(30)
            exit_s = time.monotonic() - t0
    finally:
        srv.stop(signal.SIGKILL)
    print(f"\nqueued sync request answered {refused.status_code} after {refused_s:.2f} s; server exited after {exit_s:.1f} s")
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "5", refused.text
    assert refused_s < 2.0
    assert answered.status_code == 200, answered.text
    assert answered.json()["kpis"]["jobs_total"] == 6
    assert exit_s < 8 + 5


def test_sigterm_answers_a_synchronous_solve_longer_than_the_grace_period_with_503(tmp_path):
    """A synchronous solve still running when the grace period ends is stopped and answered 503
    with Retry-After (the pool stops it while the HTTP server still waits), never a bare 500."""
    from concurrent.futures import ThreadPoolExecutor

    srv = ApiServer(tmp_path / "jobs.db", how="cli", workers=1, DISPATCH_SHUTDOWN_GRACE_S=2,
                    DISPATCH_SYNC_TIME_LIMIT_S=30, DISPATCH_MAX_TIME_LIMIT_S=60).start()
    try:
        with ThreadPoolExecutor(1) as ex, srv.client() as c:
            running = ex.submit(lambda: srv.client().post("/v1/optimize", json=small_problem(n_jobs=5, time_limit_s=20.0)))
            while c.get("/healthz").json()["workers_busy"] == 0:
                time.sleep(0.05)
            t0 = time.monotonic()
            os.killpg(srv.proc.pid, signal.SIGTERM)
            answered = running.result(timeout=30)
            answered_s = time.monotonic() - t0
            srv.proc.wait(30)
    finally:
        srv.stop(signal.SIGKILL)
    assert answered.status_code == 503, answered.text
    assert answered.headers["Retry-After"] == "5"
    assert "shutting down" in answered.text
    assert 1.5 < answered_s < 2 + 3 + 2
