"""Two API replicas (two real server processes) on one real PostgreSQL database
(``DISPATCH_DATABASE_URL``): a job accepted by one is read and cancelled through the other; jobs
submitted to both are each solved exactly once, also when a replica restarts and races the other
for the queued ones; an idle replica takes the other's backlog; a replica's restart leaves the
other's running job alone; a replica killed mid-solve loses no accepted job; two event posts on one live plan through the two replicas at
once: one wins, the other gets 409."""

from __future__ import annotations

import signal
import threading
import time

import httpx
import pytest

from api.store import JobStore
from tests import factories as f
from tests.api.conftest import small_problem, wait_for
from tests.api.server import ApiServer
from tests.api.test_plans import SETTINGS, live_problem


def _replica(tmp_path, url: str, name: str, **env: str) -> ApiServer:
    return ApiServer(tmp_path / f"{name}.db", how="cli", workers=1, log_path=tmp_path / f"{name}.log",
                     DISPATCH_DATABASE_URL=url, DISPATCH_REPLICA_ID=name, DISPATCH_RECOMMEND_WORKERS="1",
                     DISPATCH_MAX_QUEUE="32", DISPATCH_MAX_TIME_LIMIT_S="60", DISPATCH_SHUTDOWN_GRACE_S="10", **env)


def quick_problem(n_jobs: int = 4) -> dict:
    problem = small_problem(n_jobs=n_jobs, time_limit_s=5.0)
    problem["options"]["max_iterations"] = 30  # well under a second
    return problem


@pytest.fixture()
def replicas(tmp_path, postgres_url):
    a = _replica(tmp_path, postgres_url, "a").start()
    b = _replica(tmp_path, postgres_url, "b")
    try:
        b.start()
        yield a, b, postgres_url
    finally:
        a.stop()
        b.stop()


def test_jobs_are_shared_and_each_solved_once(replicas):
    a, b, url = replicas
    with a.client() as ca, b.client() as cb:
        first = ca.post("/v1/optimizations", json=quick_problem()).json()["id"]
        seen = cb.get(f"/v1/optimizations/{first}")
        assert seen.status_code == 200 and seen.json()["id"] == first  # accepted by a, read through b

        long = small_problem(n_jobs=5, time_limit_s=30.0)  # no iteration cap: runs until cancelled
        long_id = ca.post("/v1/optimizations", json=long).json()["id"]
        wait_for(cb, long_id, statuses=("running",), timeout_s=20)
        gone = cb.delete(f"/v1/optimizations/{long_id}")  # cancelled through the other replica
        assert gone.status_code == 200 and gone.json()["status"] == "cancelled", gone.text
        assert wait_for(ca, long_id)["status"] == "cancelled"
        assert _idle(a) < 4.0  # a's worker stopped the cancelled solve

        ids = [(ca if i % 2 else cb).post("/v1/optimizations", json=quick_problem(3 + i % 3)).json()["id"] for i in range(20)]
    # Restart b while jobs wait (its running solve finishes within the grace period): its recovery
    # queues every queued job (a's too) in b's pool, so the
    # two replicas race for them; the database lets one claim each.
    b.stop()
    b.start()
    with a.client() as ca, b.client() as cb:
        done = [wait_for(ca if i % 2 else cb, job_id, timeout_s=90) for i, job_id in enumerate(ids)]
    assert [d["status"] for d in done] == ["succeeded"] * 20
    store = JobStore(url, owner="test")
    try:
        assert [store.attempts(job_id) for job_id in ids] == [1] * 20  # each solved exactly once
        owners = {store.owner_of(job_id) for job_id in ids}
        assert owners <= {"a", "b"} and len(owners) == 2, owners  # both replicas did some of the work
        assert store.count_by_status() == {"succeeded": 21, "cancelled": 1}
    finally:
        store.close()


