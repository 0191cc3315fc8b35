"""Write the sample spreadsheets (technicians.csv, jobs.csv, jobs.xlsx) from data/demo_problem.json,
in the planner-friendly form of docs/spreadsheets.md: a date and a utc_offset column, clock times.

Run: .venv/bin/python data/samples/make_samples.py
"""

from __future__ import annotations

from pathlib import Path

from optimizer.io import write_table
from optimizer.io.cells import format_levels
from optimizer.models import Problem

HERE = Path(__file__).resolve().parent


def clock(moment) -> str:
    return f"{moment:%H:%M}"


def offset(moment) -> str:
    text = moment.strftime("%z")
    return f"{text[:3]}:{text[3:]}"


def main() -> None:
    problem = Problem.model_validate_json((HERE.parent / "demo_problem.json").read_text())
    tech_cols = ["id", "date", "utc_offset", "shift_start", "shift_end", "lat", "lon", "skills",
                 "break_earliest", "break_latest", "break_min", "max_jobs", "parts", "cost_per_hour"]
    techs = []
    for t in problem.technicians:
        b = t.breaks[0] if t.breaks else None
        techs.append([
            t.id, t.shift.start.date().isoformat(), offset(t.shift.start), clock(t.shift.start), clock(t.shift.end),
            t.start_location.lat, t.start_location.lon, format_levels(t.skills) or None,
            clock(b.earliest_start) if b else None, clock(b.latest_start) if b else None, b.duration_min if b else None,
            t.max_jobs, "; ".join(f"{k}:{v}" for k, v in t.parts.items()) or None, t.cost_per_hour,
        ])
    write_table(HERE / "technicians.csv", tech_cols, techs)
    job_cols = ["id", "date", "utc_offset", "lat", "lon", "duration_min", "skills", "priority", "windows",
                "sla_deadline", "reported_at", "parts", "pinned_technician", "preferred_technicians", "excluded_technicians"]
    jobs = []
    for j in problem.jobs:
        day = (j.time_windows[0].start if j.time_windows else problem.technicians[0].shift.start)
        jobs.append([
            j.id, day.date().isoformat(), offset(day), j.location.lat, j.location.lon, j.duration_min,
            format_levels(j.skills) or None, j.priority.value,
            "; ".join(f"{clock(w.start)}-{clock(w.end)}" for w in j.time_windows) or None,
            clock(j.sla_deadline) if j.sla_deadline else None,
            (clock(j.reported_at) if j.reported_at.date() == day.date() else j.reported_at.isoformat()) if j.reported_at else None,
            "; ".join(f"{k}:{v}" for k, v in j.parts.items()) or None, j.pinned_technician,
            "; ".join(j.preferred_technicians) or None, "; ".join(j.excluded_technicians) or None,
        ])
    write_table(HERE / "jobs.csv", job_cols, jobs)
    write_table(HERE / "jobs.xlsx", job_cols, jobs, sheet="jobs")


if __name__ == "__main__":
    main()
