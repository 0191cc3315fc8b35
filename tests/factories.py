"""Small problem builders for tests: readable dictionaries in, validated Problems out."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from optimizer.models import Problem

TZ = timezone(timedelta(hours=2))
DAY = datetime(2026, 11, 24, tzinfo=TZ)
ORIGIN = {"lat": 60.1699, "lon": 24.9384}


def at(hours: float) -> str:
    """ISO instant ``hours`` after midnight of the test day (+02:00)."""
    return (DAY + timedelta(minutes=round(hours * 60))).isoformat()


def point(dx_km: float = 0.0, dy_km: float = 0.0) -> dict:
    """A point ``dx_km`` east and ``dy_km`` north of the origin (Helsinki centre)."""
    return {"lat": round(ORIGIN["lat"] + dy_km / 111.2, 6), "lon": round(ORIGIN["lon"] + dx_km / 55.4, 6)}


def tech(tid: str, skills: Any = None, start: float = 8, end: float = 16, loc: Optional[dict] = None, **extra) -> dict:
    data = {
        "id": tid,
        "skills": skills if skills is not None else {},
        "shift": {"start": at(start), "end": at(end)},
        "start_location": loc or point(),
    }
    data.update(extra)
    return data


def job(jid: str, loc: Optional[dict] = None, duration_min: float = 30, skills: Any = None, **extra) -> dict:
    data = {"id": jid, "location": loc or point(1, 1), "duration_min": duration_min, "skills": skills or {}}
    data.update(extra)
    return data


def window(start: float, end: float) -> dict:
    return {"start": at(start), "end": at(end)}


def problem(techs: list[dict], jobs: list[dict], time_limit_s: float = 1.0, **options) -> Problem:
    opts = {"time_limit_s": time_limit_s, "matrix": "haversine"}
    opts.update(options)
    return Problem.model_validate({"technicians": techs, "jobs": jobs, "options": opts})
