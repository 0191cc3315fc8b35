"""The stores (jobs, live plans, scenarios) against both databases: the embedded SQLite file and
a real PostgreSQL server (tests/postgres.py). Same tests, same expectations, except where the
shared database is meant to differ: restart recovery leaves another live replica's jobs alone."""

from __future__ import annotations

import os
import threading
import time

import pytest

from api.db import Database
from api.plan_store import PlanStore, VersionConflict, read_only_json
from api.scenario_store import ScenarioStore
from api.store import MAX_INTERRUPTIONS, JobStore


@pytest.fixture(params=["sqlite", "postgres"])
def target(request, tmp_path):
    if request.param == "sqlite":
        return tmp_path / "jobs.db"
    return request.getfixturevalue("postgres_url")


def test_job_lifecycle(target):
    store = JobStore(target, owner="a")
    job = store.create('{"p": 1}', 2.5)
    got = store.get(job.id)
    assert got is not None and (got.status, got.time_limit_s, got.started_at) == ("queued", 2.5, None)
    assert store.problem_json(job.id) == '{"p": 1}'
    assert store.mark_running(job.id) and store.owner_of(job.id) == "a" and store.attempts(job.id) == 1
    assert not store.mark_running(job.id)  # claimed once
    assert store.finish(job.id, "succeeded", '{"s": 1}')
    assert not store.finish(job.id, "failed", None, "late")  # terminal stays terminal
    done = store.get(job.id)
    assert done is not None and (done.status, done.solution, done.error) == ("succeeded", '{"s": 1}', None)
    assert store.get("nope") is None and store.problem_json("nope") is None
    with pytest.raises(ValueError):
        store.finish(job.id, "running")
    assert store.count_by_status() == {"succeeded": 1}
    store.close()


