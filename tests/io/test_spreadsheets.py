"""Spreadsheet import (technicians and jobs tables -> Problem) and the stops export."""

from __future__ import annotations

import csv
from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook

from optimizer.io import (
    SpreadsheetError,
    export_solution,
    load_problem_from_spreadsheets,
    read_table,
    write_problem_spreadsheets,
)
from optimizer.models import Problem, Solution
from optimizer.paths import DATA_DIR
from tests import factories as f

SAMPLES = DATA_DIR / "samples"
DEMO_OPTIONS = {"time_limit_s": 10, "seed": 0, "candidates_per_job": 3}


@pytest.mark.parametrize("jobs_file", ["jobs.csv", "jobs.xlsx"])
def test_sample_files_are_the_demo_problem(jobs_file):
    demo = Problem.model_validate_json((DATA_DIR / "demo_problem.json").read_text())
    costs = demo.costs.model_dump() if demo.costs is not None else None  # problem-level rates: not in the tables
    problem = load_problem_from_spreadsheets(SAMPLES / "technicians.csv", SAMPLES / jobs_file, DEMO_OPTIONS, costs)
    assert problem == demo
    assert problem.technician("T02").cost_per_hour == 46 and problem.technician("T01").cost_per_hour is None
    assert problem.job("J001").reported_at.isoformat() == "2026-11-23T17:12:00+02:00"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_round_trip_through_spreadsheets(tmp_path, suffix):
    techs = [
        f.tech("A", skills={"hvac": 2, "gas": 1}, end_location=f.point(1, 1), max_jobs=4, parts={"filter": 2},
               breaks=[{"earliest_start": f.at(11), "latest_start": f.at(12.5), "duration_min": 45}],
               cost_per_hour=41.5, overtime_cost_per_hour=60, overtime_after_h=7.5, vehicle_cost_per_km=0.4, fixed_cost=20),
        f.tech("B", start=9, end=17.5),
    ]
    jobs = [
        f.job("1", duration_min=12.5, skills={"hvac": 2}, priority="urgent", sla_deadline=f.at(10.25),
              time_windows=[f.window(8, 9.5), f.window(13, 15)], parts={"filter": 1}, pinned_technician="A", reported_at=f.at(-3.5)),
        f.job("j2", preferred_technicians=["A", "B"], excluded_technicians=[], priority="low"),
        f.job("j3", excluded_technicians=["A"]),
    ]
    problem = f.problem(techs, jobs)
    t_path, j_path = write_problem_spreadsheets(problem, tmp_path / f"t{suffix}", tmp_path / f"j{suffix}")
    back = load_problem_from_spreadsheets(t_path, j_path, problem.options.model_dump())
    assert back == problem


def write_csv(path, rows):
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


TECH_HEADER = ["id", "date", "utc_offset", "shift_start", "shift_end", "lat", "lon", "skills"]
GOOD_TECH = ["T1", "2026-11-24", "+02:00", "08:00", "16:00", "60.17", "24.94", "hvac:2"]
JOB_HEADER = ["id", "lat", "lon", "duration_min", "priority", "sla_deadline", "windows", "date", "utc_offset", "pinned_technician"]
GOOD_JOB = ["J1", "60.171", "24.941", "30", "high", "12:00", "08:00-10:00; 13:00-14:00", "2026-11-24", "+02:00", ""]


def load(tmp_path, tech_rows, job_rows):
    t = write_csv(tmp_path / "techs.csv", tech_rows)
    j = write_csv(tmp_path / "jobs.csv", job_rows)
    return load_problem_from_spreadsheets(t, j)


def test_clock_times_with_date_and_offset(tmp_path):
    problem = load(tmp_path, [TECH_HEADER, GOOD_TECH], [JOB_HEADER, GOOD_JOB])
    job = problem.jobs[0]
    assert job.sla_deadline.isoformat() == "2026-11-24T12:00:00+02:00"
    assert [(w.start.hour, w.end.hour) for w in job.time_windows] == [(8, 10), (13, 14)]
    assert problem.technicians[0].skills == {"hvac": 2}


