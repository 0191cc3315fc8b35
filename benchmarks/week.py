"""The sample week (issue 13): 20 technicians x 5 days, 500 jobs with crews, dependencies and
durations by technician, solved, validated and reported; then what each rule costs in search speed.

    python -m benchmarks.week [--problem data/week/week_problem.json] [--time-limit 60]
                              [--report out/week.html] [--iterations 1500] [--no-rule-cost]

Part 1 solves the week with the default engine within ``--time-limit`` (matrix built once before,
timed apart), checks the plan with the independent validator and prints the KPIs per day and for
the week; ``--report`` writes the HTML report (map and Gantt with a day selector).

Part 2 (unless ``--no-rule-cost``) runs the native engine for ``--iterations`` iterations on
variants of the same week and prints iterations per second of each: every rule switched off
(crews become one-technician jobs needing the lead's skills, dependencies and per-technician
durations dropped), each rule alone, and all of them. The machine is shared: read the ratios, and
the load printed with them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

WEEK_PROBLEM = Path(__file__).resolve().parent.parent / "data" / "week" / "week_problem.json"
"""The bundled sample week (``data/week/make_week.py``)."""


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f})"


def week_and_matrix(path: str, time_limit_s: float):
    """The week's Problem read from ``path`` (its ``options`` with ``time_limit_s``), its travel
    matrix (the problem's own source: the bundled road region) and the matrix build time, s."""
    from optimizer.geo.matrix import build_problem_matrix
    from optimizer.models import Problem

    problem = Problem.model_validate_json(Path(path).read_text(encoding="utf-8"))
    problem = problem.model_copy(update={"options": problem.options.model_copy(update={"time_limit_s": time_limit_s})})
    t0 = time.perf_counter()
    tm, points = build_problem_matrix(problem)
    return problem, tm, points, time.perf_counter() - t0


def variant(problem, crews: bool, dependencies: bool, durations: bool):
    """``problem`` with the named rules kept and the others switched off."""
    jobs = []
    for job in problem.jobs:
        changes: dict = {}
        if not crews and job.crew:
            changes.update(crew=[], skills=dict(job.crew[0].skills))
        if not dependencies and job.after:
            changes["after"] = []
        if not durations and job.durations_by_technician:
            changes["durations_by_technician"] = {}
        jobs.append(job.model_copy(update=changes) if changes else job)
    techs = problem.technicians if durations else [t.model_copy(update={"service_factor": 1.0}) for t in problem.technicians]
    return problem.model_copy(update={"jobs": jobs, "technicians": techs})


def rule_cost(problem, tm, points, iterations: int, repeat: int = 2) -> list[tuple[str, int, float, float]]:
    """(variant, iterations, median search s, median iterations/s) per variant: the native engine
    from its own greedy start (no VROOM start: its child process would count as search time) to
    an iteration limit, the variants interleaved ``repeat`` times so that machine load hits all."""
    from optimizer.solve import solve

    names = [("none of the three", False, False, False), ("crews only", True, False, False),
             ("dependencies only", False, True, False), ("durations by technician only", False, False, True),
             ("all three", True, True, True)]
    runs: dict[str, list[tuple[int, float]]] = {name: [] for name, *_ in names}
    for _ in range(repeat):
        for name, c, d, u in names:
            p = variant(problem, c, d, u)
            options = p.options.model_copy(update={"engine": "native", "max_iterations": iterations, "time_limit_s": 600.0,
                                                   "candidates_per_job": 0, "engine_params": {"vroom_from_jobs": 0}})
            info = solve(p.model_copy(update={"options": options}), tm, points).solver
            runs[name].append((info.iterations or 0, info.search_time_s or 0.0))
            its, secs = runs[name][-1]
            print(f"  {name:30s} {its:6d} it  {secs:6.1f} s  {its / secs if secs else 0:7.1f} it/s  ({_load()})", file=sys.stderr)
    rows = []
    for name, values in runs.items():
        secs = statistics.median(s for _, s in values)
        rate = statistics.median(i / s for i, s in values if s)
        rows.append((name, values[0][0], secs, rate))
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--problem", default=str(WEEK_PROBLEM), help="the week's problem JSON (default: the bundled sample week)")
    p.add_argument("--time-limit", type=float, default=60.0)
    p.add_argument("--report", help="write the HTML report here")
    p.add_argument("--iterations", type=int, default=1500, help="iteration limit of the rule-cost runs")
    p.add_argument("--repeat", type=int, default=2, help="interleaved rounds of the rule-cost runs (median reported)")
    p.add_argument("--no-rule-cost", action="store_true", help="skip part 2")
    args = p.parse_args(argv)

    from optimizer.kpis import compute_kpis
    from optimizer.solve import solve
    from optimizer.validate import validate

    problem, tm, points, build_s = week_and_matrix(args.problem, args.time_limit)
    crew_jobs = sum(1 for j in problem.jobs if j.crew)
    dep_jobs = sum(1 for j in problem.jobs if j.after)
    routes = sum(len(t.work_shifts()) for t in problem.technicians)
    print(f"week: {len(problem.technicians)} technicians, {routes} shifts, {len(problem.jobs)} jobs "
          f"({crew_jobs} crew, {dep_jobs} with a dependency); matrix {tm.source}, {tm.size} points, {build_s:.1f} s; {_load()}")
    t0 = time.perf_counter()
    solution = solve(problem, tm, points)
    wall = time.perf_counter() - t0
    violations = validate(problem, solution, tm, points)
    k = compute_kpis(problem, solution)
    info = solution.solver
    print(f"solve: {wall:.1f} s wall (limit {args.time_limit:.0f} s; search {info.search_time_s or 0:.1f} s, "
          f"compile {info.compile_time_s or 0:.1f} s, {info.iterations or 0} iterations), engine {info.engine}, {_load()}")
    print(f"validator: {len(violations)} violation(s)" + "".join(f"\n  {v}" for v in violations[:10]))
    crew_served = sum(1 for j in problem.jobs if j.crew and j.id not in {u.job_id for u in solution.unassigned})
    dep_served = sum(1 for j in problem.jobs if j.after and j.id not in {u.job_id for u in solution.unassigned})
    print(f"week: served {k.jobs_assigned}/{k.jobs_total} (crew jobs {crew_served}/{crew_jobs}, with a dependency "
          f"{dep_served}/{dep_jobs}); SLA breaches u/h/n/l "
          + "/".join(str(k.sla_breaches.get(x, 0)) for x in ("urgent", "high", "normal", "low"))
          + f"; travel {k.travel_time_s / 3600:.1f} h; utilisation {k.utilization_pct:.0f} %; workload sd {k.workload_stddev_min:.0f} min")
    print("| day | served | travel h | utilisation % | technicians | SLA breaches | workload max min | workload sd min |")
    print("|---|---|---|---|---|---|---|---|")
    for day, d in sorted(k.by_day.items()):
        print(f"| {day} | {d.jobs_assigned} | {d.travel_time_s / 3600:.1f} | {d.utilization_pct:.0f} | {d.technicians_used} | "
              f"{d.sla_breaches} | {d.workload_max_min:.0f} | {d.workload_stddev_min:.0f} |")
    reasons: dict[str, int] = {}
    for u in solution.unassigned:
        reasons[u.reason] = reasons.get(u.reason, 0) + 1
    for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  unserved x{count}: {reason}")
    if args.report:
        from optimizer.report.html import render_report, write_report

        path = write_report(render_report(problem, solution, title="Sample week"), args.report)
        print(f"report: {path}")
    if not args.no_rule_cost:
        print(f"rule cost: native engine, {args.iterations} iterations per variant", file=sys.stderr)
        rows = rule_cost(problem, tm, points, args.iterations, args.repeat)
        print("| variant | iterations | search s (median) | iterations/s (median) |")
        print("|---|---|---|---|")
        for name, its, s, rate in rows:
            print(f"| {name} | {its} | {s:.1f} | {rate:.0f} |")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
