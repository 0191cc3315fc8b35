"""Shared value types of the public JSON contract: locations, time windows, priorities.

Conventions at the edge: datetimes are ISO-8601 *with* a UTC offset; coordinates are WGS84
degrees; durations are minutes where a name ends in ``_min`` and seconds where it ends in
``_s``; distances are metres (``_m``). IDs are strings.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Optional

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_SAFE_INT = 2**53 - 1
"""Largest integer a contract field accepts (the largest integer every JSON client can represent
exactly). Larger values are refused with a field-level error instead of overflowing the solver."""

MAX_TABLE_INT = 10**9
"""Largest integer value in an id -> integer table (part quantities, skill levels): sums over
thousands of jobs stay far inside the solver's 64-bit integers."""


def _require_offset(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must carry a UTC offset, e.g. 2026-11-23T08:00:00+02:00")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_require_offset)]
"""A datetime that must carry a UTC offset (naive datetimes are rejected)."""


def _short(value: int) -> str:
    text = str(value)
    return text if len(text) <= 24 else f"{text[:6]}...({len(text)} digits)"


class StrictModel(BaseModel):
    """Base of every contract model: unknown fields are errors, not silent drops."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)
    """``allow_inf_nan=False``: NaN and +-Infinity (which JSON does not have, but Python's json
    module writes and reads) are refused in every float field with "Input should be a finite
    number", naming the field."""

    @field_validator("*", mode="after")
    @classmethod
    def _bounded_integers(cls, value):
        """Integers beyond :data:`MAX_SAFE_INT` (or :data:`MAX_TABLE_INT` as values of an
        id -> integer table such as ``parts``) are refused, never passed on to overflow."""
        if isinstance(value, int) and not isinstance(value, bool):
            if abs(value) > MAX_SAFE_INT:
                raise ValueError(f"must be at most {MAX_SAFE_INT} in absolute value (2^53 - 1), got {_short(value)}")
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_TABLE_INT:
                    raise ValueError(f"{key}: must be at most {MAX_TABLE_INT}, got {_short(item)}")
        return value


class Location(StrictModel):
    """A WGS84 point, or an index into a caller-supplied (``explicit``) matrix.

    ``lat``/``lon`` are required for the ``road`` and ``haversine`` matrix sources; ``index``
    is required for the ``explicit`` source (row/column of ``options.explicit_matrix``).
    """

    lat: Optional[float] = Field(None, ge=-90, le=90, description="Latitude, WGS84 degrees.")
    lon: Optional[float] = Field(None, ge=-180, le=180, description="Longitude, WGS84 degrees.")
    index: Optional[int] = Field(
        None, ge=0, description="Row/column in options.explicit_matrix (explicit source only)."
    )

    @model_validator(mode="after")
    def _lat_lon_together(self) -> "Location":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must be given together")
        if self.lat is None and self.index is None:
            raise ValueError("a location needs lat/lon or an explicit-matrix index")
        return self

    def key(self) -> tuple:
        """Hashable identity used to deduplicate matrix points."""
        return (self.lat, self.lon, self.index)


class TimeWindow(StrictModel):
    """A closed interval ``[start, end]`` of instants; ``end`` must not precede ``start``."""

    start: AwareDatetime = Field(..., description="First instant of the window, ISO-8601 with UTC offset.")
    end: AwareDatetime = Field(..., description="Last instant of the window (inclusive), ISO-8601 with UTC offset; not before start.")

    @model_validator(mode="after")
    def _ordered(self) -> "TimeWindow":
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


class Priority(str, Enum):
    """Job priority; drives both the penalty for leaving a job unserved and SLA lateness cost."""

    urgent = "urgent"
    high = "high"
    normal = "normal"
    low = "low"


PRIORITIES: tuple[Priority, ...] = (Priority.urgent, Priority.high, Priority.normal, Priority.low)


def plan_reference_errors(problem, plan) -> list[tuple[tuple, str]]:
    """Where ``plan`` (a Solution) names a technician or job that ``problem`` does not have,
    or plans a job twice: ``[(location in the plan, message), ...]``, e.g.
    ``(("routes", 0, "stops", 2, "job_id"), "unknown job 'J9' (not in problem.jobs)")``. Empty
    when every reference resolves. Used at the edges (API, CLI) before a plan is handed to the
    library's recommendation and re-plan code."""
    techs = {t.id for t in problem.technicians}
    jobs = {j.id for j in problem.jobs}
    crew_size = {j.id: max(1, len(j.crew)) for j in problem.jobs}
    errors: list[tuple[tuple, str]] = []
    seen: dict[str, tuple] = {}
    times: dict[str, int] = {}
    routed_techs: set[str] = set()
    for i, route in enumerate(plan.routes):
        if route.technician_id not in techs:
            errors.append((("routes", i, "technician_id"), f"unknown technician {route.technician_id!r} (not in problem.technicians)"))
        elif route.technician_id in routed_techs:
            errors.append((("routes", i, "technician_id"), f"technician {route.technician_id!r} has two routes"))
        routed_techs.add(route.technician_id)
        for j, stop in enumerate(route.stops):
            loc = ("routes", i, "stops", j, "job_id")
            if stop.job_id not in jobs:
                errors.append((loc, f"unknown job {stop.job_id!r} (not in problem.jobs)"))
            elif stop.job_id in seen and times[stop.job_id] >= crew_size[stop.job_id]:
                errors.append((loc, f"job {stop.job_id!r} is planned twice" if crew_size[stop.job_id] == 1
                               else f"crew job {stop.job_id!r} is planned more than {crew_size[stop.job_id]} times"))
            seen.setdefault(stop.job_id, loc)
            times[stop.job_id] = times.get(stop.job_id, 0) + 1
    for k, item in enumerate(getattr(plan, "unassigned", None) or []):
        if item.job_id not in jobs:
            errors.append((("unassigned", k, "job_id"), f"unknown job {item.job_id!r} (not in problem.jobs)"))
    return errors
