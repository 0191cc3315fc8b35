"""`dispatch whatif`, `dispatch report`, `dispatch export` and `dispatch optimize` from
spreadsheets, run as a user runs them (subprocesses, real solves of small problems)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from optimizer.io import read_table
from optimizer.paths import DATA_DIR
from tests import factories as f

DISPATCH = [sys.executable, "-m", "optimizer.cli"]
SAMPLES = DATA_DIR / "samples"


def run(*args):
    return subprocess.run(DISPATCH + [str(a) for a in args], capture_output=True, text=True, timeout=180)


def small_problem(tmp_path: Path) -> Path:
    problem = f.problem(
        [f.tech("a", ["hvac"]), f.tech("b", ["hvac"], loc=f.point(2, 2)), f.tech("c", ["hvac"], loc=f.point(-1, 1))],
        [f.job(f"j{i}", loc=f.point(i - 2, 0.5), skills=["hvac"], sla_deadline=f.at(10 + i)) for i in range(6)],
        time_limit_s=1.0,
    )
    path = tmp_path / "problem.json"
    path.write_text(problem.model_dump_json())
    return path


def test_whatif_writes_table_solutions_and_report(tmp_path):
    small_problem(tmp_path)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: cli\nbase: problem.json\noptions: {time_limit_s: 1, candidates_per_job: 0}\nvariants:\n"
        "  - {name: one off sick, changes: [{type: remove_technicians, ids: [b]}]}\n"
        "  - {name: slow traffic, changes: [{type: speed_factor, factor: 1.5}]}\n"
    )
    out = tmp_path / "out"
    done = run("whatif", scenario, "-o", out, "--workers", "2")
    assert done.returncode == 0, done.stderr
    assert "base + 2 variant(s), 2 worker(s)" in done.stdout
    header = next(line for line in done.stdout.splitlines() if line.startswith("KPI"))
    assert header.split() == ["KPI", "base", "one", "off", "sick", "slow", "traffic"]
    assert "solving" in done.stderr  # the progress bar
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([
        "00-base.problem.json", "00-base.solution.json", "01-one-off-sick.problem.json", "01-one-off-sick.solution.json",
        "02-slow-traffic.problem.json", "02-slow-traffic.solution.json", "comparison.md", "report.html", "scenario_result.json",
    ])
    summary = json.loads((out / "scenario_result.json").read_text())
    assert [r["name"] for r in summary["runs"]] == ["base", "one off sick", "slow traffic"]
    assert summary["deltas"]["technicians_total"] == {"one off sick": -1, "slow traffic": 0}
    slow = json.loads((out / "02-slow-traffic.problem.json").read_text())
    assert slow["options"]["speed_factor"] == 1.5


def test_whatif_bad_scenario_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("base: nowhere.json\nvariants: [{name: x}]\n")
    done = run("whatif", bad, "-o", tmp_path / "out")
    assert done.returncode == 2 and "cannot read" in done.stderr and "nowhere.json" in done.stderr


def test_report_and_export(tmp_path):
    problem = small_problem(tmp_path)
    solution = tmp_path / "solution.json"
    assert run("optimize", problem, "-o", solution).returncode == 0
    html = tmp_path / "plan.html"
    done = run("report", solution, "--problem", problem, "-o", html)
    assert done.returncode == 0, done.stderr
    page = html.read_text()
    assert page.startswith("<!DOCTYPE html>") and "report-data" in page
    # Nothing to fetch: no src/href/link, and url(...) only for in-page fragments (the SVG hatch pattern).
    assert "src=" not in page and "href=" not in page and "<link" not in page
    assert re.findall(r"url\((?!#)", page) == [] and "url(#late-hatch)" in page
    data = json.loads(page.split('<script id="report-data" type="application/json">')[1].split("</script>")[0])
    assert data["map"]["source"] == "straight" and len(data["plans"][0]["routes"]) == 3
    for fmt in ("csv", "xlsx"):
        target = tmp_path / f"stops.{fmt}"
        done = run("export", solution, "--format", fmt, "-o", target, "--problem", problem)
        assert done.returncode == 0, done.stderr
        _, records = read_table(target)
        assert sorted(r.cells["job_id"] for r in records if r.cells["job_id"] is not None) == [f"j{i}" for i in range(6)]
        assert {r.cells["status"] for r in records if r.cells["job_id"] is None} <= {"break", "drive_home"}
    done = run("export", solution, "--format", "xlsx", "-o", tmp_path / "stops.csv")
    assert done.returncode == 2 and "--format xlsx" in done.stderr
    default = run("export", solution)
    assert default.returncode == 0 and (tmp_path / "solution.csv").is_file()


def test_optimize_from_sample_spreadsheets(tmp_path):
    out = tmp_path / "solution.json"
    done = run("optimize", "--technicians", SAMPLES / "technicians.csv", "--jobs", SAMPLES / "jobs.xlsx",
               "--time-limit", "1", "--matrix", "haversine", "-o", out)
    assert done.returncode == 0, done.stderr
    solution = json.loads(out.read_text())
    routed = sum(len(r["stops"]) for r in solution["routes"])
    assert routed + len(solution["unassigned"]) == 120 and len(solution["routes"]) == 14
