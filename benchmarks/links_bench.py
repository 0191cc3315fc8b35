"""What crews and dependencies cost the native engine: the field-service instance with and
without them, same time limit, iterations per second, jobs served, validity.

``python -m benchmarks.links_bench [--problem M|week] [--time-limit 20 | --iterations 2000 --repeat 2] [--crews 0.10] [--deps 0.05]``

Variants of one generated instance (benchmarks/fieldservice/generator.py): ``base`` as
generated; ``crews`` with a share of jobs turned into crews of two (the job's skills for the
first member, a helper for the second; no parts); ``deps`` with a share of jobs depending on a
job of a lower index (min delay 0-60 min, a max delay of min + 2 h on half of them); ``both``.
Every answer is checked by the independent validator.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import time

from benchmarks.fieldservice.generator import generate
from optimizer.models import Problem
from optimizer.solve import solve
from optimizer.validate import validate


def with_links(problem: Problem, crews: float, deps: float, seed: int = 0) -> Problem:
    rng = random.Random(f"links-{seed}")
    data = problem.model_dump(mode="json")
    jobs = data["jobs"]
    ids = [j["id"] for j in jobs]
    for k, job in enumerate(jobs):
        if rng.random() < crews and not job.get("pinned_technician"):
            job["crew"] = [{"skills": job["skills"]}, {"skills": {}}]
            job["skills"] = {}
            job["parts"] = {}
        elif k > 0 and rng.random() < deps:
            lo = rng.choice([0, 15, 30, 60])
            dep = {"job": ids[rng.randrange(k)], "min_delay_min": lo}
            if rng.random() < 0.5:
                dep["max_delay_min"] = lo + 120
            job["after"] = [dep]
    return Problem.model_validate(data)


def run(problem: Problem) -> dict:
    t0 = time.perf_counter()
    solution = solve(problem)
    wall = time.perf_counter() - t0
    note = next((w for w in solution.warnings if "native search" in w), "")
    rate = re.search(r"\((\d+)/s\)", note)
    crew_jobs = [j for j in problem.jobs if j.crew]
    served = {s.job_id for r in solution.routes for s in r.stops}
    return {
        "served": solution.kpis.jobs_assigned,
        "total": solution.kpis.jobs_total,
        "crews_served": sum(1 for j in crew_jobs if j.id in served),
        "crews": len(crew_jobs),
        "deps_served": sum(1 for j in problem.jobs if j.after and j.id in served),
        "deps": sum(1 for j in problem.jobs if j.after),
        "iterations": solution.solver.iterations,
        "per_s": round(solution.solver.iterations / max(1e-9, solution.solver.search_time_s or 0.0)) if solution.solver.search_time_s
        else (int(rate.group(1)) if rate else None),
        "travel_h": round(solution.kpis.travel_time_s / 3600, 1),
        "objective": round(solution.solver.objective or 0),
        "violations": len(validate(problem, solution)),
        "wall_s": round(wall, 1),
    }


def _load(name: str, time_limit_s: float) -> Problem:
    if name == "week":
        from optimizer.paths import REPO_ROOT

        data = json.loads((REPO_ROOT / "data" / "week" / "week_problem.json").read_text())
        data["options"]["time_limit_s"] = time_limit_s
        return Problem.model_validate(data)
    return generate(name, seed=0, time_limit_s=time_limit_s)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--problem", default="M", help="S, M, L (generated field-service day) or week (data/week)")
    ap.add_argument("--time-limit", type=float, default=20.0)
    ap.add_argument("--iterations", type=int, default=0,
                    help="fixed iteration limit instead of the time limit (no VROOM start: the search alone is timed)")
    ap.add_argument("--repeat", type=int, default=1, help="rounds over the variants, interleaved (load hits all alike)")
    ap.add_argument("--crews", type=float, default=0.10)
    ap.add_argument("--deps", type=float, default=0.05)
    ap.add_argument("--variants", default="base,crews,deps,both")
    args = ap.parse_args(argv)
    base = _load(args.problem, args.time_limit)
    variants = {"base": base, "crews": with_links(base, args.crews, 0.0), "deps": with_links(base, 0.0, args.deps),
                "both": with_links(base, args.crews, args.deps)}
    if args.iterations:
        for name, p in list(variants.items()):
            data = p.model_dump(mode="json")
            data["options"].update({"max_iterations": args.iterations, "time_limit_s": 600, "seed": 0,
                                    "engine_params": {"vroom_from_jobs": 0}})
            variants[name] = Problem.model_validate(data)
    names = args.variants.split(",")
    print(f"problem {args.problem}; " + (f"{args.iterations} iterations" if args.iterations else f"{args.time_limit} s"))
    print("| variant | served | crews served | dependents served | iterations | it/s | travel h | objective | violations | wall s | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for _ in range(args.repeat):
        for name in names:
            r = run(variants[name])
            print(f"| {name} | {r['served']}/{r['total']} | {r['crews_served']}/{r['crews']} | {r['deps_served']}/{r['deps']} | "
                  f"{r['iterations']} | {r['per_s']} | {r['travel_h']} | {r['objective']} | {r['violations']} | {r['wall_s']} | "
                  f"{os.getloadavg()[0]:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
