"""Builders for problems on a hand-given (explicit) travel matrix.

Locations are matrix indices, so every travel time in a test is a number written in the test,
not something a geo module computed. Times are hours after midnight of the test day (+02:00),
as in :mod:`tests.factories`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from optimizer.models import Problem
from tests.factories import at


def loc(index: int) -> dict:
    return {"index": index}


def tech(tid: str, start_index: int = 0, start: float = 8, end: float = 16, skills: Any = None, **extra) -> dict:
    data = {"id": tid, "skills": skills or {}, "shift": {"start": at(start), "end": at(end)}, "start_location": loc(start_index)}
    data.update(extra)
    return data


def job(jid: str, index: int, duration_min: float = 30, **extra) -> dict:
    data = {"id": jid, "location": loc(index), "duration_min": duration_min}
    data.update(extra)
    return data


def window(start: float, end: float) -> dict:
    return {"start": at(start), "end": at(end)}


def brk(earliest: float, latest: float, duration_min: float) -> dict:
    return {"earliest_start": at(earliest), "latest_start": at(latest), "duration_min": duration_min}


def problem(durations: list[list[int]], techs: list[dict], jobs: list[dict], engine: str = "ortools",
            time_limit_s: float = 0.5, weights: Optional[dict] = None, now: Optional[float] = None,
            distances: Optional[list[list[int]]] = None, **options) -> Problem:
    opts: dict[str, Any] = {
        "matrix": "explicit",
        "explicit_matrix": {"durations_s": durations, **({"distances_m": distances} if distances is not None else {})},
        "engine": engine,
        "time_limit_s": time_limit_s,
        "candidates_per_job": 0,
    }
    if weights:
        opts["weights"] = weights
    opts.update(options)
    data: dict[str, Any] = {"technicians": techs, "jobs": jobs, "options": opts}
    if now is not None:
        data["now"] = at(now)
    return Problem.model_validate(data)


def instant(hours: float) -> datetime:
    return datetime.fromisoformat(at(hours))


def uniform(n: int, travel_s: int) -> list[list[int]]:
    """``n`` points, every pair ``travel_s`` apart."""
    return [[0 if a == b else travel_s for b in range(n)] for a in range(n)]
