"""From the sample spreadsheets to every command (the real CLI's entry point, in-process): optimize
--problem-out, validate, report, export, replan and whatif with --technicians/--jobs; a
spreadsheet where a problem JSON is expected exits 2 naming the option, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from optimizer.io import load_problem_from_spreadsheets, read_table
from optimizer.models import Problem, Solution
from optimizer.validate import validate

ROOT = Path(__file__).resolve().parents[2]
TECHS, JOBS = str(ROOT / "data/samples/technicians.csv"), str(ROOT / "data/samples/jobs.xlsx")
SHEETS = ["--technicians", TECHS, "--jobs", JOBS]


def dispatch(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``dispatch ARGS`` run by the CLI's own ``main`` in this process, in folder ``cwd``."""
    import contextlib
    import io
    import os

    from optimizer.cli import main

    out, err, here = io.StringIO(), io.StringIO(), os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def planned(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("sheets")
    done = dispatch("optimize", *SHEETS, "--max-iterations", "200", "-o", "plan.json", "--problem-out", "problem.json", cwd=tmp)
    assert done.returncode == 0, done.stderr
    return tmp


def test_optimize_writes_the_problem_it_read(planned):
    written = Problem.model_validate_json((planned / "problem.json").read_text())
    read = load_problem_from_spreadsheets(TECHS, JOBS)
    assert written.technicians == read.technicians and written.jobs == read.jobs
    assert written.options.max_iterations == 200  # with the command line's overrides
    assert (len(written.technicians), len(written.jobs)) == (14, 120)
    plan = Solution.model_validate_json((planned / "plan.json").read_text())
    assert not validate(written, plan)


def test_validate_report_export_take_the_spreadsheets(planned):
    done = dispatch("validate", *SHEETS, "plan.json", cwd=planned)
    assert done.returncode == 0 and done.stdout.startswith("valid:"), done.stderr
    done = dispatch("report", "plan.json", *SHEETS, "-o", "report.html", cwd=planned)
    assert done.returncode == 0, done.stderr
    assert "J001" in (planned / "report.html").read_text()
    done = dispatch("export", "plan.json", *SHEETS, "--format", "xlsx", "-o", "stops.xlsx", cwd=planned)
    assert done.returncode == 0, done.stderr
    sheet = load_workbook(planned / "stops.xlsx").active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in r))) for r in sheet.iter_rows(min_row=2)]
    plan = Solution.model_validate_json((planned / "plan.json").read_text())
    assert sum(r["status"] == "assigned" for r in rows) == sum(len(r.stops) for r in plan.routes)
    assert sum(r["status"] == "drive_home" for r in rows) == sum(1 for r in plan.routes if r.stops)
    assert sum(r["status"] == "break" for r in rows) == sum(len(r.breaks) for r in plan.routes)
    assert all(r["priority"] is not None for r in rows if r["status"] == "assigned")  # job details from the sheets


@pytest.mark.parametrize("args, needle", [
    (["report", "plan.json", "--problem", JOBS], f"--problem {JOBS}: a spreadsheet, not a JSON file (a problem JSON is expected); give spreadsheets as --technicians FILE --jobs FILE"),
    (["validate", JOBS, "plan.json"], "PROBLEM"),
    (["validate", "plan.json"], "--technicians FILE --jobs FILE"),
    (["report", "plan.json"], "--problem"),
    (["report", "plan.json", "--technicians", TECHS], "missing --jobs"),
    (["report", "plan.json", "--problem", "problem.json", *SHEETS], "not both"),
    (["export", "plan.json", "--problem", TECHS], "--problem"),
])
def test_wrong_problem_forms_exit_2_naming_the_option(planned, args, needle, capsys, monkeypatch):
    from optimizer.cli import main

    monkeypatch.chdir(planned)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_replan_and_whatif_take_the_spreadsheets(planned):
    plan = Solution.model_validate_json((planned / "plan.json").read_text())
    first = plan.routes[0].stops[0]
    events = {"now": first.end.isoformat(), "events": [{"type": "job_completed", "job_id": first.job_id, "at": first.end.isoformat()}]}
    (planned / "events.json").write_text(json.dumps(events))
    os.environ["DISPATCH_PROGRESS_EVERY_S"] = "0"
    try:
        done = dispatch("replan", *SHEETS, "plan.json", "--events", "events.json", "--max-iterations", "200", "-o", "new.json",
                        "--answer-out", "answer.json", cwd=planned)
    finally:
        del os.environ["DISPATCH_PROGRESS_EVERY_S"]
    assert done.returncode == 0, done.stderr
    assert "solving: " in done.stderr and "iteration 200 of 200" in done.stderr  # progress of the re-plan's search
    answer = json.loads((planned / "answer.json").read_text())
    sources = {d["job_id"]: d["source"] for d in answer["state"]["completed"]}
    assert sources[first.job_id] == "event"
    ended = {s.job_id for r in plan.routes for s in r.stops if s.end <= first.end}
    assert set(sources) == ended  # the others that ended by then: from the plan
    assert not validate(Problem.model_validate(answer["problem"]), Solution.model_validate(answer["solution"]))
    done = dispatch("export", "answer.json", "--format", "csv", "-o", "answer.csv", cwd=planned)
    assert done.returncode == 0 and "done before now" in done.stdout, done.stderr
    rows = {r["job_id"]: r for r in read_table(planned / "answer.csv")[1] for r in [r.cells]}
    assert (rows[first.job_id]["status"], rows[first.job_id]["technician_id"]) == ("completed", plan.routes[0].technician_id)
    assert rows[first.job_id]["end"] == first.end.isoformat()  # the job_completed event's time
    (planned / "scenario.yaml").write_text("name: sheets\nvariants:\n  - name: one off\n    changes:\n      - {type: remove_technicians, ids: [T03]}\n")
    done = dispatch("whatif", "scenario.yaml", *SHEETS, "--time-limit", "0.3", "--workers", "1", "--no-progress", "-o", "whatif", cwd=planned)
    assert done.returncode == 0, done.stderr
    summary = json.loads((planned / "whatif/scenario_result.json").read_text())
    assert [r["name"] for r in summary["runs"]] == ["base", "one off"]
    assert summary["runs"][0]["kpis"]["jobs_total"] == 120
