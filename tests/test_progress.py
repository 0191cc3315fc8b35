"""Progress of a long solve: the library callback (native engine, between chunks) and the
CLI's stderr lines (quiet with --quiet); over HTTP: tests/api/test_progress_api.py."""

from __future__ import annotations

import re

from optimizer.models import Problem
from optimizer.progress import SolveProgress
from optimizer.solve import solve
from optimizer.solvers.budget import Budget
from optimizer.validate import validate
from tests import factories as f


def _problem(max_iterations: int = 600) -> Problem:
    jobs = [f.job(f"j{i}", loc=f.point((i % 6) - 2.5, (i // 6) - 1.5), duration_min=20) for i in range(24)]
    return f.problem([f.tech("A"), f.tech("B", loc=f.point(2, 1))], jobs, time_limit_s=30, max_iterations=max_iterations,
                     candidates_per_job=0)


def test_solve_reports_between_chunks():
    seen: list[SolveProgress] = []
    problem = _problem()
    solution = solve(problem, progress=seen.append)
    assert not validate(problem, solution)
    # With an iteration limit the native engine runs chunks of 200 iterations: 3 reports.
    assert [p.iterations for p in seen] == [200, 400, 600]
    assert all(p.max_iterations == 600 and p.time_limit_s == 30 and p.jobs_total == 24 for p in seen)
    assert all(0 < p.jobs_served <= 24 for p in seen)
    assert [p.elapsed_s for p in seen] == sorted(p.elapsed_s for p in seen)
    assert seen[-1].best_objective <= seen[0].best_objective  # the best only improves
    again = solve(problem)  # the hook changes nothing (same seed and iteration limit)
    assert [[x.job_id for x in r.stops] for r in again.routes] == [[x.job_id for x in r.stops] for r in solution.routes]


def test_budget_share_keeps_the_hook():
    calls = []
    budget = Budget.of(10, None, lambda *a: calls.append(a))
    budget.share(0.5).report(3, 1.5, 2)
    Budget.of(10).report(1, 1.0, 1)  # no hook: nothing
    assert calls == [(3, 1.5, 2)]


LINE = re.compile(r"^solving: ([\d.]+) s / 30 s \| iteration ([\d,]+) of 600 \| (\d+)/(\d+) jobs served \| best objective ([\d,.]+)$")


def _dispatch(*args: str) -> tuple[int, str]:
    """(exit code, stderr) of the CLI's own ``main`` in this process."""
    import contextlib
    import io

    from optimizer.cli import main

    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, err.getvalue()


def test_cli_prints_progress_on_stderr_unless_quiet(tmp_path, monkeypatch):
    path = tmp_path / "p.json"
    path.write_text(_problem().model_dump_json())
    monkeypatch.setenv("DISPATCH_PROGRESS_EVERY_S", "0")
    code, err = _dispatch("optimize", str(path), "-o", str(tmp_path / "s.json"))
    assert code == 0, err
    lines = [LINE.match(x) for x in err.splitlines() if x.startswith("solving:")]
    assert [m.group(2) for m in lines if m] == ["200", "400", "600"], err
    assert all(m and m.group(4) == "24" for m in lines)
    code, err = _dispatch("optimize", str(path), "--quiet", "-o", str(tmp_path / "q.json"))
    assert code == 0 and "solving:" not in err
