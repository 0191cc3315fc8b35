"""Spreadsheets <-> Problem: a technicians table and a jobs table (CSV or XLSX).

The columns are documented in docs/spreadsheets.md and listed in :data:`TECHNICIAN_COLUMNS` and
:data:`JOB_COLUMNS` (name -> one-line description; required ones in :data:`TECHNICIAN_REQUIRED`
and :data:`JOB_REQUIRED`). Column names are case-insensitive; unknown columns are an error (a
typo should not silently drop data). Every error names the file, the row (header = row 1) and
the column, also for rules checked on the whole problem (an unknown pinned technician names the
jobs file, the job's row and ``pinned_technician``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Optional

from pydantic import ValidationError

from optimizer.io import cells
from optimizer.io.table import PathLike, Record, SpreadsheetError, read_table, write_table
from optimizer.models import Job, Problem, Technician

TECHNICIAN_COLUMNS: dict[str, str] = {
    "id": "Technician id (text, unique).",
    "shift_start": "Shift start: datetime with offset, or HH:MM with date and utc_offset.",
    "shift_end": "Shift end (same forms as shift_start).",
    "lat": "Start (depot/home) latitude, WGS84 degrees.",
    "lon": "Start longitude, WGS84 degrees.",
    "end_lat": "End latitude when the day ends elsewhere (default: the start).",
    "end_lon": "End longitude (with end_lat).",
    "skills": "Skills with levels, e.g. 'hvac:2; electrical' (no level = 1).",
    "break_earliest": "Earliest start of the break (lunch).",
    "break_latest": "Latest start of the break.",
    "break_min": "Break length, minutes (break_* go together).",
    "breaks": "Several breaks instead: 'earliest-latest/minutes; ...', e.g. '11:00-12:30/30; 15:00-15:30/15'.",
    "max_jobs": "Most jobs in the day (whole number; per shift when the technician has several rows).",
    "parts": "Van stock, e.g. 'filter-A:2; valve-B:1' (per shift: restocked between shifts).",
    "service_factor": "Service-time multiplier of this technician, e.g. 1.25 for a junior (default 1).",
    "cost_per_hour": "Labour cost per paid hour, currency/h (default: the problem's costs).",
    "overtime_cost_per_hour": "Labour cost per overtime hour, currency/h.",
    "overtime_after_h": "Paid hours at the regular rate before overtime, h.",
    "vehicle_cost_per_km": "Vehicle cost per kilometre driven, currency/km.",
    "fixed_cost": "Fixed cost when the technician is used, currency.",
    "date": "Day (YYYY-MM-DD) for HH:MM times in this row.",
    "utc_offset": "UTC offset (e.g. +02:00) for times without one in this row.",
}
MONEY_COLUMNS = ("cost_per_hour", "overtime_cost_per_hour", "overtime_after_h", "vehicle_cost_per_km", "fixed_cost")
"""Technician columns with the same name as the model field (numbers >= 0)."""
SHARED_COLUMNS = ("skills", "parts", "max_jobs", "service_factor", *MONEY_COLUMNS)
"""Columns of a technician that several rows (one per shift) must repeat or leave empty."""
_SHARED_FIELDS = {"skills": "skills", "parts": "parts", "max_jobs": "max_jobs", "service_factor": "service_factor",
                  **{c: c for c in MONEY_COLUMNS}}
TECHNICIAN_REQUIRED = ("id", "shift_start", "shift_end", "lat", "lon")

JOB_COLUMNS: dict[str, str] = {
    "id": "Job id (text, unique).",
    "lat": "Latitude, WGS84 degrees.",
    "lon": "Longitude, WGS84 degrees.",
    "duration_min": "Service duration, minutes.",
    "skills": "Required skills with minimum levels, e.g. 'network:2'.",
    "priority": "urgent, high, normal (default) or low.",
    "window_start": "Start of the time window in which service must start.",
    "window_end": "End of that window (window_* go together).",
    "windows": "Several windows instead: '08:00-10:00; 14:00-16:00'.",
    "sla_deadline": "Service should end by this instant (soft).",
    "reported_at": "When the customer reported the job (start of the response time).",
    "parts": "Parts needed, e.g. 'filter-A:2'.",
    "pinned_technician": "Only this technician may do the job.",
    "preferred_technicians": "Preferred technicians, e.g. 'T01; T04' (soft).",
    "excluded_technicians": "Never these technicians.",
    "durations": "Service minutes by technician, overriding duration_min and service_factor, e.g. 'T01:45; T02:60'.",
    "crew": "Crew job: one entry per technician needed at once, separated by '|', each that member's skills or '-' for "
            "none, e.g. 'electrical:3 | -' (an electrician level 3 and a helper).",
    "after": "Jobs to finish first, e.g. 'J1; J2:30; J3:30-120' (job id, then optional minimum delay or min-max delay, minutes).",
    "date": "Day (YYYY-MM-DD) for HH:MM times in this row.",
    "utc_offset": "UTC offset (e.g. +02:00) for times without one in this row.",
}
JOB_REQUIRED = ("id", "lat", "lon", "duration_min")

# Model field (as pydantic reports it) -> the column to blame.
_TECH_FIELD_COLUMN = {
    "id": "id", "skills": "skills", "shift": "shift_end", "start_location": "lat", "end_location": "end_lat",
    "breaks": "break_earliest", "max_jobs": "max_jobs", "parts": "parts", "shifts": "shift_start",
    "service_factor": "service_factor", **{c: c for c in MONEY_COLUMNS},
}
_JOB_FIELD_COLUMN = {
    "id": "id", "location": "lat", "duration_min": "duration_min", "skills": "skills", "priority": "priority",
    "time_windows": "window_start", "sla_deadline": "sla_deadline", "reported_at": "reported_at", "parts": "parts",
    "pinned_technician": "pinned_technician", "preferred_technicians": "preferred_technicians",
    "excluded_technicians": "excluded_technicians", "durations_by_technician": "durations", "crew": "crew", "after": "after",
}


class _Row:
    """One record with cell accessors that raise :class:`SpreadsheetError` naming the cell."""

    def __init__(self, file: str, record: Record):
        self.file, self.record = file, record
        self.day = self.get("date", cells.parse_date)
        self.offset = self.get("utc_offset", cells.parse_offset)

    def error(self, column: Optional[str], message: str) -> SpreadsheetError:
        return SpreadsheetError(self.file, self.record.row, column, message)

    def raw(self, column: str) -> Any:
        return self.record.cells.get(column)

    def get(self, column: str, parse: Callable[[Any], Any], required: bool = False) -> Any:
        value = self.raw(column)
        if value is None:
            if required:
                raise self.error(column, "a value is required")
            return None
        try:
            return parse(value)
        except ValueError as exc:
            raise self.error(column, str(exc)) from None

    def instant(self, column: str, required: bool = False):
        return self.get(column, lambda v: cells.parse_instant(v, self.day, self.offset), required)

    def together(self, *columns: str) -> bool:
        """True when all ``columns`` are filled, False when none; an error otherwise."""
        filled = [c for c in columns if self.raw(c) is not None]
        if filled and len(filled) != len(columns):
            missing = [c for c in columns if c not in filled]
            raise self.error(missing[0], f"{', '.join(columns)} go together: {missing[0]} is empty")
        return bool(filled)


def _number(minimum: Optional[float] = None, integer: bool = False) -> Callable[[Any], float]:
    return lambda v: cells.parse_number(v, integer=integer, minimum=minimum)


def _check_header(file: str, header: list[str], known: dict[str, str], required: tuple[str, ...]) -> None:
    for name in header:
        if name not in known:
            raise SpreadsheetError(file, 1, name, f"unknown column (known: {', '.join(known)})")
    for name in required:
        if name not in header:
            raise SpreadsheetError(file, 1, name, "required column is missing")


def _validate_row(row: _Row, model, data: dict, field_column: dict[str, str]):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [p for p in err["loc"] if isinstance(p, str)]
        column = field_column.get(loc[0]) if loc else None
        if loc[:2] == ["shift", "start"]:
            column = "shift_start"
        raise row.error(column, err["msg"].removeprefix("Value error, ")) from None


def technician_from_row(row: _Row) -> Technician:
    """One technician from its row (see :data:`TECHNICIAN_COLUMNS`)."""
    data: dict[str, Any] = {
        "id": row.get("id", cells.parse_id, required=True),
        "shift": {"start": row.instant("shift_start", True), "end": row.instant("shift_end", True)},
        "start_location": {"lat": row.get("lat", _number(), True), "lon": row.get("lon", _number(), True)},
        "skills": row.get("skills", lambda v: cells.parse_levels(v, "skill")) or {},
        "parts": row.get("parts", lambda v: cells.parse_levels(v, "part")) or {},
    }
    if row.together("end_lat", "end_lon"):
        data["end_location"] = {"lat": row.get("end_lat", _number()), "lon": row.get("end_lon", _number())}
    breaks = []
    if row.together("break_earliest", "break_latest", "break_min"):
        breaks.append((row.instant("break_earliest"), row.instant("break_latest"), row.get("break_min", _number(minimum=0))))
    breaks += row.get("breaks", lambda v: cells.parse_breaks(v, row.day, row.offset)) or []
    if breaks:
        data["breaks"] = [{"earliest_start": a, "latest_start": b, "duration_min": m} for a, b, m in breaks]
    max_jobs = row.get("max_jobs", _number(minimum=0, integer=True))
    if max_jobs is not None:
        data["max_jobs"] = max_jobs
    factor = row.get("service_factor", _number(minimum=0))
    if factor is not None:
        data["service_factor"] = factor
    for column in MONEY_COLUMNS:
        value = row.get(column, _number(minimum=0))
        if value is not None:
            data[column] = value
    return _validate_row(row, Technician, data, _TECH_FIELD_COLUMN)


def job_from_row(row: _Row) -> Job:
    """One job from its row (see :data:`JOB_COLUMNS`)."""
    data: dict[str, Any] = {
        "id": row.get("id", cells.parse_id, required=True),
        "location": {"lat": row.get("lat", _number(), True), "lon": row.get("lon", _number(), True)},
        "duration_min": row.get("duration_min", _number(minimum=0), True),
        "skills": row.get("skills", lambda v: cells.parse_levels(v, "skill")) or {},
        "parts": row.get("parts", lambda v: cells.parse_levels(v, "part")) or {},
        "priority": row.get("priority", cells.parse_priority) or "normal",
    }
    windows = []
    if row.together("window_start", "window_end"):
        windows.append((row.instant("window_start"), row.instant("window_end")))
    windows += row.get("windows", lambda v: cells.parse_windows(v, row.day, row.offset)) or []
    data["time_windows"] = [{"start": a, "end": b} for a, b in windows]
    for column in ("sla_deadline", "reported_at"):
        moment = row.instant(column)
        if moment is not None:
            data[column] = moment
    pinned = row.get("pinned_technician", cells.parse_id)
    if pinned:
        data["pinned_technician"] = pinned
    for column in ("preferred_technicians", "excluded_technicians"):
        data[column] = row.get(column, cells.parse_list) or []
    data["durations_by_technician"] = row.get("durations", cells.parse_durations) or {}
    crew = row.get("crew", _parse_crew)
    if crew:
        data["crew"] = crew
    after = row.get("after", _parse_after)
    if after:
        data["after"] = after
    return _validate_row(row, Job, data, _JOB_FIELD_COLUMN)


def _parse_crew(value: Any) -> list[dict]:
    """``electrical:3 | -`` -> ``[{"skills": {"electrical": 3}}, {"skills": {}}]``."""
    members = []
    for part in str(value).split("|"):
        part = part.strip()
        members.append({"skills": {} if part in ("", "-") else cells.parse_levels(part, "skill")})
    return members


def _parse_after(value: Any) -> list[dict]:
    """``J1; J2:30; J3:30-120`` -> dependencies (minimum, or minimum-maximum delay in minutes)."""
    out = []
    for item in re.split(r"[;,]", str(value)):
        item = item.strip()
        if not item:
            continue
        jid, sep, delay = item.partition(":")
        dep: dict[str, Any] = {"job": jid.strip()}
        if sep:
            lo, dash, hi = delay.partition("-")
            try:
                dep["min_delay_min"] = float(lo) if lo.strip() else 0.0
                if dash:
                    dep["max_delay_min"] = float(hi)
            except ValueError:
                raise ValueError(f"{item!r}: the delay must be minutes, 'min' or 'min-max' (e.g. J1:30-120)") from None
        out.append(dep)
    return out


def _format_crew(job: Job) -> Optional[str]:
    return " | ".join(cells.format_levels(m.skills) or "-" for m in job.crew) or None


def _format_after(job: Job) -> Optional[str]:
    items = []
    for d in job.after:
        text = d.job
        if d.max_delay_min is not None:
            text += f":{d.min_delay_min:g}-{d.max_delay_min:g}"
        elif d.min_delay_min:
            text += f":{d.min_delay_min:g}"
        items.append(text)
    return "; ".join(items) or None


def _read_records(path: PathLike, known: dict[str, str], required: tuple[str, ...], parse) -> tuple[list, list[int]]:
    file = str(path)
    header, records = read_table(path)
    _check_header(file, header, known, required)
    items: list = []
    rows: list[int] = []
    seen: dict = {}
    for record in records:
        row = _Row(file, record)
        item = parse(row)
        if item.id in seen:
            raise row.error("id", f"duplicate id {item.id!r} (first on row {seen[item.id]})")
        seen[item.id] = record.row
        items.append(item)
        rows.append(record.row)
    return items, rows


def _read_technicians(path: PathLike) -> tuple[list[Technician], list[int]]:
    """Technicians, one row per shift: rows sharing an id are the shifts of one technician (in
    time order), which then repeat the :data:`SHARED_COLUMNS` or leave them empty."""
    file = str(path)
    header, records = read_table(path)
    _check_header(file, header, TECHNICIAN_COLUMNS, TECHNICIAN_REQUIRED)
    groups: dict[str, list[tuple[_Row, Technician]]] = {}
    for record in records:
        row = _Row(file, record)
        tech = technician_from_row(row)
        groups.setdefault(tech.id, []).append((row, tech))
    techs: list[Technician] = []
    rows: list[int] = []
    for tid, group in groups.items():
        first_row, first = group[0]
        rows.append(first_row.record.row)
        if len(group) == 1:
            techs.append(first)
            continue
        for row, tech in group[1:]:
            for column in SHARED_COLUMNS:
                field = _SHARED_FIELDS[column]
                if row.raw(column) is not None and getattr(tech, field) != getattr(first, field):
                    raise row.error(column, f"technician {tid!r} has several rows (one per shift): {column} must repeat "
                                            f"row {first_row.record.row}'s value or be empty")
        shifts: list[dict[str, Any]] = []
        for row, tech in sorted(group, key=lambda rt: rt[1].one_shift.start):
            assert tech.shift is not None
            shifts.append({"start": tech.shift.start, "end": tech.shift.end, "start_location": tech.start_location.model_dump(),
                           "end_location": tech.end_location.model_dump() if tech.end_location is not None else None,
                           "breaks": [b.model_dump() for b in tech.breaks]})
        data = first.model_dump(exclude={"shift", "breaks", "end_location"})
        data["shifts"] = shifts
        try:
            techs.append(Technician.model_validate(data))
        except ValidationError as exc:
            raise first_row.error("shift_start", f"the rows of technician {tid!r} (one per shift): "
                                  + exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
    return techs, rows


def read_technicians(path: PathLike) -> list[Technician]:
    return _read_technicians(path)[0]


def read_jobs(path: PathLike) -> list[Job]:
    return _read_records(path, JOB_COLUMNS, JOB_REQUIRED, job_from_row)[0]


def load_problem_from_spreadsheets(technicians_path: PathLike, jobs_path: PathLike, options: Optional[dict] = None,
                                   costs: Optional[dict] = None) -> Problem:
    """A Problem from a technicians table and a jobs table (``.csv`` or ``.xlsx`` each),
    ``options`` (a partial :class:`~optimizer.models.Options` object; default options when None)
    and ``costs`` (the problem's default rates and currency, :class:`~optimizer.models.costs.CostRates`;
    none when None: like options, they are not part of the tables).

    Raises :class:`SpreadsheetError` (a ``ValueError``) naming file, row and column."""
    techs, tech_rows = _read_technicians(technicians_path)
    jobs, job_rows = _read_records(jobs_path, JOB_COLUMNS, JOB_REQUIRED, job_from_row)
    if not techs:
        raise SpreadsheetError(str(technicians_path), None, None, "no technician rows")
    try:
        return Problem.model_validate({
            "technicians": [t.model_dump(exclude_none=True) for t in techs],
            "jobs": [j.model_dump() for j in jobs],
            "options": options or {},
            **({"costs": costs} if costs is not None else {}),
        })
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        if len(loc) >= 2 and loc[0] in ("technicians", "jobs") and isinstance(loc[1], int):
            is_tech = loc[0] == "technicians"
            file = str(technicians_path if is_tech else jobs_path)
            row = (tech_rows if is_tech else job_rows)[loc[1]]
            field = next((p for p in loc[2:] if isinstance(p, str)), None)
            column = (_TECH_FIELD_COLUMN if is_tech else _JOB_FIELD_COLUMN).get(field or "", field)
            raise SpreadsheetError(file, row, column, err["msg"]) from None
        raise SpreadsheetError("options", None, ".".join(map(str, loc)), err["msg"]) from None


# -- writing -------------------------------------------------------------------------------------

def _iso(moment) -> Optional[str]:
    return None if moment is None else moment.isoformat()


def technician_rows(problem: Problem) -> tuple[list[str], list[list[Any]]]:
    """The technicians table of a problem (one break in the break_* columns, several in ``breaks``;
    a technician with several shifts gets one row per shift)."""
    columns = ["id", "shift_start", "shift_end", "lat", "lon", "end_lat", "end_lon", "skills",
               "break_earliest", "break_latest", "break_min", "breaks", "max_jobs", "parts", "service_factor", *MONEY_COLUMNS]
    rows = []
    for t in problem.technicians:
        for shift in t.work_shifts():
            start, end = shift.start_location, shift.end_location
            if start is None or start.lat is None or end is None:
                raise ValueError(f"technician {t.id}: the spreadsheet form needs lat/lon locations")
            same_end = t.shifts is None and t.end_location is None
            brk = shift.breaks[0] if len(shift.breaks) == 1 else None
            several = "; ".join(f"{_iso(b.earliest_start)} / {_iso(b.latest_start)}/{b.duration_min:g}" for b in shift.breaks) \
                if len(shift.breaks) > 1 else None
            rows.append([
                t.id, _iso(shift.start), _iso(shift.end), start.lat, start.lon,
                None if same_end else end.lat, None if same_end else end.lon, cells.format_levels(t.skills) or None,
                _iso(brk.earliest_start) if brk else None, _iso(brk.latest_start) if brk else None,
                brk.duration_min if brk else None, several, t.max_jobs,
                "; ".join(f"{k}:{v}" for k, v in t.parts.items()) or None,
                t.service_factor if t.service_factor != 1.0 else None, *(getattr(t, c) for c in MONEY_COLUMNS),
            ])
    return columns, rows


def job_rows(problem: Problem) -> tuple[list[str], list[list[Any]]]:
    """The jobs table of a problem (windows in the ``windows`` column as full datetimes)."""
    columns = ["id", "lat", "lon", "duration_min", "skills", "priority", "windows", "sla_deadline", "reported_at", "parts",
               "pinned_technician", "preferred_technicians", "excluded_technicians", "durations", "crew", "after"]
    rows = []
    for j in problem.jobs:
        if j.location.lat is None:
            raise ValueError(f"job {j.id}: the spreadsheet form needs lat/lon locations")
        rows.append([
            j.id, j.location.lat, j.location.lon, j.duration_min, cells.format_levels(j.skills) or None,
            j.priority.value, "; ".join(f"{_iso(w.start)} / {_iso(w.end)}" for w in j.time_windows) or None,
            _iso(j.sla_deadline), _iso(j.reported_at), "; ".join(f"{k}:{v}" for k, v in j.parts.items()) or None,
            j.pinned_technician, "; ".join(j.preferred_technicians) or None, "; ".join(j.excluded_technicians) or None,
            "; ".join(f"{k}:{v:g}" for k, v in j.durations_by_technician.items()) or None,
            _format_crew(j), _format_after(j),
        ])
    return columns, rows


def write_problem_spreadsheets(problem: Problem, technicians_path: PathLike, jobs_path: PathLike) -> tuple[Path, Path]:
    """Write a problem's technicians and jobs tables (CSV or XLSX by file name); options are not
    part of the tables."""
    return (
        write_table(technicians_path, *technician_rows(problem), sheet="technicians"),
        write_table(jobs_path, *job_rows(problem), sheet="jobs"),
    )
