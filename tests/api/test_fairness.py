"""Queue fairness and held resources, through real servers: a large scenario cannot starve
another client, a disconnecting synchronous client frees its worker within a second,
recommendation load keeps the event loop responsive and answers 429 beyond its bound, and
slow or half-sent bodies are timed out."""

from __future__ import annotations

import json
import socket
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from optimizer.paths import DATA_DIR
from tests.api.conftest import small_problem, wait_for
from tests.api.server import ApiServer


def _scenario(n_variants: int, time_limit_s: float = 1.0) -> dict:
    return {
        "name": "big",
        "base": small_problem(n_jobs=4, time_limit_s=time_limit_s),
        "variants": [{"name": f"v{i}", "changes": [{"type": "scale_demand", "factor": 1.0 + i / 100}]} for i in range(n_variants)],
    }


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory):
    srv = ApiServer(tmp_path_factory.mktemp("fair") / "jobs.db", how="cli", workers=1,
                    DISPATCH_MAX_QUEUE=6, DISPATCH_MAX_VARIANTS=5, DISPATCH_SYNC_TIME_LIMIT_S=30,
                    DISPATCH_MAX_TIME_LIMIT_S=60, DISPATCH_BODY_TIMEOUT_S=1.5).start()
    yield srv
    srv.stop()


