"""The API's solver backends side by side: local worker processes against Ray tasks.

    nice -n 10 python -m benchmarks.api_ray_bench [--jobs 4] [--iterations 20000] [--rounds 2]

Each configuration starts real ``dispatch serve`` processes (SQLite, one file each) and, for
Ray, a real one-node Ray cluster (``ray start --head --num-cpus N``) the replicas connect to
(``DISPATCH_SOLVER_BACKEND=ray``, ``DISPATCH_RAY_ADDRESS``). A round submits ``--jobs`` copies
of the demo problem (14 technicians x 120 jobs, Helsinki roads) at once as asynchronous jobs,
each bounded by ``--iterations`` search iterations (same seed: the same plan whichever backend
runs it, and a fixed amount of work, so wall time measures throughput rather than time limits),
and measures the wall time until all are done. Round 1 starts cold (Ray starts its worker
processes, which import the optimizer and load the compiled kernels); later rounds are warm.
The load average is printed before and after.

Ray starts its worker processes at niceness 15 (its ``RAY_worker_niceness`` default, so that its
own daemons stay responsive), the local pool's workers at the server's. On a machine shared with
other work that alone makes Ray tasks several times slower; ``--ray-worker-niceness`` (default 0,
as the local workers) sets it on the Ray head so that the backends are compared on equal terms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

import httpx

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Server:
    def __init__(self, tmp: Path, name: str, workers: int, env: dict):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full = {**os.environ, "DISPATCH_DB": str(tmp / f"{name}.db"), "DISPATCH_WORKERS": str(workers),
                "DISPATCH_RECOMMEND_WORKERS": "1", "DISPATCH_MAX_QUEUE": "64", **env}
        self.log = open(tmp / f"{name}.log", "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "optimizer.cli", "serve", "--port", str(self.port), "--log-level", "warning"],
                                     cwd=REPO, env=full, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.workers = workers

    def wait_ready(self, timeout_s: float = 120) -> float:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout_s:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited {self.proc.returncode}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).json()["workers_ready"] == self.workers:
                    return time.monotonic() - t0
            except (httpx.HTTPError, ValueError, KeyError):
                pass
            time.sleep(0.2)
        raise RuntimeError("server not ready")

    def stop(self) -> None:
        _stop_group(self.proc, term_wait_s=20, kill_wait_s=5)
        self.log.close()


def _stop_group(proc: subprocess.Popen, term_wait_s: float, kill_wait_s: float) -> None:
    """SIGTERM to ``proc``'s process group, then SIGKILL if it has not ended."""
    for sig, wait_s in ((signal.SIGTERM, term_wait_s), (signal.SIGKILL, kill_wait_s)):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(wait_s)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass


class RayHead:
    def __init__(self, tmp: Path, cpus: int, niceness: int = 0):
        self.temp = tempfile.mkdtemp(prefix="rb", dir="/tmp")
        self.port = _free_port()
        cmd = [str(Path(sys.executable).parent / "ray"), "start", "--head", "--block", "--port", str(self.port), "--num-cpus", str(cpus),
               "--include-dashboard", "false", "--disable-usage-stats", "--temp-dir", self.temp]
        for flag in ("--node-manager-port", "--object-manager-port", "--dashboard-agent-grpc-port", "--dashboard-agent-listen-port",
                     "--metrics-export-port", "--runtime-env-agent-port"):
            cmd += [flag, str(_free_port())]
        env = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_")}
        env["RAY_worker_niceness"] = str(niceness)
        self.log = open(tmp / f"ray{cpus}.log", "wb")
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("the Ray head did not start")
                time.sleep(0.2)
        self.address = f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        _stop_group(self.proc, term_wait_s=5, kill_wait_s=10)
        self.log.close()
        shutil.rmtree(self.temp, ignore_errors=True)


