"""Cell parsers for the spreadsheet columns (docs/spreadsheets.md). Each raises ``ValueError``
with a sentence about the value; the caller adds file, row and column.

Instants: an ISO-8601 datetime with offset (``2026-11-24T08:00:00+02:00``); or a datetime without
offset plus the row's ``utc_offset``; or a clock time (``08:00``) plus the row's ``date`` and
``utc_offset``. Excel date/time cells are accepted the same way.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Optional

_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
PRIORITY_NAMES = ("urgent", "high", "normal", "low")


def parse_offset(value: Any) -> timezone:
    """``+02:00``, ``+2``, ``UTC+02:00``, ``Z``/``UTC`` (zero), or a number of hours."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return timezone(timedelta(hours=float(value)))
    text = str(value).strip()
    if text.upper() in ("Z", "UTC", "GMT"):
        return timezone.utc
    m = _OFFSET.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a UTC offset (write e.g. +02:00)")
    sign = 1 if m.group(1) == "+" else -1
    minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
    if minutes > 18 * 60:
        raise ValueError(f"{text!r} is not a UTC offset (at most 18 hours)")
    return timezone(sign * timedelta(minutes=minutes))


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a date (write YYYY-MM-DD)") from None


def parse_instant(value: Any, day: Optional[date], offset: Optional[timezone]) -> datetime:
    """An aware datetime from a cell (see the module docstring for the accepted forms)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, time):
        if day is None:
            raise ValueError(f"clock time {value:%H:%M} needs a date column")
        moment = datetime.combine(day, value)
    else:
        text = str(value).strip()
        clock = _CLOCK.match(text)
        if clock:
            if day is None:
                raise ValueError(f"clock time {text!r} needs a date column (or write a full datetime)")
            h, m, s = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
            if h > 24 or m > 59 or s > 59 or (h == 24 and (m or s)):
                raise ValueError(f"{text!r} is not a clock time")
            moment = datetime.combine(day, time(0)) + timedelta(hours=h, minutes=m, seconds=s)
        else:
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"{text!r} is not a datetime (write e.g. 2026-11-24T08:00:00+02:00, or 08:00 with date and utc_offset columns)") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        if offset is None:
            raise ValueError(f"{moment.isoformat()} has no UTC offset: add +HH:MM or a utc_offset column")
        moment = moment.replace(tzinfo=offset)
    return moment


def parse_number(value: Any, integer: bool = False, minimum: Optional[float] = None) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip()
        if text.count(",") == 1 and "." not in text:  # decimal comma (European spreadsheets)
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{value!r} is not a finite number")
    if integer and number != int(number):
        raise ValueError(f"{value!r} is not a whole number")
    if minimum is not None and number < minimum:
        raise ValueError(f"{value!r} is below {minimum:g}")
    return int(number) if integer else number


def parse_levels(value: Any, what: str) -> dict[str, int]:
    """``hvac:2; electrical`` -> ``{"hvac": 2, "electrical": 1}`` (``;`` or ``,`` between items;
    ``:`` or ``=`` before the level; no level = 1)."""
    out: dict[str, int] = {}
    for item in re.split(r"[;,]", str(value)):
        item = item.strip()
        if not item:
            continue
        name, sep, level = _split_level(item)
        if not name:
            raise ValueError(f"{item!r}: a {what} name is missing")
        if sep:
            try:
                n = int(level)
            except ValueError:
                raise ValueError(f"{item!r}: {what} amount {level!r} is not a whole number") from None
        else:
            n = 1
        if name in out:
            raise ValueError(f"{what} {name!r} appears twice")
        out[name] = n
    return out


def _split_level(item: str) -> tuple[str, str, str]:
    m = re.match(r"^(.*?)\s*([:=])\s*(.*)$", item)
    if m:
        return m.group(1).strip(), m.group(2), m.group(3).strip()
    return item.strip(), "", ""


def parse_list(value: Any) -> list[str]:
    """``T01; T02`` -> ``["T01", "T02"]`` (``;`` or ``,`` between items)."""
    return [x.strip() for x in re.split(r"[;,]", str(value)) if x.strip()]


def parse_priority(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in PRIORITY_NAMES:
        raise ValueError(f"{value!r} is not a priority (urgent, high, normal or low)")
    return text


def parse_id(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


_CLOCK_RANGE = re.compile(r"^(\d{1,2}:\d{2}(?::\d{2})?)\s*-\s*(\d{1,2}:\d{2}(?::\d{2})?)$")


def parse_windows(value: Any, day: Optional[date], offset: Optional[timezone]) -> list[tuple[datetime, datetime]]:
    """``08:00-12:00; 14:00-16:00``, or full datetimes joined by `` / `` (or `` - ``)."""
    out = []
    for item in str(value).split(";"):
        item = item.strip()
        if not item:
            continue
        clock = _CLOCK_RANGE.match(item)
        if clock:
            parts = [clock.group(1), clock.group(2)]
        elif "/" in item:
            parts = item.split("/")
        else:
            parts = item.split(" - ")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            raise ValueError(f"{item!r} is not a window (write 08:00-12:00, several separated by ;)")
        out.append((parse_instant(parts[0], day, offset), parse_instant(parts[1], day, offset)))
    return out


def parse_breaks(value: Any, day: Optional[date], offset: Optional[timezone]) -> list[tuple[datetime, datetime, float]]:
    """``11:00-12:30/30; 15:00-15:30/15``: (earliest start, latest start, minutes) per break."""
    out = []
    for item in str(value).split(";"):
        item = item.strip()
        if not item:
            continue
        window, sep, minutes = item.rpartition("/")
        if not sep or not window:
            raise ValueError(f"{item!r} is not a break (write earliest-latest/minutes, e.g. 11:00-12:30/30)")
        windows = parse_windows(window, day, offset)
        if len(windows) != 1:
            raise ValueError(f"{item!r} is not a break (write earliest-latest/minutes, e.g. 11:00-12:30/30)")
        earliest, latest = windows[0]
        out.append((earliest, latest, parse_number(minutes, minimum=0)))
    return out


def parse_durations(value: Any) -> dict[str, float]:
    """``T01:45; T02:60``: technician id -> service minutes (a number >= 0 each)."""
    out: dict[str, float] = {}
    for item in str(value).split(";"):
        item = item.strip()
        if not item:
            continue
        tid, sep, minutes = item.rpartition(":")
        tid = tid.strip()
        if not sep or not tid:
            raise ValueError(f"{item!r} is not technician:minutes (e.g. T01:45)")
        if tid in out:
            raise ValueError(f"technician {tid!r} is listed twice")
        out[tid] = parse_number(minutes.strip(), minimum=0)
    return out


def format_levels(levels: dict[str, int]) -> str:
    return "; ".join(name if n == 1 else f"{name}:{n}" for name, n in levels.items())
