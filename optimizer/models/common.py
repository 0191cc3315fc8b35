"""Shared value types of the public JSON contract: locations, time windows, priorities.

Conventions at the edge: datetimes are ISO-8601 *with* a UTC offset; coordinates are WGS84
degrees; durations are minutes where a name ends in ``_min`` and seconds where it ends in
``_s``; distances are metres (``_m``). IDs are strings.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Optional

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator


def _require_offset(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must carry a UTC offset, e.g. 2026-11-23T08:00:00+02:00")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_require_offset)]
"""A datetime that must carry a UTC offset (naive datetimes are rejected)."""


class StrictModel(BaseModel):
    """Base of every contract model: unknown fields are errors, not silent drops."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


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
