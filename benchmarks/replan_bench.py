"""Re-plan latency: 50 technicians x 400 jobs, one urgent job arrives, re-plan.

The day's plan is solved once; then, for each trial, the state is advanced to a mid-morning
instant (jobs done, in progress, dispatched as planned) and one urgent job with a tight SLA
arrives at a random place. Prints one row per trial and a summary with the median and p95 of
the wall time of ``replan`` (events applied, heads fixed, seeded search, diff), whether the urgent
job met its SLA, and the size of ``changes[]`` (all, and those caused by the event: the rest is
the search improving the plan on its own). Target: p95 under 2 s.

    .venv/bin/python -m benchmarks.replan_bench --techs 50 --jobs 400 --trials 10
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.simulated_day import advance, day_problem, replan_violations  # noqa: E402
from data.generate_demo import DAY, _point  # noqa: E402
from optimizer.models import Job, Problem  # noqa: E402
from optimizer.replan import NewJob, ReplanOptions, replan  # noqa: E402
from optimizer.solve import solve  # noqa: E402


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--techs", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=400)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--time-limit", type=float, default=1.0, help="re-plan search time, s (default 1)")
    parser.add_argument("--initial-time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--validate", action="store_true", help="also run the validator on every answer")
    args = parser.parse_args(argv)

    data = day_problem(args.seed, args.techs, args.jobs)
    data["options"].update({"matrix": "haversine", "time_limit_s": args.initial_time_limit, "candidates_per_job": 0})
    problem = Problem.model_validate(data)
    t0 = time.perf_counter()
    plan = solve(problem)
    print(f"day plan: {args.techs} technicians x {args.jobs} jobs, solved in {time.perf_counter() - t0:.1f} s, "
          f"{plan.kpis.jobs_assigned} assigned")
    rng = random.Random(args.seed)
    options = ReplanOptions(time_limit_s=args.time_limit)
    latencies, rows = [], []
    print(f"{'trial':>5}{'now':>7}{'latency s':>11}{'urgent tech':>13}{'sla met':>9}{'changes':>9}{'by event':>10}{'violations':>12}")
    for trial in range(args.trials):
        now = DAY + timedelta(hours=9 + 4 * trial / max(1, args.trials - 1))
        state = advance(problem, plan, now, freeze_min=20)
        urgent = Job(id=f"URGENT{trial}", location=_point(rng), duration_min=30, skills={"electrical": 1},
                     priority="urgent", sla_deadline=now + timedelta(minutes=90))
        t0 = time.perf_counter()
        result = replan(state, plan, [NewJob(job=urgent)], options)
        latency = time.perf_counter() - t0
        latencies.append(latency)
        where = {s.job_id: (r.technician_id, s) for r in result.solution.routes for s in r.stops}
        tech, stop = where.get(urgent.id, (None, None))
        bad = len(replan_violations(result)) if args.validate else "-"
        rows.append((stop is not None and stop.sla_met, len(result.changes)))
        caused = sum(1 for c in result.changes if c.cause is not None)
        print(f"{trial:>5}" + f"{now:%H:%M}".rjust(7) + f"{latency:>11.2f}{tech or '-':>13}{str(stop.sla_met if stop else None):>9}{len(result.changes):>9}{caused:>10}{bad:>12}")
    q = sorted(latencies)
    p95 = q[min(len(q) - 1, int(round(0.95 * (len(q) - 1))))]
    print(f"\nre-plan latency over {len(q)} trials: median {statistics.median(q):.2f} s, p95 {p95:.2f} s, max {q[-1]:.2f} s "
          f"(search time limit {args.time_limit:g} s); urgent SLA met {sum(1 for m, _ in rows if m)}/{len(rows)}; "
          f"changes per re-plan: median {statistics.median(c for _, c in rows):g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
