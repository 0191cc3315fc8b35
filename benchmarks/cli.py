"""``dispatch bench``: solver benchmarks (standard VRPTW suites and the field-service suite).

Examples::

    dispatch bench --suite solomon --time-limit 10 --engines ours,ortools,vroom,pyvrp --jobs 2
    dispatch bench --suite solomon --instances-filter R1 --time-limit 2
    dispatch bench --suite homberger1000 --time-limit 60 --jobs 2
    dispatch bench --suite fieldservice --sizes S,M --time-limit 30

Registered with the ``dispatch`` command through the ``dispatch.commands`` entry point (see
pyproject.toml), so that the ``optimizer`` library never imports the benchmarks. Peer solvers and
the instance reader are the ``bench`` extra.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
BENCH_EXTRA = "dispatch bench needs the bench extra: pip install 'fieldservice-dispatch[bench]'"
SUITE_CHOICES = ("solomon", "homberger200", "homberger1000", "fieldservice")
ALL_ENGINES = "ours,ortools,vroom,pyvrp"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "bench",
        help="benchmark our engine against best-known solutions and peer solvers",
        description="Run a benchmark suite with every engine under the same time limit; print a "
        "table and write CSV, PNG and markdown results.",
    )
    p.add_argument("--suite", choices=SUITE_CHOICES, required=True)
    p.add_argument("--instances", type=Path, default=None,
                   help="instances folder (default: ../shared/instances, or $DISPATCH_SHARED_DIR/instances)")
    p.add_argument("--instances-filter", default=None,
                   help="keep instances whose name starts with this (e.g. R1) or is listed (C101,R201)")
    p.add_argument("--time-limit", type=float, default=None,
                   help="seconds per instance per engine (default 10; fieldservice: S 10, M 30, L 60)")
    p.add_argument("--engines", default=ALL_ENGINES, help=f"comma-separated (default {ALL_ENGINES}); ours-<engine> runs our pipeline with that engine, e.g. ours-ortools")
    p.add_argument("--jobs", type=int, default=1, help="instances solved in parallel processes (default 1)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sizes", default="S,M,L", help="fieldservice suite: sizes to run (default S,M,L)")
    p.add_argument("--matrix", choices=("auto", "road", "haversine"), default="auto",
                   help="fieldservice suite: travel matrix source (default: road when available)")
    p.add_argument("-o", "--output", type=Path, default=None, help="results folder (default: the results folder beside the benchmarks package)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from optimizer.paths import instances_dir

    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    from optimizer.solvers.engines import engine_names

    known = ALL_ENGINES.split(",") + [f"ours-{name}" for name in engine_names()]
    unknown = [e for e in engines if e not in known]
    if unknown or not engines:
        print(f"unknown engine(s) {unknown}; choose from {ALL_ENGINES}", file=sys.stderr)
        return 2
    out_dir = args.output or RESULTS_DIR
    try:
        import matplotlib  # noqa: F401
        import pyvrp  # noqa: F401
        import vrplib  # noqa: F401
    except ImportError as exc:
        print(f"error: {BENCH_EXTRA} ({exc})", file=sys.stderr)
        return 2
    if args.suite == "fieldservice":
        from benchmarks.fieldservice.bench import run_fieldservice_bench

        sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
        run_fieldservice_bench(sizes, engines, args.time_limit, out_dir, jobs=args.jobs, seed=args.seed,
                               matrix=args.matrix, progress=not args.no_progress)
        return 0
    from benchmarks.vrptw.bench import run_vrptw_bench

    folder = args.instances or instances_dir()
    try:
        run_vrptw_bench(args.suite, folder, engines, args.time_limit or 10.0, out_dir, jobs=args.jobs,
                        name_filter=args.instances_filter, seed=args.seed, progress=not args.no_progress)
    except FileNotFoundError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return 0
