"""Recommendation latency of a live plan against re-plans, isolated: back to back, right after
each re-plan, and while re-plans run (concurrently), on a real server.

A plan of 50 technicians x 400 jobs (``benchmarks.fieldservice.generator`` size L, first 50 / 400,
Milan road network, solved for 5 s); then 100 recommendations back to back; 20 event posts
(``technician_delayed``), each followed at once by 3 recommendations; 30 s of recommendations
every 50 ms while another client posts events without pause. Prints round trip and server
compute (median, p95, max) per phase and the load average.

    .venv/bin/python -m benchmarks.live_recs [--back-to-back 100]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Optional

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.fieldservice.generator import DAY, default_region, generate  # noqa: E402
from benchmarks.live_day import Server, _iso, percentile  # noqa: E402


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values):.1f} p95 {percentile(values, 95):.1f} max {max(values):.1f} (n={len(values)})"


class Bench:
    def __init__(self, server: Server, plan_id: str, probes: list[dict], techs: list[str]):
        self.server, self.plan_id, self.probes, self.techs = server, plan_id, probes, techs
        self.client = httpx.Client(base_url=server.url, timeout=120)
        self.k = 0
        self.n = 0
        self.now = DAY + timedelta(hours=8)

    def rec(self, rt: list[float], compute: list[float]) -> None:
        self.k += 1
        job = dict(self.probes[self.k % len(self.probes)], id=f"probe-{self.k}")
        t = time.perf_counter()
        r = self.client.post(f"/v1/plans/{self.plan_id}/recommendations", json={"jobs": [job]})
        rt.append((time.perf_counter() - t) * 1000)
        r.raise_for_status()
        compute.append(r.json()["elapsed_ms"] + r.json()["load_ms"])

    def post(self, client: httpx.Client) -> float:
        self.n += 1
        self.now += timedelta(minutes=5)
        event = {"id": f"d{self.n}", "event": {"type": "technician_delayed", "technician_id": self.techs[self.n % len(self.techs)], "minutes": 5}}
        t = time.perf_counter()
        client.post(f"/v1/plans/{self.plan_id}/events", json={"events": [event], "now": _iso(self.now)}).raise_for_status()
        return (time.perf_counter() - t) * 1000


def run(bench: Bench, back_to_back: int) -> None:
    a: list[float] = []
    sa: list[float] = []
    for _ in range(back_to_back):
        bench.rec(a, sa)
    print(f"back to back: {_ms(a)} | server {_ms(sa)}")
    b: list[float] = []
    sb: list[float] = []
    posts: list[float] = []
    for _ in range(20):
        posts.append(bench.post(bench.client))
        for _ in range(3):
            bench.rec(b, sb)
    print(f"right after each re-plan: {_ms(b)} | server {_ms(sb)} | event post {_ms(posts)}")
    c: list[float] = []
    sc: list[float] = []
    during: list[float] = []
    stop = threading.Event()

    def poster() -> None:
        with httpx.Client(base_url=bench.server.url, timeout=120) as other:
            while not stop.is_set():
                during.append(bench.post(other))

    thread = threading.Thread(target=poster)
    thread.start()
    end = time.monotonic() + 30
    while time.monotonic() < end:
        bench.rec(c, sc)
        time.sleep(0.05)
    stop.set()
    thread.join()
    print(f"while re-plans run: {_ms(c)} | server {_ms(sc)} | event post {_ms(during)}")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--back-to-back", type=int, default=100)
    args = parser.parse_args(argv)
    region = default_region()
    if region is None:
        print("the Milan extract (../shared/regions/milan.osm.pbf) is missing", file=sys.stderr)
        return 2
    os.environ["DISPATCH_REGION"] = str(region)
    big = generate("L", seed=7, time_limit_s=5, matrix="road")
    problem = big.model_copy(update={"technicians": big.technicians[:50], "jobs": big.jobs[:400]})
    probes = [json.loads(j.model_dump_json(exclude_none=True)) for j in big.jobs[460:600]]
    print("load before", open("/proc/loadavg").read().strip() if os.path.exists("/proc/loadavg") else "-")
    with tempfile.TemporaryDirectory() as tmp:
        env = {"DISPATCH_REGION": str(region), "DISPATCH_SYNC_TIME_LIMIT_S": "60", "DISPATCH_MAX_QUEUE": "64"}
        server = Server(Path(tmp) / "live.db", 2, env).start()
        try:
            body = {"problem": json.loads(problem.model_dump_json(exclude_none=True)), "settings": {"replan": {"time_limit_s": 0.5}}}
            with httpx.Client(base_url=server.url, timeout=120) as c:
                created = c.post("/v1/plans", json=body)
                created.raise_for_status()
                plan_id = created.json()["plan_id"]
                techs = [t["id"] for t in c.get(f"/v1/plans/{plan_id}").json()["problem"]["technicians"]]
            time.sleep(2)
            run(Bench(server, plan_id, probes, techs), args.back_to_back)
        finally:
            server.stop()
    print("load after", open("/proc/loadavg").read().strip() if os.path.exists("/proc/loadavg") else "-")
    return 0


if __name__ == "__main__":
    sys.exit(main())
