"""Latency of the HTTP API's live-dispatch paths, measured on a real server on loopback.

1. Recommendations on a 50-technician x 400-job plan (target: p95 < 100 ms). The plan comes from
   solving a generated Milan problem once (``benchmarks.fieldservice.generator``, size L, first 50
   technicians and 400 jobs) with a short time limit; 40 further jobs of the same generator are the
   "new" jobs. Measured both as a library call (``optimizer.recommend.recommend``) and as an HTTP
   round trip (POST /v1/recommendations, one new job per request: the problem and plan travel in
   every request, as a stateless dispatch desk would send them).
2. /healthz latency while both workers solve (target: < 50 ms).
3. POST /v1/optimize round trip for the demo problem (data/demo_problem.json, its own time limit).

Nothing is written to the repository. Usage::

    python -m benchmarks.recommend_bench [--plan-time-limit 20] [--repeats 5] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.fieldservice.generator import generate
from optimizer.models import Problem
from optimizer.paths import DATA_DIR, REPO_ROOT

N_TECHS, N_JOBS, N_NEW = 50, 400, 40


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def row(name: str, values_ms: list[float]) -> str:
    return (f"| {name:<44} | {len(values_ms):>4} | {statistics.median(values_ms):>8.1f} | "
            f"{percentile(values_ms, 95):>8.1f} | {max(values_ms):>8.1f} |")


def build_problem(matrix: str, time_limit_s: float) -> Problem:
    big = generate("L", seed=0, time_limit_s=time_limit_s, matrix=matrix)
    return big.model_copy(update={"technicians": big.technicians[:N_TECHS], "jobs": big.jobs[: N_JOBS + N_NEW]})


class Server:
    """``dispatch serve`` as a subprocess on a free loopback port, with a temporary database."""

    def __init__(self, workers: int, db: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {**os.environ, "DISPATCH_DB": str(db), "DISPATCH_WORKERS": str(workers), "DISPATCH_SYNC_TIME_LIMIT_S": "120"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "optimizer.cli", "serve", "--port", str(self.port), "--log-level", "warning"],
            cwd=REPO_ROOT, env=env, start_new_session=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).json()["workers_ready"] == workers:
                    return
            except (httpx.HTTPError, ValueError, KeyError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(15)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plan-time-limit", type=float, default=20.0, help="solve time for the 50x400 plan, s (default 20)")
    parser.add_argument("--repeats", type=int, default=5, help="passes over the 40 new jobs (default 5)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    parser.add_argument("--matrix", default="haversine", choices=["haversine", "road"], help="matrix source (default haversine)")
    args = parser.parse_args(argv)

    from optimizer.recommend import recommend
    from optimizer.solve import solve

    problem = build_problem(args.matrix, args.plan_time_limit)
    planned = problem.model_copy(update={"jobs": problem.jobs[:N_JOBS]})
    new_ids = [j.id for j in problem.jobs[N_JOBS:]]
    t0 = time.perf_counter()
    plan = solve(planned)
    print(f"plan: {N_TECHS} technicians x {N_JOBS} jobs ({args.matrix}), solved in {time.perf_counter() - t0:.1f} s: "
          f"{plan.kpis.jobs_assigned} assigned, {plan.kpis.jobs_unassigned} unassigned; {len(new_ids)} new jobs")

    lib_ms, options_found = [], 0
    for _ in range(args.repeats):
        for jid in new_ids:
            t = time.perf_counter()
            recs = recommend(problem, plan, [jid])
            lib_ms.append((time.perf_counter() - t) * 1000)
            options_found += bool(recs[0].options)

    problem_json = json.loads(problem.model_dump_json(exclude_none=True))
    plan_json = json.loads(plan.model_dump_json(exclude_none=True))
    body_bytes = len(json.dumps({"problem": problem_json, "plan": plan_json, "job_ids": [new_ids[0]]}))
    demo = json.loads((DATA_DIR / "demo_problem.json").read_text())

    with tempfile.TemporaryDirectory() as tmp:
        server = Server(args.workers, Path(tmp) / "bench.db")
        try:
            with httpx.Client(base_url=server.url, timeout=300) as c:
                http_ms, server_ms = [], []
                for _ in range(args.repeats):
                    for jid in new_ids:
                        t = time.perf_counter()
                        r = c.post("/v1/recommendations", json={"problem": problem_json, "plan": plan_json, "job_ids": [jid]})
                        http_ms.append((time.perf_counter() - t) * 1000)
                        r.raise_for_status()
                        server_ms.append(r.json()["elapsed_ms"])
                batch_ms = []
                for _ in range(args.repeats):
                    t = time.perf_counter()
                    c.post("/v1/recommendations", json={"problem": problem_json, "plan": plan_json, "job_ids": new_ids}).raise_for_status()
                    batch_ms.append((time.perf_counter() - t) * 1000)

                demo_rt, demo_solver = [], []
                for _ in range(2):
                    t = time.perf_counter()
                    r = c.post("/v1/optimize", json=demo)
                    demo_rt.append(time.perf_counter() - t)
                    r.raise_for_status()
                    demo_solver.append(r.json()["solver"]["wall_time_s"])

                # /healthz while every worker solves the 50x400 problem (async jobs).
                busy = dict(json.loads(planned.model_dump_json(exclude_none=True)))
                busy["options"]["time_limit_s"] = 8
                ids = [c.post("/v1/optimizations", json=busy).json()["id"] for _ in range(args.workers)]
                health_ms: list[float] = []
                while c.get(f"/v1/optimizations/{ids[0]}").json()["status"] == "queued":
                    time.sleep(0.05)
                t_end = time.monotonic() + 6
                while time.monotonic() < t_end:
                    t = time.perf_counter()
                    c.get("/healthz").raise_for_status()
                    health_ms.append((time.perf_counter() - t) * 1000)
                    time.sleep(0.02)
                for i in ids:
                    c.delete(f"/v1/optimizations/{i}")
        finally:
            server.stop()

    print(f"\nrequest body per recommendation: {body_bytes / 1024:.0f} KiB; new jobs with at least one option: "
          f"{options_found}/{len(lib_ms)}")
    print("\n| measurement (ms)                             |    n |   median |      p95 |      max |")
    print("|----------------------------------------------|------|----------|----------|----------|")
    print(row("recommend() library call, 1 job", lib_ms))
    print(row("POST /v1/recommendations, 1 job (round trip)", http_ms))
    print(row("  of which server compute (elapsed_ms)", server_ms))
    print(row(f"POST /v1/recommendations, {len(new_ids)} jobs at once", batch_ms))
    print(row(f"GET /healthz while {args.workers} workers solve", health_ms))
    print(f"\nPOST /v1/optimize demo problem ({len(demo['technicians'])} x {len(demo['jobs'])}, time_limit_s "
          f"{demo['options']['time_limit_s']}): round trip {', '.join(f'{x:.2f}' for x in demo_rt)} s; "
          f"solver wall time {', '.join(f'{x:.2f}' for x in demo_solver)} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