@pytest.mark.parametrize(
    "which, column, value, message",
    [
        ("job", "duration_min", "half an hour", "'half an hour' is not a number"),
        ("job", "priority", "asap", "'asap' is not a priority"),
        ("job", "lat", "95", "less than or equal to 90"),
        ("job", "windows", "8 to 10", "is not a window"),
        ("job", "id", "", "a value is required"),
        ("job", "pinned_technician", "T9", "unknown technician 'T9'"),
        ("tech", "shift_end", "07:00", "end is before start"),
        ("tech", "utc_offset", "CET", "'CET' is not a UTC offset"),
        ("tech", "skills", "hvac:two", "amount 'two' is not a whole number"),
        ("tech", "shift_start", "2026-11-24 08:00", None),  # naive datetime + utc_offset column: fine
    ],
)
def test_bad_cells_name_file_row_and_column(tmp_path, which, column, value, message):
    techs, jobs = [TECH_HEADER, GOOD_TECH, list(GOOD_TECH)], [JOB_HEADER, list(GOOD_JOB), list(GOOD_JOB)]
    techs[2][0], jobs[2][0] = "T2", "J2"
    table, header = (jobs, JOB_HEADER) if which == "job" else (techs, TECH_HEADER)
    table[2][header.index(column)] = value  # the second record = spreadsheet row 3
    if message is None:
        load(tmp_path, techs, jobs)
        return
    with pytest.raises(SpreadsheetError) as info:
        load(tmp_path, techs, jobs)
    err = info.value
    assert (err.file.endswith("jobs.csv" if which == "job" else "techs.csv"), err.row, err.column) == (True, 3, column)
    assert message in str(err)
    assert str(err).startswith(f"{err.file}, row 3, column {column}: ")


def test_header_errors(tmp_path):
    with pytest.raises(SpreadsheetError, match=r"techs.csv, row 1, column colour: unknown column"):
        load(tmp_path, [TECH_HEADER + ["colour"], GOOD_TECH + ["red"]], [JOB_HEADER, GOOD_JOB])
    with pytest.raises(SpreadsheetError, match=r"jobs.csv, row 1, column duration_min: required column is missing"):
        load(tmp_path, [TECH_HEADER, GOOD_TECH], [[c for c in JOB_HEADER if c != "duration_min"], GOOD_JOB[:3] + GOOD_JOB[4:]])
    with pytest.raises(SpreadsheetError, match=r"jobs.csv, row 3, column id: duplicate id 'J1' \(first on row 2\)"):
        load(tmp_path, [TECH_HEADER, GOOD_TECH], [JOB_HEADER, GOOD_JOB, GOOD_JOB])
    with pytest.raises(SpreadsheetError, match=r"row 2, column shift_start: clock time '08:00' needs a date column"):
        load(tmp_path, [["id", "shift_start", "shift_end", "lat", "lon"], ["T1", "08:00", "16:00", "60", "24"]], [JOB_HEADER, GOOD_JOB])


def test_xlsx_native_cells_and_errors(tmp_path):
    from datetime import datetime, time

    wb = Workbook()
    ws = wb.active
    ws.append(["id", "date", "utc_offset", "shift_start", "shift_end", "lat", "lon", "max_jobs"])
    ws.append(["T1", datetime(2026, 11, 24), "+01:00", time(8, 0), datetime(2026, 11, 24, 16, 30), 60.17, 24.94, 5])
    ws.append([7, datetime(2026, 11, 24), "+01:00", time(9, 0), time(17, 0), 60.17, 24.94, 2.5])
    wb.save(tmp_path / "techs.xlsx")
    jobs = write_csv(tmp_path / "jobs.csv", [["id", "lat", "lon", "duration_min"], ["J1", "60.17", "24.94", "10,5"]])
    with pytest.raises(SpreadsheetError, match=r"techs.xlsx, row 3, column max_jobs: 2.5 is not a whole number"):
        load_problem_from_spreadsheets(tmp_path / "techs.xlsx", jobs)
    ws.cell(3, 8).value = 2
    wb.save(tmp_path / "techs.xlsx")
    problem = load_problem_from_spreadsheets(tmp_path / "techs.xlsx", jobs)
    assert problem.technicians[0].shift.end.isoformat() == "2026-11-24T16:30:00+01:00"
    assert problem.technicians[1].id == "7" and problem.technicians[1].max_jobs == 2
    assert problem.jobs[0].duration_min == 10.5  # decimal comma


