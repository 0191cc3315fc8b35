"""Bad input on the command line: every command exits 2 with one line naming the file (and the
field), never a traceback; 1 only for a failed validation; ``dispatch --version``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import job, point, tech

DISPATCH = [sys.executable, "-m", "optimizer.cli"]


def _run(*args, cwd=None):
    return subprocess.run(DISPATCH + [str(a) for a in args], capture_output=True, text=True, timeout=180, cwd=cwd)


def _problem(**options) -> dict:
    return {
        "technicians": [tech("a", ["hvac"]), tech("b", ["hvac"], loc=point(2, 2))],
        "jobs": [job(f"j{i}", loc=point(i, 0.5), skills=["hvac"]) for i in range(3)],
        "options": {"time_limit_s": 0.5, "matrix": "haversine", **options},
    }


def _write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def _assert_bad_input(run, *needles):
    assert run.returncode == 2, (run.returncode, run.stdout, run.stderr)
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout
    lines = [line for line in run.stderr.splitlines() if line.strip() and not line.startswith("note:")]
    assert lines, run.stderr
    for needle in needles:
        assert needle in run.stderr, (needle, run.stderr)
    return lines


def test_version():
    run = _run("--version")
    assert run.returncode == 0 and run.stdout.startswith("dispatch ")


@pytest.mark.parametrize("command", [
    ["optimize", "{missing}"],
    ["validate", "{missing}", "{missing}"],
    ["report", "{missing}", "--problem", "{missing}"],
    ["export", "{missing}"],
    ["replan", "{missing}", "{missing}", "{missing}"],
    ["whatif", "{missing}"],
    ["matrix", "{missing}"],
])
def test_a_missing_file_is_exit_2_for_every_command(tmp_path, command):
    missing = tmp_path / "nope.json"
    run = _run(*[str(missing) if c == "{missing}" else c for c in command])
    lines = _assert_bad_input(run, "nope.json")
    assert len(lines) == 1, lines


def test_outside_region_names_the_field_and_no_server_path(tmp_path):
    data = _problem(matrix="road")
    data["jobs"][0]["location"] = {"lat": 48.85, "lon": 2.35}  # Paris, not in the Helsinki extract
    run = _run("optimize", _write(tmp_path, "p.json", data))
    _assert_bad_input(run, "p.json", "options.region", "outside the road region")
    assert "site-packages" not in run.stderr


def test_missing_region_file(tmp_path):
    run = _run("optimize", _write(tmp_path, "p.json", _problem(matrix="road", region=str(tmp_path / "gone.osm.pbf"))))
    _assert_bad_input(run, "p.json", "options.region", "gone.osm.pbf")


def test_corrupt_pbf_in_optimize_and_matrix(tmp_path):
    pbf = tmp_path / "broken.osm.pbf"
    pbf.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all" * 50)
    run = _run("optimize", _write(tmp_path, "p.json", _problem(matrix="road", region=str(pbf))))
    _assert_bad_input(run, "broken.osm.pbf", "not a readable OpenStreetMap extract")
    locations = _write(tmp_path, "locs.json", [{"lat": 60.17, "lon": 24.94}, {"lat": 60.18, "lon": 24.95}])
    run = _run("matrix", locations, "--region", pbf)
    _assert_bad_input(run, "broken.osm.pbf", "not a readable OpenStreetMap extract")


@pytest.mark.parametrize("field, value, needle", [
    ("weights", {"travel_time_per_s": 1e300}, "options.weights.travel_time_per_s"),
    ("speed_factor", "NaN", "options.speed_factor: Input should be a finite number"),
    ("explicit", float("inf"), "explicit_matrix"),
])
def test_numeric_extremes_and_nan(tmp_path, field, value, needle):
    if field == "explicit":
        data = _problem(matrix="explicit", explicit_matrix={"durations_s": [[0, 1e17], [5, 0]]})
        data["technicians"] = data["technicians"][:1]
        data["technicians"][0]["start_location"] = {"index": 0}
        data["jobs"] = data["jobs"][:1]
        data["jobs"][0]["location"] = {"index": 1}
        text = json.dumps(data)
    else:
        data = _problem()
        data["options"][field] = value
        text = json.dumps(data).replace('"NaN"', "NaN")
    run = _run("optimize", _write(tmp_path, "p.json", text))
    _assert_bad_input(run, "p.json", needle)


def test_huge_integers(tmp_path):
    data = _problem()
    data["technicians"][0]["max_jobs"] = 10**30
    data["technicians"][1]["parts"] = {"fuse": 2**63}
    run = _run("optimize", _write(tmp_path, "p.json", data))
    _assert_bad_input(run, "p.json: technicians.0.max_jobs", "p.json: technicians.1.parts: fuse: must be at most")


def test_xlsx_where_json_is_expected(tmp_path):
    from openpyxl import Workbook

    book = tmp_path / "plan.xlsx"
    Workbook().save(book)
    run = _run("optimize", book)
    lines = _assert_bad_input(run, "plan.xlsx", "not a JSON file")
    assert len(lines) == 1


TECHS_CSV = "id,skills,shift_start,shift_end,lat,lon\n张伟,电工,2026-11-24T08:00:00+02:00,2026-11-24T16:00:00+02:00,60.17,24.94\n"
JOBS_CSV = "id,lat,lon,duration_min,skills\n维修1,60.171,24.941,30,电工\n维修2,60.175,24.95,20,\n"


def test_gb18030_csv_is_detected(tmp_path):
    techs, jobs = tmp_path / "技师.csv", tmp_path / "工单.csv"
    techs.write_bytes(TECHS_CSV.encode("gb18030"))
    jobs.write_bytes(JOBS_CSV.encode("gb18030"))
    out = tmp_path / "s.json"
    run = _run("optimize", "--technicians", techs, "--jobs", jobs, "--matrix", "haversine", "--time-limit", "0.5", "-o", out)
    assert run.returncode == 0, run.stderr
    assert "GB18030" in run.stderr
    solution = json.loads(out.read_text(encoding="utf-8"))
    assert {s["job_id"] for r in solution["routes"] for s in r["stops"]} == {"维修1", "维修2"}


def test_other_encodings_need_the_option(tmp_path):
    techs, jobs = tmp_path / "techs.csv", tmp_path / "jobs.csv"
    techs.write_bytes(TECHS_CSV.replace("张伟", "José").replace("电工", "élec").encode("cp1252"))
    jobs.write_bytes(JOBS_CSV.replace("维修", "tâche").replace("电工", "élec").encode("cp1252"))
    run = _run("optimize", "--technicians", techs, "--jobs", jobs, "--matrix", "haversine", "--time-limit", "0.5")
    lines = _assert_bad_input(run, "techs.csv", "not UTF-8", "--encoding")
    assert len(lines) == 1
    run = _run("optimize", "--technicians", techs, "--jobs", jobs, "--encoding", "cp1252", "--matrix", "haversine", "--time-limit", "0.5")
    assert run.returncode == 0, run.stderr
    assert "tâche1" in run.stdout
    run = _run("optimize", "--technicians", techs, "--jobs", jobs, "--encoding", "klingon")
    _assert_bad_input(run, "--encoding klingon: unknown text encoding")


def test_failed_validation_is_exit_1(tmp_path):
    problem = _write(tmp_path, "p.json", _problem())
    out = tmp_path / "s.json"
    assert _run("optimize", problem, "-o", out).returncode == 0
    solution = json.loads(out.read_text())
    next(r for r in solution["routes"] if r["stops"])["stops"].pop()
    out.write_text(json.dumps(solution))
    assert _run("validate", problem, out).returncode == 1


@pytest.mark.parametrize("command", [
    ["optimize", "{bad}"],
    ["validate", "{ok}", "{bad}"],
    ["report", "{bad}", "--problem", "{ok}"],
    ["export", "{bad}"],
    ["replan", "{ok}", "{solution}", "{bad}"],
    ["whatif", "{bad}"],
    ["matrix", "{bad}"],
])
@pytest.mark.parametrize("kind", ["xlsx", "latin1", "binary"])
def test_wrong_file_formats_are_one_line_naming_the_file(tmp_path, command, kind):
    from openpyxl import Workbook

    ok = _write(tmp_path, "ok.json", _problem())
    solution = tmp_path / "solution.json"
    assert _run("optimize", ok, "-o", solution).returncode == 0
    bad = tmp_path / f"bad-{kind}.json"
    if kind == "xlsx":
        Workbook().save(bad)
    elif kind == "latin1":
        bad.write_bytes(json.dumps(_problem()).replace('"a"', '"Åsa"').encode("utf-8").decode("utf-8").encode("latin-1"))
    else:
        bad.write_bytes(bytes(range(256)) * 4)
    names = {"{ok}": ok, "{bad}": bad, "{solution}": solution}
    run = _run(*[names.get(c, c) for c in command])
    lines = _assert_bad_input(run, bad.name)
    assert len(lines) == 1, lines


def test_shift_and_shifts_together_exit_2_naming_the_field(tmp_path):
    data = _problem()
    data["technicians"][1]["shifts"] = [{"start": data["technicians"][1]["shift"]["start"], "end": data["technicians"][1]["shift"]["end"]}]
    run = _run("optimize", _write(tmp_path, "p.json", data))
    _assert_bad_input(run, "technicians.1", "shift or shifts")
    data["technicians"][1].pop("shift")
    data["jobs"][0]["durations_by_technician"] = {"zz": 10}
    run = _run("optimize", _write(tmp_path, "p.json", data))
    _assert_bad_input(run, "jobs.0.durations_by_technician.zz", "unknown technician 'zz'")
