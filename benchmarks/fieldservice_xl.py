"""Field-service XL (500 technicians x 5,000 jobs, 300 s): a valid plan within the time limit and
the peak memory of the whole run, per engine, in a fresh process each.

    python -m benchmarks.fieldservice_xl [--engine native] [--time-limit 300] [--matrix haversine]

Prints one table row per engine: served, SLA breaches, travel, wall time of ``solve`` (matrix
built before, timed apart), validator violations and the peak resident memory of the process
(``ru_maxrss``: the matrix, the problem and the engine together).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def run_one(engine: str, time_limit_s: float, matrix: str, seed: int, decomposition: str = "off") -> dict:
    from benchmarks.fieldservice.bench import _problem_and_matrix
    from benchmarks.validation import check
    from optimizer.kpis import compute_kpis
    from optimizer.solve import solve

    problem, tm, points, build_s = _problem_and_matrix("XL", seed, time_limit_s, matrix)
    # The whole problem by default: this script measures the engine; benchmarks/decompose_bench.py
    # measures territories against it.
    options = problem.options.model_copy(update={"engine": engine, "decomposition": decomposition})
    problem = problem.model_copy(update={"options": options})
    t0 = time.perf_counter()
    solution = solve(problem, tm, points)
    wall = time.perf_counter() - t0
    verdict = check(problem, solution, matrix=tm, points=points)
    k = compute_kpis(problem, solution)
    return {
        "engine": engine,
        "decomposition": decomposition,
        "jobs": len(problem.jobs),
        "technicians": len(problem.technicians),
        "matrix": f"{tm.source} {tm.size} points, {build_s:.0f} s",
        "served": k.jobs_assigned,
        "sla_breaches_uhnl": "/".join(str(k.sla_breaches.get(p, 0)) for p in ("urgent", "high", "normal", "low")),
        "travel_h": round(k.travel_time_s / 3600, 1),
        "solve_s": round(wall, 1),
        "time_limit_s": time_limit_s,
        "violations": verdict.violations,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "notes": [w for w in solution.warnings if "nearest road" not in w][:3],
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--engine", action="append", help="engine(s) (default: native)")
    p.add_argument("--time-limit", type=float, default=300.0)
    p.add_argument("--matrix", default="auto", choices=["auto", "road", "haversine"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--decomposition", default="off", choices=["off", "auto", "on"],
                   help="options.decomposition (default off: the engine on the whole problem)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    engines = args.engine or ["native"]
    if args.child:
        print(json.dumps(run_one(engines[0], args.time_limit, args.matrix, args.seed, args.decomposition)))
        return 0
    rows = []
    for engine in engines:  # one fresh process per engine: peak memory is that engine's run alone
        out = subprocess.run([sys.executable, "-m", "benchmarks.fieldservice_xl", "--child", "--engine", engine,
                              "--time-limit", str(args.time_limit), "--matrix", args.matrix, "--seed", str(args.seed),
                              "--decomposition", args.decomposition],
                             capture_output=True, text=True)
        if out.returncode != 0:
            rows.append({"engine": engine, "error": out.stderr.strip().splitlines()[-1:]})
        else:
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    for row in rows:
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