def test_unsupported_and_missing_files(tmp_path):
    with pytest.raises(SpreadsheetError, match="unsupported file type '.ods'"):
        read_table(tmp_path / "x.ods")
    with pytest.raises(SpreadsheetError, match="file not found"):
        read_table(tmp_path / "x.csv")
    (tmp_path / "broken.xlsx").write_text("not a zip")
    with pytest.raises(SpreadsheetError, match="not a readable .xlsx workbook"):
        read_table(tmp_path / "broken.xlsx")


def hand_solution(problem: Problem) -> Solution:
    return Solution.model_validate({
        "routes": [
            {"technician_id": "A", "start": f.at(8), "end": f.at(10), "travel_time_s": 1200, "distance_m": 9000,
             "return_travel_time_s": 200, "return_distance_m": 2000,
             "breaks": [{"start": f.at(9.6), "end": f.at(9.75)}],
             "stops": [
                 {"job_id": "j1", "arrival": f.at(8.25), "start": f.at(8.5), "end": f.at(9), "travel_time_s": 900,
                  "distance_m": 6000, "waiting_time_s": 900, "sla_met": False, "lateness_s": 600},
                 {"job_id": "j2", "arrival": f.at(9.1), "start": f.at(9.1), "end": f.at(9.6), "travel_time_s": 100, "distance_m": 1000},
             ]},
            {"technician_id": "B"},
        ],
        "unassigned": [{"job_id": "j3", "reason": "no technician has skill gas", "code": "skill"},
                       {"job_id": "j4", "reason": "already completed; not planned again", "code": "completed"}],
    })


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_one_row_per_stop_break_and_drive_home_then_unassigned(tmp_path, suffix):
    problem = f.problem([f.tech("A"), f.tech("B")], [f.job("j1", sla_deadline=f.at(8.8), priority="high"), f.job("j2"), f.job("j3"), f.job("j4")])
    path = export_solution(hand_solution(problem), tmp_path / f"stops{suffix}", problem)
    header, records = read_table(path)
    assert header[:4] == ["status", "technician_id", "stop", "job_id"]
    rows = [r.cells for r in records]
    assert [(r["status"], r["job_id"]) for r in rows] == [
        ("assigned", "j1"), ("assigned", "j2"), ("break", None), ("drive_home", None), ("unassigned", "j3"), ("completed", "j4")]
    first, brk, home = rows[0], rows[2], rows[3]
    assert str(first["stop"]) == "1" and str(first["sla_met"]) in ("False", "FALSE", "0") and int(first["lateness_s"]) == 600
    assert first["priority"] == "high" and float(first["service_min"]) == 30 and first["utc_offset"] == "+02:00"
    assert float(brk["service_min"]) == 9 and brk["technician_id"] == "A"
    assert (int(home["travel_time_s"]), int(home["distance_m"])) == (200, 2000)
    assert rows[4]["reason"] == "no technician has skill gas"
    if suffix == ".csv":
        assert first["start"] == f.at(8.5) and home["arrival"] == f.at(10) and first["sla_deadline"] == f.at(8.8)
    else:
        # Real Excel date-times (local wall-clock time of the +02:00 offset), not text.
        assert first["start"] == datetime(2026, 11, 24, 8, 30) and home["arrival"] == datetime(2026, 11, 24, 10, 0)
        assert brk["start"] == datetime(2026, 11, 24, 9, 36) and first["sla_deadline"] == datetime(2026, 11, 24, 8, 48)
        sheet = load_workbook(path).active
        assert sheet.title == "stops"
        assert sheet.cell(2, header.index("start") + 1).is_date and sheet.cell(2, header.index("start") + 1).number_format == "yyyy-mm-dd hh:mm:ss"