def _idle(server: ApiServer, timeout_s: float = 5.0) -> float:
    """Seconds until the server's workers are all free (AssertionError after ``timeout_s``)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        if httpx.get(server.url + "/healthz", timeout=2).json()["workers_busy"] == 0:
            return time.monotonic() - t0
        time.sleep(0.1)
    raise AssertionError(f"{server.url} still busy after {timeout_s} s")


def test_a_restart_leaves_the_other_replicas_running_job_and_a_crash_loses_nothing(replicas):
    a, b, url = replicas
    long = small_problem(n_jobs=5, time_limit_s=30.0)  # no iteration cap: runs its 30 s
    with a.client() as ca:
        job_id = ca.post("/v1/optimizations", json=long).json()["id"]
        wait_for(ca, job_id, statuses=("running",), timeout_s=20)
    b.stop(signal.SIGKILL)
    b.start()  # b's restart recovery runs now, while a solves
    store = JobStore(url, owner="test")
    try:
        with a.client() as ca, b.client() as cb:
            assert cb.get(f"/v1/optimizations/{job_id}").json()["status"] == "running"
            assert store.owner_of(job_id) == "a" and store.attempts(job_id) == 1
            # a's only worker is busy: jobs it accepts now are taken by b's idle worker.
            backlog = [ca.post("/v1/optimizations", json=quick_problem()).json()["id"] for _ in range(2)]
            assert [wait_for(cb, q, timeout_s=30)["status"] for q in backlog] == ["succeeded"] * 2
            assert [store.owner_of(q) for q in backlog] == ["b", "b"]
        a.stop(signal.SIGKILL)  # a dies mid-solve: the job stays running under a's lease
        a.start()  # a's restart takes back its own job and solves it again (or b did, when a's start outlasted the lease)
        deadline = time.monotonic() + 60
        while store.attempts(job_id) < 2:
            assert time.monotonic() < deadline, "nobody took the job over"
            time.sleep(0.2)
        runner, other = (a, b) if store.owner_of(job_id) == "a" else (b, a)
        with runner.client() as cr, other.client() as co:
            assert store.attempts(job_id) == 2 and cr.get(f"/v1/optimizations/{job_id}").json()["status"] == "running"  # nothing lost
            assert co.delete(f"/v1/optimizations/{job_id}").status_code == 200  # cancelled through the other replica ...
            assert _idle(runner) < 4.0  # ... the runner stops the solve within its 1 s check, not after 30 s
            assert cr.get(f"/v1/optimizations/{job_id}").json()["status"] == "cancelled"
    finally:
        store.close()


def test_concurrent_event_posts_on_one_plan_through_two_replicas(replicas):
    a, b, _ = replicas
    with a.client() as ca, b.client() as cb:
        r = ca.post("/v1/plans", json={"problem": live_problem(), "settings": SETTINGS})
        assert r.status_code == 201, r.text
        plan_id = r.json()["plan_id"]
        assert cb.get(f"/v1/plans/{plan_id}").json()["version"] == 1
        answers: dict[str, httpx.Response] = {}
        start = threading.Barrier(2)

        def post(name: str, client: httpx.Client, event: dict) -> None:
            start.wait()
            answers[name] = client.post(f"/v1/plans/{plan_id}/events", headers={"If-Match": '"1"'},
                                        json={"now": f.at(8.5), "events": [event]})

        threads = [
            threading.Thread(target=post, args=("a", ca, {"id": "sick-t1", "event": {"type": "technician_unavailable", "technician_id": "t1"}})),
            threading.Thread(target=post, args=("b", cb, {"id": "late-t2", "event": {"type": "technician_delayed", "technician_id": "t2", "minutes": 20}})),
        ]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(r.status_code for r in answers.values())
        assert codes == [200, 409], {n: (r.status_code, r.text[:300]) for n, r in answers.items()}
        winner = next(n for n, r in answers.items() if r.status_code == 200)
        loser = answers["b" if winner == "a" else "a"]
        assert loser.headers["etag"] == '"2"' and loser.json()["error"]["code"] == "conflict"
        for c in (ca, cb):  # both replicas read the winner's version
            current = c.get(f"/v1/plans/{plan_id}").json()
            assert current["version"] == 2 and [e["id"] for e in current["events"]] == answers[winner].json()["event_ids"]
        assert time.monotonic() - t0 < 30


def test_a_long_solve_renews_its_lease_and_a_dead_replicas_job_is_taken_over_after_it(tmp_path, postgres_url):
    """A 3 s lease (renewed every second) and a 9 s solve: the idle replica b, which looks for
    expired leases every second, never takes a's live job; once a is killed, b takes it over
    within the lease (plus its look-up period) and solves it."""
    short = {"DISPATCH_LEASE_S": "3", "DISPATCH_ADOPT_EVERY_S": "1"}
    a = _replica(tmp_path, postgres_url, "a", **short).start()
    b = _replica(tmp_path, postgres_url, "b", **short)
    store = JobStore(postgres_url, owner="test")
    try:
        b.start()
        with a.client() as ca:
            job_id = ca.post("/v1/optimizations", json=small_problem(n_jobs=5, time_limit_s=9.0)).json()["id"]
            wait_for(ca, job_id, statuses=("running",), timeout_s=20)
        leases = []
        t0 = time.monotonic()
        while time.monotonic() - t0 < 6.5:  # more than twice the lease: without renewal b would take it
            assert store.owner_of(job_id) == "a" and store.attempts(job_id) == 1
            leases.append(store.lease_until(job_id))
            time.sleep(0.5)
        assert len(set(leases)) >= 4, leases  # renewed about every second
        a.stop(signal.SIGKILL)  # a dies mid-solve: its lease runs out within 3 s
        killed = time.monotonic()
        with b.client() as cb:
            wait_for(cb, job_id, statuses=("running",), timeout_s=2)  # still a's until the lease ran out
            while store.owner_of(job_id) != "b":
                assert time.monotonic() - killed < 15, "b did not take the job over"
                time.sleep(0.2)
            taken = time.monotonic() - killed
            assert taken < 3 + 1 + 4, taken  # lease + look-up period + slack for a loaded machine
            done = wait_for(cb, job_id, timeout_s=40)
        assert done["status"] == "succeeded" and done["solution"]["kpis"]["jobs_assigned"] >= 1
        assert store.attempts(job_id) == 2 and store.owner_of(job_id) == "b"
    finally:
        store.close()
        a.stop()
        b.stop()