def _idle(client: httpx.Client, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        h = client.get("/healthz").json()
        if h["workers_busy"] == 0 and h["queued"] == 0 and h["workers_ready"] == h["workers"]:
            return
        time.sleep(0.1)
    raise AssertionError(f"server not idle: {h}")


def test_scenario_variants_are_limited_and_counted_against_the_queue(one_worker):
    with one_worker.client() as c:
        _idle(c)
        too_many = c.post("/v1/scenarios", json=_scenario(200))
        assert too_many.status_code == 422, too_many.text
        error = too_many.json()["error"]
        assert error["code"] == "limit_exceeded" and error["details"][0]["path"] == "$.variants"
        # 4 places taken (1 running + 3 queued): a 4-run scenario no longer fits in 6.
        ids = [c.post("/v1/optimizations", json=small_problem(n_jobs=3, time_limit_s=1.0)).json()["id"] for _ in range(4)]
        wait_for(c, ids[0], statuses=("running",), timeout_s=20)
        busy = c.post("/v1/scenarios", json=_scenario(3))
        assert busy.status_code == 429 and int(busy.headers["Retry-After"]) >= 1, busy.text
        for job_id in ids:
            wait_for(c, job_id, timeout_s=60)


def test_a_large_scenario_does_not_starve_another_client(one_worker):
    with one_worker.client() as c:
        _idle(c)
        created = c.post("/v1/scenarios", json=_scenario(4))
        assert created.status_code == 202, created.text
        runs = [r["optimization_id"] for r in created.json()["runs"]]
        wait_for(c, runs[0], statuses=("running",), timeout_s=20)
        other = c.post("/v1/optimizations", json=small_problem(n_jobs=3, time_limit_s=1.0))
        assert other.status_code == 202, other.text  # the scenario did not fill the queue
        other_job = wait_for(c, other.json()["id"], timeout_s=60)
        assert other_job["status"] == "succeeded"
        started = sorted((wait_for(c, r, timeout_s=60)["started_at"], r) for r in runs)
        later = [r for s, r in started if s > other_job["started_at"]]
        print(f"\nscenario runs started after the other client's job: {len(later)} of {len(runs)}")
        assert len(later) >= len(runs) - 2  # it waited for at most the running run and one more


def _post_and_hang_up(url: str, body: bytes, hang_up: threading.Event) -> None:
    host, port = url.replace("http://", "").split(":")
    with socket.create_connection((host, int(port))) as s:
        s.sendall(b"POST /v1/optimize HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        hang_up.wait(30)


def test_a_disconnecting_sync_client_frees_its_worker_within_a_second(one_worker):
    with one_worker.client() as c:
        _idle(c)
        hang_up = threading.Event()
        body = json.dumps(small_problem(n_jobs=6, time_limit_s=20.0)).encode()
        t = threading.Thread(target=_post_and_hang_up, args=(one_worker.url, body, hang_up))
        t.start()
        deadline = time.monotonic() + 20
        while c.get("/healthz").json()["workers_busy"] == 0:
            assert time.monotonic() < deadline, "the solve never started"
            time.sleep(0.05)
        time.sleep(0.5)
        hang_up.set()
        t.join()
        t0 = time.monotonic()
        while c.get("/healthz").json()["workers_busy"] != 0 and time.monotonic() - t0 < 10:
            time.sleep(0.02)
        freed_s = time.monotonic() - t0
        print(f"\nworker freed {freed_s:.2f} s after the client hung up")
        assert freed_s < 1.0
        _idle(c)  # the replacement worker comes up
        ok = c.post("/v1/optimize", json=small_problem(n_jobs=3, time_limit_s=1.0))
        assert ok.status_code == 200


def test_slow_and_half_sent_bodies_are_timed_out(one_worker):
    host, port = one_worker.url.replace("http://", "").split(":")
    socks = []
    t0 = time.monotonic()
    for _ in range(50):
        s = socket.create_connection((host, int(port)))
        s.sendall(b"POST /v1/optimize HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"tech")
        socks.append(s)
    closed, answers = 0, []
    for s in socks:
        s.settimeout(10)
        data = b""
        try:
            while chunk := s.recv(65536):
                data += chunk
            closed += 1
        except TimeoutError:
            pass
        answers.append(data.split(b"\r\n", 1)[0])
        s.close()
    held_s = time.monotonic() - t0
    print(f"\n50 half-sent bodies: {closed} closed by the server after {held_s:.1f} s")
    assert closed == 50 and held_s < 8
    assert all(a.startswith(b"HTTP/1.1 408") for a in answers), set(answers)
    with one_worker.client() as c:
        assert c.get("/healthz").status_code == 200


def test_recommendation_load_keeps_get_fast_and_answers_429(tmp_path):
    srv = ApiServer(tmp_path / "jobs.db", how="cli", workers=1, DISPATCH_RECOMMEND_WORKERS=1,
                    DISPATCH_MAX_RECOMMENDATIONS=4).start()
    try:
        full = json.loads((DATA_DIR / "demo_problem.json").read_text())
        full["options"]["time_limit_s"] = 1.0
        new_ids = [j["id"] for j in full["jobs"][-3:]]
        with srv.client() as c:
            plan = c.post("/v1/optimize", json=dict(full, jobs=full["jobs"][:-3])).json()
            job_id = c.post("/v1/optimizations", json=small_problem(n_jobs=3)).json()["id"]
            wait_for(c, job_id)
            assert c.post("/v1/recommendations", json={"problem": full, "plan": plan, "job_ids": new_ids}).status_code == 200
        body = json.dumps({"problem": full, "plan": plan, "job_ids": new_ids}).encode()
        stop = threading.Event()
        codes: list[int] = []
        get_ms: list[float] = []

        def recommend_loop(_):
            with httpx.Client(base_url=srv.url, timeout=60) as c:
                while not stop.is_set():
                    r = c.post("/v1/recommendations", content=body, headers={"content-type": "application/json"})
                    codes.append(r.status_code)
                    if r.status_code == 429:
                        time.sleep(0.05)

        def get_loop():
            with httpx.Client(base_url=srv.url, timeout=10) as c:
                while not stop.is_set():
                    t0 = time.perf_counter()
                    assert c.get(f"/v1/optimizations/{job_id}").status_code == 200
                    get_ms.append((time.perf_counter() - t0) * 1000)
                    time.sleep(0.02)

        poller = threading.Thread(target=get_loop)
        with ThreadPoolExecutor(16) as ex:
            futures = [ex.submit(recommend_loop, i) for i in range(16)]
            time.sleep(1.0)  # let the load build up
            get_ms.clear()
            poller.start()
            time.sleep(6.0)
            stop.set()
            for f in futures:
                f.result()
        poller.join()
        p95 = statistics.quantiles(get_ms, n=20)[-1]
        print(f"\nGET /v1/optimizations/{{id}} under 16 recommendation clients: n={len(get_ms)} "
              f"median={statistics.median(get_ms):.1f} ms p95={p95:.1f} ms; "
              f"recommendations 200={codes.count(200)} 429={codes.count(429)}")
        assert set(codes) <= {200, 429}
        assert codes.count(200) >= 1 and codes.count(429) >= 1
        assert p95 < 100
    finally:
        srv.stop()


def test_concurrent_submissions_cannot_overfill_the_queue(one_worker):
    """The capacity check and the queueing are one step (a reservation held while the job is
    stored), so a burst of simultaneous submissions cannot all pass the check."""
    with one_worker.client() as c:
        _idle(c)
        problem = small_problem(n_jobs=3, time_limit_s=1.0)

        def submit(_):
            with httpx.Client(base_url=one_worker.url, timeout=30) as cc:
                return cc.post("/v1/optimizations", json=problem)

        with ThreadPoolExecutor(20) as ex:
            responses = list(ex.map(submit, range(20)))
        codes = [r.status_code for r in responses]
        queued = c.get("/healthz").json()["queued"]
        print(f"\n20 simultaneous submissions: {codes.count(202)} accepted, {codes.count(429)} refused; queued {queued} (capacity 6)")
        assert set(codes) <= {202, 429}
        assert queued <= 6
        assert codes.count(202) <= 6 + 2  # the queue, the worker's task, at most one finished meanwhile
        for r in responses:
            if r.status_code == 202:
                assert wait_for(c, r.json()["id"], timeout_s=60)["status"] == "succeeded"


def test_slow_request_headers_are_timed_out(one_worker):
    """Connections whose request line and headers never complete are closed too (before the
    application sees them)."""
    host, port = one_worker.url.replace("http://", "").split(":")
    t0 = time.monotonic()
    socks = []
    for i in range(30):
        s = socket.create_connection((host, int(port)))
        s.sendall(b"POST /v1/optimize HTTP/1.1\r\nHost: x\r\nX-Slow: " if i % 2 else b"")
        socks.append(s)
    closed = 0
    for s in socks:
        s.settimeout(10)
        try:
            while s.recv(65536):
                pass
            closed += 1
        except (TimeoutError, ConnectionResetError):
            closed += isinstance(sys.exc_info()[1], ConnectionResetError)
        s.close()
    held_s = time.monotonic() - t0
    print(f"\n30 connections with incomplete headers: {closed} closed by the server after {held_s:.1f} s")
    assert closed == 30 and held_s < 8
    with one_worker.client() as c:
        assert c.get("/healthz").status_code == 200