def test_windows_and_breaks_columns_with_negative_offsets(tmp_path):
    from optimizer.io import cells

    tz_minus5 = cells.parse_offset("-05:00")
    (w,) = cells.parse_windows("2026-11-24T08:00:00-05:00 / 2026-11-24T12:00:00-05:00", None, None)
    assert w[0].isoformat() == "2026-11-24T08:00:00-05:00" and w[1].hour == 12
    (w,) = cells.parse_windows("2026-11-24T08:00:00-05:00 - 2026-11-24T12:00:00-05:00", None, None)
    assert w[1].isoformat() == "2026-11-24T12:00:00-05:00"
    from datetime import date

    a, b = cells.parse_breaks("10:00-10:30/15; 2026-11-24T13:00:00-05:00 / 2026-11-24T14:00:00-05:00/30", date(2026, 11, 24), tz_minus5)
    assert (a[0].isoformat(), a[2]) == ("2026-11-24T10:00:00-05:00", 15) and b[2] == 30
    with pytest.raises(ValueError, match="is not a break"):
        cells.parse_breaks("10:00-10:30", None, tz_minus5)
    techs = write_csv(tmp_path / "techs.csv", [
        ["id", "date", "utc_offset", "shift_start", "shift_end", "lat", "lon", "breaks"],
        ["T1", "2026-11-24", "-05:00", "08:00", "17:00", "40.7", "-74.0", "10:00-10:30/15; 12:00-13:00/30"],
    ])
    jobs = write_csv(tmp_path / "jobs.csv", [["id", "lat", "lon", "duration_min"], ["J1", "40.71", "-74.01", "20"]])
    problem = load_problem_from_spreadsheets(techs, jobs)
    assert [b.duration_min for b in problem.technicians[0].breaks] == [15, 30]
    # and the writer round-trips several breaks
    t2, j2 = write_problem_spreadsheets(problem, tmp_path / "t2.xlsx", tmp_path / "j2.xlsx")
    assert load_problem_from_spreadsheets(t2, j2) == problem


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_crew_and_after_columns_round_trip(tmp_path, suffix):
    techs = [f.tech("A", skills={"electrical": 3}), f.tech("B")]
    jobs = [
        f.job("J1", crew=[{"skills": {"electrical": 3}}, {"skills": {}}]),
        f.job("J2", after=[{"job": "J1"}, {"job": "J3", "min_delay_min": 30, "max_delay_min": 120}]),
        f.job("J3", after=[{"job": "J1", "min_delay_min": 15}]),
    ]
    problem = f.problem(techs, jobs)
    t_path, j_path = write_problem_spreadsheets(problem, tmp_path / f"t{suffix}", tmp_path / f"j{suffix}")
    header, records = read_table(j_path)
    assert "crew" in header and "after" in header
    assert records[0].cells["crew"] == "electrical:3 | -"
    assert records[1].cells["after"] == "J1; J3:30-120"
    back = load_problem_from_spreadsheets(t_path, j_path, problem.options.model_dump())
    assert back == problem