def test_a_job_is_claimed_by_exactly_one_of_two_replicas(target):
    """20 jobs, two stores (two replicas) on one database, four threads racing to claim each."""
    a, b = JobStore(target, owner="a"), JobStore(target, owner="b")
    ids = [a.create("{}", 1.0).id if i % 2 else b.create("{}", 1.0).id for i in range(20)]
    wins: dict[str, list[str]] = {i: [] for i in ids}
    lock = threading.Lock()

    def claim(store: JobStore) -> None:
        for job_id in ids:
            if store.mark_running(job_id):
                with lock:
                    wins[job_id].append(store.owner)

    threads = [threading.Thread(target=claim, args=(s,)) for s in (a, b, a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(len(w) == 1 for w in wins.values()), wins
    assert all(a.owner_of(i) == wins[i][0] and a.attempts(i) == 1 for i in ids)
    a.close()
    b.close()


def test_requeue_and_restart_recovery(target):
    """SQLite (one server per file): a restart re-queues every running job. PostgreSQL (shared):
    only this replica's, and others' whose lease expired; another live replica's stay running."""
    a, b = JobStore(target, owner="a"), JobStore(target, owner="b")
    mine, theirs, queued = a.create("{}", 1.0), b.create("{}", 600.0), a.create("{}", 1.0)
    assert a.mark_running(mine.id) and b.mark_running(theirs.id)
    assert not a.requeue(theirs.id)  # a graceful stop of replica a puts back only its own jobs
    again = a.recover()
    if a.shared:
        assert set(again) == {mine.id, queued.id}
        theirs_now = a.get(theirs.id)
        assert theirs_now is not None and theirs_now.status == "running" and a.owner_of(theirs.id) == "b"
        # Replica b died long ago: its lease ran out, so a's restart takes the job back.
        db = Database(target)
        db.execute("UPDATE jobs SET lease_until = ? WHERE id = ?", ("2000-01-01T00:00:00.000+00:00", theirs.id))
        db.close()
        assert set(a.recover()) == {theirs.id, mine.id, queued.id}
    else:
        assert set(again) == {theirs.id, mine.id, queued.id}
    assert a.count_by_status() == {"queued": 3}
    assert a.mark_running(mine.id) and a.requeue(mine.id)
    a.close()
    b.close()


def test_an_idle_replica_adopts_queued_jobs_and_a_dead_replicas_expired_ones(target):
    a, b = JobStore(target, owner="a"), JobStore(target, owner="b")
    dead, live, mine, q1, q2 = (b.create("{}", t).id for t in (1.0, 600.0, 1.0, 2.0, 3.0))
    assert b.mark_running(dead) and b.mark_running(live) and a.mark_running(mine)
    db = Database(target)
    db.execute("UPDATE jobs SET lease_until = ? WHERE id IN (?, ?)", ("2000-01-01T00:00:00.000+00:00", dead, mine))
    db.close()
    adopted = a.adoptable(10)
    if not a.shared:  # one server per SQLite file: nothing to adopt
        assert adopted == [] and a.count_by_status() == {"running": 3, "queued": 2}
    else:
        assert {i for i, _ in adopted} == {dead, q1, q2} and dict(adopted)[q2] == 3.0
        assert [(j, a.get(j).status) for j in (dead, live, mine)] == [(dead, "queued"), (live, "running"), (mine, "running")]  # type: ignore[union-attr]
        assert len(a.adoptable(1)) == 1 and a.adoptable(0) == []
        assert a.mark_running(dead) and not b.mark_running(dead) and a.attempts(dead) == 2
    a.close()
    b.close()


def test_a_job_that_keeps_crashing_the_server_fails(target):
    store = JobStore(target, owner="a")
    job = store.create("{}", 1.0)
    for _ in range(MAX_INTERRUPTIONS - 1):
        assert store.mark_running(job.id)
        assert store.recover() == [job.id]
    assert store.mark_running(job.id)
    assert store.recover() == []
    failed = store.get(job.id)
    assert failed is not None and failed.status == "failed" and "interrupted" in (failed.error or "")
    store.close()


def _feed(n: int) -> list[tuple[str, str]]:
    return [("version", f'{{"n": {n}}}'), ("risk", "{}")]


def test_plan_versions_events_and_feed(target):
    plans = PlanStore(target)
    plans.create("p1", '{"s": 1}', '{"v": 1}', '{"m": 1}', _feed(1), source_job="j1")
    record = plans.get("p1")
    assert record is not None and (record.version, record.settings, record.source_job) == (1, '{"s": 1}', "j1")
    assert plans.commit("p1", 1, '{"v": 2}', '{"m": 2}', ["e1", "e2"], _feed(2)) == 2
    with pytest.raises(VersionConflict) as stale:
        plans.commit("p1", 1, '{"v": "x"}', "{}", ["e3"], [])
    assert stale.value.current == 2
    with pytest.raises(VersionConflict):  # an event id is applied once, ever
        plans.commit("p1", 2, '{"v": "x"}', "{}", ["e3", "e1"], [])
    assert plans.applied("p1", ["e1", "e2", "e3"]) == {"e1": 2, "e2": 2}  # nothing of the refused commits
    assert plans.version_json("p1", 2) == '{"v": 2}' and plans.version_json("p1", 3) is None
    assert plans.movable_json("p1", 1) == '{"m": 1}'
    assert [(e.seq, e.version, e.kind) for e in plans.feed_after("p1", 1)] == [(2, 1, "risk"), (3, 2, "version"), (4, 2, "risk")]
    assert read_only_json(target if isinstance(target, str) else str(target), "p1", 2, "movable") == '{"m": 2}'
    plans.close()


def test_concurrent_commits_from_two_replicas_one_wins(target):
    """Two stores (two replicas) commit on the same version at once: the database lets one in."""
    a, b = PlanStore(target), PlanStore(target)
    a.create("p", "{}", '{"v": 1}', "{}", [])
    outcome: dict[str, object] = {}
    start = threading.Barrier(2)

    def post(name: str, store: PlanStore) -> None:
        start.wait()
        try:
            outcome[name] = store.commit("p", 1, f'{{"by": "{name}"}}', "{}", [f"ev-{name}"], [("version", name)])
        except VersionConflict as exc:
            outcome[name] = exc

    threads = [threading.Thread(target=post, args=(n, s)) for n, s in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [n for n, o in outcome.items() if o == 2]
    losers = [o for o in outcome.values() if isinstance(o, VersionConflict)]
    assert len(winners) == 1 and len(losers) == 1 and losers[0].current == 2, outcome
    assert b.version_json("p", 2) == f'{{"by": "{winners[0]}"}}' and b.applied("p", ["ev-a", "ev-b"]) == {f"ev-{winners[0]}": 2}
    a.close()
    b.close()


def test_scenarios(target):
    store = ScenarioStore(target)
    scenario_id, created = store.create("what if", [{"name": "base", "optimization_id": "x"}])
    assert store.get(scenario_id) == ("what if", created, [{"name": "base", "optimization_id": "x"}])
    assert store.get("nope") is None
    store.close()


def test_postgres_connection_lost_is_reopened(postgres_url):
    """The server drops the store's connection (restart, fail-over): the next call reconnects."""
    store = JobStore(postgres_url, owner="a")
    job = store.create("{}", 1.0)
    admin = Database(postgres_url)
    killed = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchall()
    assert killed and all(k[0] for k in killed)
    got = store.get(job.id)
    assert got is not None and got.status == "queued"
    admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
    assert store.mark_running(job.id) and store.recover() == [job.id]  # a write and a transaction after the loss
    admin.close()
    store.close()


def test_postgres_reads_what_another_connection_wrote(postgres_url):
    """Two replicas see one store: a job made through one connection is read, claimed and
    finished through the other."""
    a, b = JobStore(postgres_url, owner="a"), JobStore(postgres_url, owner="b")
    job = a.create("{}", 1.0)
    assert b.mark_running(job.id) and not a.mark_running(job.id)
    t0 = time.monotonic()
    assert a.finish(job.id, "cancelled", None, "cancelled by the client")  # a cancel through replica a
    assert not b.finish(job.id, "succeeded", "{}")  # b's late result does not overwrite it
    got = b.get(job.id)
    assert got is not None and got.status == "cancelled" and time.monotonic() - t0 < 5
    a.close()
    b.close()


@pytest.mark.parametrize("url, says, how", [
    ("mysql://user@localhost/dispatch", "is not a PostgreSQL URL", "cli"),
    ("postgresql://nobody@127.0.0.1:{refused}/dispatch", "cannot connect to PostgreSQL", "cli"),
    ("postgresql://nobody@127.0.0.1:{silent}/dispatch", "cannot connect to PostgreSQL", "cli"),  # accepts TCP, never answers
    ("postgresql://nobody@127.0.0.1:{refused}/dispatch", "cannot connect to PostgreSQL", "uvicorn"),
])
def test_a_bad_database_url_stops_the_server_within_seconds(url, says, how, tmp_path):
    import socket
    import subprocess
    import sys

    from api.db import CONNECT_TIMEOUT_S
    from tests.api.server import REPO_ROOT, free_port

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes the handshake; nobody ever speaks
    try:
        env = {**os.environ, "DISPATCH_DATABASE_URL": url.format(refused=free_port(), silent=silent.getsockname()[1]),
               "DISPATCH_DB": str(tmp_path / "unused.db"), "PYTHONPATH": str(REPO_ROOT)}
        t0 = time.monotonic()
        cmd = (["optimizer.cli", "serve"] if how == "cli" else ["uvicorn", "--factory", "api.app:create_app"]) + ["--port", str(free_port())]
        run = subprocess.run([sys.executable, "-m", *cmd], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
        took = time.monotonic() - t0
    finally:
        silent.close()
    assert run.returncode == 2, run.stderr
    assert "DISPATCH_DATABASE_URL" in run.stderr and says in run.stderr and "Traceback" not in run.stderr
    assert took < CONNECT_TIMEOUT_S + 10, took  # the connect timeout plus Python's start, never a hang
