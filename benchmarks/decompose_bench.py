"""Decomposed vs whole solves, and Ray on 1 vs 2 CPUs, printed as a table.

    nice -n 10 python -m benchmarks.decompose_bench xl [--time-limit 300] [--seed 0] [--only decomposed --workers 1]
    nice -n 10 python -m benchmarks.decompose_bench ray [--size L] [--iterations 150]
    nice -n 10 python -m benchmarks.decompose_bench xxl [--time-limit 600] [--ray-address HOST:PORT]

``xl``: field service XL (500 x 5,000, haversine), the same engine and time limit, whole and
decomposed (territory matrices only; local process pool): objective of each plan under the
WHOLE problem's objective (:func:`optimizer.decompose.merge.plan_objective` on the full matrix,
the same code the engines are scored with), served jobs, SLA breaches, travel, validator
violations on the whole problem, peak memory, and the time to a first valid plan (each flow run
again with ``max_iterations = 1``). ``ray``: the same decomposed solve with a fixed iteration
count per territory on a local Ray runtime with 1 and with 2 CPUs (speed-up = wall 1 / wall 2).
``xxl``: about 2,000 technicians x 20,000 jobs on the road networks of Milan, Heidelberg and
Portland (fixed seed; road matrices per territory on its city's extract), decomposed, with one
progress line per territory; validated per territory (a whole matrix would
be 3.2 GB) plus the every-job-once check, peak memory of the process.

Every run is a fresh child process (peak memory is that run's alone). Prints the load average
before and after: other work on the machine slows timed runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from typing import Optional


def _peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _worker_peak_mb() -> int:
    """Largest peak resident memory of a finished child (a territory worker process), MB."""
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def _with(problem, **options):
    params = options.pop("decomposition_params", None)
    update = dict(options)
    if params:
        update["decomposition_params"] = problem.options.decomposition_params.model_copy(update=params)
    return problem.model_copy(update={"options": problem.options.model_copy(update=update)})


def _xl_problem(seed: int, time_limit_s: float):
    from benchmarks.fieldservice.generator import generate

    return generate("XL", seed, time_limit_s, matrix="haversine")


def _summary(problem, solution, tm=None, points=None) -> dict:
    from optimizer.decompose.merge import plan_objective
    from optimizer.validate import validate

    k = solution.kpis
    row = {
        "served": k.jobs_assigned,
        "sla_breaches_uhnl": "/".join(str(k.sla_breaches.get(p, 0)) for p in ("urgent", "high", "normal", "low")),
        "travel_h": round(k.travel_time_s / 3600, 1),
    }
    if tm is not None:
        row["objective"] = round(plan_objective(problem, solution, tm, points), 1)
        row["violations"] = len(validate(problem, solution, tm, points))
    info = solution.solver.decomposition if solution.solver else None
    if info is not None:
        row.update(territories=len(info.territories), first_plan_s=info.first_plan_s, border_pairs=info.border_pairs,
                   border_jobs_moved=info.border_jobs_moved, backend=info.backend, workers=info.workers,
                   failed=sum(t.status == "failed" for t in info.territories))
    return row


def child_xl(mode: str, time_limit_s: float, seed: int, iterations: Optional[int], workers: int = 0) -> dict:
    from optimizer.geo.matrix import build_problem_matrix
    from optimizer.solve import solve

    problem = _xl_problem(seed, time_limit_s)
    problem = _with(problem, decomposition="on" if mode == "decomposed" else "off", max_iterations=iterations,
                    decomposition_params={"workers": workers})
    t0 = time.perf_counter()
    if mode == "decomposed":
        solution = solve(problem)  # territory matrices only
        wall = time.perf_counter() - t0
        peak = _peak_mb()
        extra = {"worker_peak_rss_mb": _worker_peak_mb()}
        tm, points = build_problem_matrix(problem)  # for the whole-problem objective and validation
    else:
        tm, points = build_problem_matrix(problem)
        solution = solve(problem, tm, points)
        wall = time.perf_counter() - t0
        peak = _peak_mb()
        extra = {}
    label = mode + ("" if iterations is None else f", max_iterations={iterations}") + (f", workers={workers}" if workers else "")
    row = {"run": label, "wall_s": round(wall, 1),
           "peak_rss_mb": peak, **extra, **_summary(problem, solution, tm, points)}
    return row


def child_ray(size: str, cpus: int, iterations: int, seed: int) -> dict:
    import ray

    from benchmarks.fieldservice.generator import generate
    from optimizer.decompose import solve_decomposed

    problem = _with(generate(size, seed, 600.0, matrix="haversine"), decomposition="on", max_iterations=iterations,
                    decomposition_params={"target_jobs": 250, "border_rounds": 1})
    ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        ray.get(ray.remote(lambda: 1).remote())  # the runtime is up before timing
        t0 = time.perf_counter()
        solution = solve_decomposed(problem, backend_name="ray")
        wall = time.perf_counter() - t0
    finally:
        ray.shutdown()
    return {"run": f"ray, {cpus} CPU, {size}, max_iterations={iterations}", "wall_s": round(wall, 1), **_summary(problem, solution)}


REGION_FILES = {"milan": "milan.osm.pbf", "portland": "portland.osm.pbf", "heidelberg": "heidelberg.osm.pbf"}
XXL_SHARES = {"milan": 0.45, "portland": 0.30, "heidelberg": 0.25}


def xxl_problem(seed: int, time_limit_s: float, matrix: str = "road"):
    """About 2,000 technicians x 20,000 jobs over Milan (45 %), Portland (30 %) and Heidelberg
    (25 %): the field-service generator's technicians and jobs (skills, shifts, windows, SLAs,
    parts), each placed at a random node of the city's road network (largest strongly connected
    component), so that every point lies on a road. ``matrix``: road (each territory on its
    city's extract, ``decomposition_params.regions``) or haversine."""
    import random

    from benchmarks.fieldservice import generator as g
    from optimizer.geo.region import load_region
    from optimizer.models import Location, Options, Problem
    from optimizer.paths import regions_dir

    rng = random.Random(f"fieldservice-XXL-{seed}")
    techs, jobs, paths = [], [], []
    for name, share in XXL_SHARES.items():
        path = str(regions_dir() / REGION_FILES[name])
        paths.append(path)
        reg = load_region(path)
        n_t, n_j = round(2000 * share), round(20000 * share)

        def at(reg=reg):
            k = rng.randrange(reg.n_nodes)
            return Location(lat=float(reg.lat[k]), lon=float(reg.lon[k]))  # exact: rounding may leave the bbox

        for k in range(n_t):
            t = g._technician(rng, k)
            home = at()
            techs.append(t.model_copy(update={"id": f"{name}-tech-{k + 1:04d}", "start_location": home, "end_location": home}))
        for k in range(n_j):
            jobs.append(g._job(rng, k).model_copy(update={"id": f"{name}-job-{k + 1:05d}", "location": at()}))
    options = Options.model_validate({
        "time_limit_s": time_limit_s, "seed": seed, "candidates_per_job": 0, "matrix": matrix, "decomposition": "on",
        "decomposition_params": {"regions": paths if matrix == "road" else []},
    })
    return Problem(technicians=techs, jobs=jobs, options=options)


def child_xxl(time_limit_s: float, seed: int, matrix: str) -> dict:
    problem = xxl_problem(seed, time_limit_s, matrix)
    t0 = time.perf_counter()
    solution = _solve_with_progress(problem)
    wall = time.perf_counter() - t0
    ids = [s.job_id for r in solution.routes for s in r.stops] + [u.job_id for u in solution.unassigned]
    once = sorted(ids) == sorted(j.id for j in problem.jobs)
    return {"run": f"XXL {len(problem.technicians)} x {len(problem.jobs)}, {matrix}, decomposed", "wall_s": round(wall, 1),
            "peak_rss_mb": _peak_mb(), "worker_peak_rss_mb": _worker_peak_mb(), "every_job_once": once,
            **_summary(problem, solution)}


def _solve_with_progress(problem):
    from optimizer.decompose import solve_decomposed

    return solve_decomposed(problem, progress=lambda line: print(line, file=sys.stderr, flush=True))


def _child(args) -> int:
    if args.what == "xl":
        row = child_xl(args.mode, args.time_limit, args.seed, args.iterations, args.workers)
    elif args.what == "ray":
        row = child_ray(args.size, args.cpus, args.iterations or 150, args.seed)
    else:
        row = child_xxl(args.time_limit, args.seed, args.matrix)
    print(json.dumps(row))
    return 0


def _spawn(extra: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.decompose_bench", *extra, "--child"], stdout=subprocess.PIPE,
                         text=True)
    if out.returncode != 0 or not out.stdout.strip():
        return {"run": " ".join(extra), "error": f"exit {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _table(rows: list[dict]) -> str:
    cols: list[str] = []
    for r in rows:
        cols.extend(c for c in r if c not in cols)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("what", choices=["xl", "ray", "xxl"])
    p.add_argument("--time-limit", type=float, default=300.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--size", default="L", help="ray: generator size (default L)")
    p.add_argument("--matrix", default="road", choices=["road", "haversine"], help="xxl: travel times (default road)")
    p.add_argument("--iterations", type=int, default=None, help="ray: max_iterations per territory (default 150)")
    p.add_argument("--ray-address", default=None, help="xxl: run the territories on this Ray cluster (sets DISPATCH_RAY_ADDRESS)")
    p.add_argument("--workers", type=int, default=0, help="xl: territory solves at once (default: the CPU count)")
    p.add_argument("--only", choices=["whole", "decomposed"], help="xl: run only this flow, 300 s only")
    p.add_argument("--mode", default="whole", help=argparse.SUPPRESS)
    p.add_argument("--cpus", type=int, default=2, help=argparse.SUPPRESS)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.ray_address:
        os.environ["DISPATCH_RAY_ADDRESS"] = args.ray_address
    if args.child:
        return _child(args)
    load_before = os.getloadavg()
    base = [args.what, "--time-limit", str(args.time_limit), "--seed", str(args.seed)]
    rows = []
    if args.what == "xl":
        for mode in (args.only,) if args.only else ("whole", "decomposed"):
            if not args.only:
                rows.append(_spawn(base + ["--mode", mode, "--iterations", "1"]))
            rows.append(_spawn(base + ["--mode", mode, "--workers", str(args.workers)]))
    elif args.what == "ray":
        for cpus in (1, 2):
            rows.append(_spawn(base + ["--size", args.size, "--cpus", str(cpus), "--iterations", str(args.iterations or 150)]))
        if all("wall_s" in r for r in rows):
            rows.append({"run": "speed-up 1 -> 2 CPUs", "wall_s": round(rows[0]["wall_s"] / rows[1]["wall_s"], 2)})
    else:
        rows.append(_spawn(base + ["--matrix", args.matrix]))
    print(_table(rows))
    print(f"\nload average (1/5/15 min) before: {' '.join(f'{x:.2f}' for x in load_before)}; "
          f"after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; cores: {os.cpu_count()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