@pytest.mark.parametrize("column, value, message", [
    ("after", "J9", "unknown job 'J9'"),
    ("after", "J1:soon", "the delay must be minutes"),
    ("crew", "hvac:x | -", "not a whole number"),
])
def test_bad_crew_and_after_cells_name_the_column(tmp_path, column, value, message):
    header = JOB_HEADER + ["crew", "after"]
    first = list(GOOD_JOB) + ["", ""]
    second = list(GOOD_JOB) + ["", ""]
    second[0] = "J2"
    second[header.index(column)] = value
    with pytest.raises(SpreadsheetError) as info:
        load(tmp_path, [TECH_HEADER, GOOD_TECH], [header, first, second])
    assert (info.value.row, info.value.column) == (3, column)
    assert message in str(info.value)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_round_trip_of_shifts_and_durations_by_technician(tmp_path, suffix):
    """A technician with two shifts is two rows (own hours, locations, breaks); service_factor and
    the jobs' durations column come back as they were."""
    home, hotel = f.point(0, 0), f.point(3, 2)
    week = {"id": "W", "skills": {"hvac": 2}, "start_location": home, "max_jobs": 5, "parts": {"filter": 2}, "service_factor": 1.25,
            "shifts": [{"start": f.at(8), "end": f.at(16), "start_location": home, "end_location": hotel,
                        "breaks": [{"earliest_start": f.at(11), "latest_start": f.at(12), "duration_min": 30}]},
                       {"start": f.at(32), "end": f.at(40), "start_location": hotel, "end_location": home, "breaks": []}]}
    jobs = [f.job("a", durations_by_technician={"W": 45, "B": 12.5}), f.job("b", time_windows=[f.window(33, 35)])]
    problem = f.problem([week, f.tech("B")], jobs)
    t_path, j_path = write_problem_spreadsheets(problem, tmp_path / f"t{suffix}", tmp_path / f"j{suffix}")
    back = load_problem_from_spreadsheets(t_path, j_path, problem.options.model_dump())
    assert back == problem
    assert len(read_table(t_path)[1]) == 3  # W twice, B once


def test_shift_rows_must_agree_on_the_technician_columns(tmp_path):
    techs = write_csv(tmp_path / "t.csv", [
        ["id", "date", "utc_offset", "shift_start", "shift_end", "lat", "lon", "skills", "service_factor"],
        ["W", "2026-11-24", "+02:00", "08:00", "16:00", "60.17", "24.94", "hvac:2", "1.5"],
        ["W", "2026-11-25", "+02:00", "08:00", "16:00", "60.18", "24.95", "", ""],
        ["W", "2026-11-26", "+02:00", "08:00", "16:00", "60.18", "24.95", "hvac:3", ""],
    ])
    jobs = write_csv(tmp_path / "j.csv", [["id", "lat", "lon", "duration_min", "durations"], ["a", "60.17", "24.94", "30", "W:20"]])
    with pytest.raises(SpreadsheetError) as exc:
        load_problem_from_spreadsheets(techs, jobs)
    assert "row 4" in str(exc.value) and "skills" in str(exc.value)
    ok = write_csv(tmp_path / "t2.csv", [
        ["id", "date", "utc_offset", "shift_start", "shift_end", "lat", "lon", "skills", "service_factor"],
        ["W", "2026-11-25", "+02:00", "08:00", "16:00", "60.18", "24.95", "", ""],
        ["W", "2026-11-24", "+02:00", "08:00", "16:00", "60.17", "24.94", "hvac:2", "1.5"],
    ])
    with pytest.raises(SpreadsheetError) as exc:  # the first row sets the technician columns
        load_problem_from_spreadsheets(ok, jobs)
    assert "row 3" in str(exc.value) and "skills" in str(exc.value)


def test_bad_durations_cell_names_the_column(tmp_path):
    techs = write_csv(tmp_path / "t.csv", [["id", "shift_start", "shift_end", "lat", "lon"],
                                           ["W", "2026-11-24T08:00:00+02:00", "2026-11-24T16:00:00+02:00", "60.17", "24.94"]])
    for cell, message in (("W=20", "technician:minutes"), ("X:20", "unknown technician 'X'"), ("W:abc", "not a number")):
        jobs = write_csv(tmp_path / "j.csv", [["id", "lat", "lon", "duration_min", "durations"], ["a", "60.17", "24.94", "30", cell]])
        with pytest.raises(SpreadsheetError) as exc:
            load_problem_from_spreadsheets(techs, jobs)
        assert "column durations" in str(exc.value) and message in str(exc.value), str(exc.value)
