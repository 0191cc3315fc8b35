"""Cost of the multi-day and durations-by-technician rules in search speed: iterations per second
of the native engine on the same problem with and without each rule, at a fixed iteration limit
(same seed), runs interleaved so that machine load hits both alike.

    nice -n 10 .venv/bin/python -m benchmarks.days_durations_speed [--iterations 3000] [--repeat 2]

Problems: the sample week (data/week/week_problem.json: 100 technician-shifts, 500 jobs) as given,
and with every duration made technician-independent (no service_factor, no
durations_by_technician); the one-day demo (data/demo_problem.json) as given and with
service_factor 1.3 on a third of its technicians. Each row: iterations / search_time_s, the
engine started from its own greedy insertion (no VROOM start, whose child process would count).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics

from optimizer.models import Problem
from optimizer.paths import DATA_DIR, REPO_ROOT
from optimizer.solve import solve


def _variants(iterations: int) -> dict[str, Problem]:
    week = json.loads((REPO_ROOT / "data" / "week" / "week_problem.json").read_text())
    demo = json.loads((DATA_DIR / "demo_problem.json").read_text())
    plain_week = json.loads(json.dumps(week))
    for t in plain_week["technicians"]:
        t.pop("service_factor", None)
    for j in plain_week["jobs"]:
        j.pop("durations_by_technician", None)
    slow_demo = json.loads(json.dumps(demo))
    for i, t in enumerate(slow_demo["technicians"]):
        if i % 3 == 0:
            t["service_factor"] = 1.3
    out = {}
    for name, data in (("week, durations by technician", week), ("week, same durations for all", plain_week),
                       ("demo day, service_factor on 1/3", slow_demo), ("demo day, as given", demo)):
        # no VROOM start (its child process would count as search time): the search alone is timed
        data["options"].update({"max_iterations": iterations, "time_limit_s": 600, "seed": 0, "candidates_per_job": 0,
                                "engine_params": {"vroom_from_jobs": 0}})
        out[name] = Problem.model_validate(data)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    problems = _variants(args.iterations)
    rates: dict[str, list[float]] = {name: [] for name in problems}
    served: dict[str, int] = {}
    for _ in range(args.repeat):
        for name, problem in problems.items():
            s = solve(problem)
            assert s.solver is not None and s.kpis is not None
            rates[name].append(s.solver.iterations / max(1e-9, s.solver.search_time_s or 0.0))
            served[name] = s.kpis.jobs_assigned
    print(f"load average {os.getloadavg()[0]:.1f}; {args.iterations} iterations; median of {args.repeat}")
    for name, values in rates.items():
        print(f"{name:<36} {statistics.median(values):>9.0f} it/s   served {served[name]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
