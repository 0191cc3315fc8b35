"""`dispatch optimize`, `dispatch validate` and `dispatch demo` as a user runs them."""

import json
import subprocess
import sys
from pathlib import Path

from tests.factories import job, point, tech

DISPATCH = [sys.executable, "-m", "optimizer.cli"]


def _run(*args, **kw):
    return subprocess.run(DISPATCH + [str(a) for a in args], capture_output=True, text=True, timeout=120, **kw)


def _problem(tmp_path: Path) -> Path:
    data = {
        "technicians": [tech("a", ["hvac"]), tech("b", ["hvac"], loc=point(2, 2))],
        "jobs": [job(f"j{i}", loc=point(i, 0.5), skills=["hvac"]) for i in range(5)] + [job("nope", skills=["gas"])],
        "options": {"time_limit_s": 1, "matrix": "haversine"},
    }
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(data))
    return path


def test_optimize_then_validate(tmp_path):
    problem = _problem(tmp_path)
    out = tmp_path / "solution.json"
    run = _run("optimize", problem, "-o", out)
    assert run.returncode == 0, run.stderr
    solution = json.loads(out.read_text())
    routed = {s["job_id"] for r in solution["routes"] for s in r["stops"]}
    assert routed == {f"j{i}" for i in range(5)}
    assert solution["unassigned"] == [{"job_id": "nope", "reason": "no technician has skill gas", "code": "skill"}]
    assert "nope" in run.stdout and "jobs 5/6 assigned" in run.stdout  # the summary table
    check = _run("validate", problem, out)
    assert check.returncode == 0 and "no violations" in check.stdout


def test_validate_rejects_a_tampered_solution(tmp_path):
    problem = _problem(tmp_path)
    out = tmp_path / "solution.json"
    assert _run("optimize", problem, "-o", out).returncode == 0
    solution = json.loads(out.read_text())
    route = next(r for r in solution["routes"] if r["stops"])
    route["stops"].pop()  # a job silently lost
    out.write_text(json.dumps(solution))
    check = _run("validate", problem, out)
    assert check.returncode == 1
    assert "missing" in check.stdout


def test_optimize_to_stdout_is_json(tmp_path):
    run = _run("optimize", _problem(tmp_path))
    assert run.returncode == 0
    assert json.loads(run.stdout)["kpis"]["jobs_total"] == 6


def test_demo_writes_a_valid_plan(tmp_path):
    out = tmp_path / "demo.json"
    run = _run("demo", "-o", out, "--time-limit", "3")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "independent validator: no violations" in run.stdout
    solution = json.loads(out.read_text())
    assert solution["kpis"]["jobs_total"] == 120