def _round(servers: list[Server], problem: dict, jobs: int) -> dict:
    """Submit ``jobs`` jobs at once, spread over the servers; wall time until all are done."""
    clients = [httpx.Client(base_url=s.url, timeout=60) for s in servers]
    try:
        t0 = time.monotonic()
        ids = [(clients[i % len(clients)], clients[i % len(clients)].post("/v1/optimizations", json=problem).json()["id"]) for i in range(jobs)]
        results = {}
        while len(results) < jobs:
            for client, job_id in ids:
                if job_id in results:
                    continue
                body = client.get(f"/v1/optimizations/{job_id}").json()
                if body["status"] in ("succeeded", "failed", "cancelled"):
                    results[job_id] = (time.monotonic() - t0, body)
            time.sleep(0.1)
        wall = max(t for t, _ in results.values())
        bodies = [b for _, b in results.values()]
        statuses = sorted({b["status"] for b in bodies})
        objectives = sorted({round(b["solution"]["solver"]["objective"], 1) for b in bodies if b["solution"]})
        solve_s = [b["solution"]["solver"]["wall_time_s"] for b in bodies if b["solution"]]
        return {"wall_s": round(wall, 1), "statuses": statuses, "objectives": objectives,
                "solve_s_mean": round(sum(solve_s) / max(1, len(solve_s)), 2)}
    finally:
        for c in clients:
            c.close()


CONFIGS = [
    ("processes, 1 worker", None, [1]),
    ("processes, 2 workers", None, [2]),
    ("Ray, 1 CPU, 1 replica", 1, [4]),
    ("Ray, 2 CPUs, 1 replica", 2, [4]),
    ("Ray, 2 CPUs, 2 replicas", 2, [4, 4]),
]


def run(name: str, ray_cpus: Optional[int], replicas: list[int], problem: dict, jobs: int, rounds: int, tmp: Path,
        niceness: int = 0) -> dict:
    head = RayHead(tmp, ray_cpus, niceness) if ray_cpus else None
    servers: list[Server] = []
    try:
        env = {"DISPATCH_SOLVER_BACKEND": "ray", "DISPATCH_RAY_ADDRESS": head.address} if head else {"DISPATCH_SOLVER_BACKEND": "processes"}
        servers = [Server(tmp, f"{name.replace(' ', '_').replace(',', '')}_{i}", w, env) for i, w in enumerate(replicas)]
        start_s = max(s.wait_ready() for s in servers)
        row: dict = {"config": name, "server_start_s": round(start_s, 1), "load_before": _load()}
        for r in range(1, rounds + 1):
            row[f"round{r}"] = _round(servers, problem, jobs)
            print(f"  {name}: round {r}: {row[f'round{r}']}", flush=True)
        row["load_after"] = _load()
        return row
    finally:
        for s in servers:
            s.stop()
        if head:
            head.stop()


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--iterations", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--only", help="comma-separated config numbers (1-based) to run")
    ap.add_argument("--ray-worker-niceness", type=int, default=0, help="RAY_worker_niceness of the Ray head (Ray's default: 15)")
    ap.add_argument("-o", "--output", default=str(REPO / "benchmarks" / "results" / "api_ray.json"))
    args = ap.parse_args(argv)
    problem = json.loads((REPO / "data" / "demo_problem.json").read_text())
    problem["options"].update({"time_limit_s": 300, "max_iterations": args.iterations, "seed": 0})
    chosen = [CONFIGS[int(i) - 1] for i in args.only.split(",")] if args.only else CONFIGS
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="api-ray-bench-"))
    print(f"{args.jobs} demo jobs (14 x 120, road), {args.iterations} iterations each; Ray worker niceness {args.ray_worker_niceness}; "
          f"load {_load()}; {os.cpu_count()} CPUs", flush=True)
    try:
        for name, cpus, replicas in chosen:
            rows.append(run(name, cpus, replicas, problem, args.jobs, args.rounds, tmp, args.ray_worker_niceness))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    Path(args.output).write_text(json.dumps({"jobs": args.jobs, "iterations": args.iterations,
                                             "ray_worker_niceness": args.ray_worker_niceness, "rows": rows}, indent=1))
    print("\n| configuration | server start s | round 1 (cold) wall s | round 2 (warm) wall s | mean solve s | plans | load before / after |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        r1, r2 = row.get("round1", {}), row.get("round2", {})
        print(f"| {row['config']} | {row['server_start_s']} | {r1.get('wall_s')} | {r2.get('wall_s')} | {r2.get('solve_s_mean', r1.get('solve_s_mean'))} "
              f"| {','.join(r1.get('statuses', []))}, objective {r1.get('objectives')} | {row['load_before']} / {row['load_after']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
