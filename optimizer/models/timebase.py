"""The one place that converts between datetimes (API edge) and integer seconds (solver)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo


@dataclass(frozen=True)
class Timebase:
    """Integer solver time ``t`` stands for ``origin + t seconds``.

    Outputs are rendered in ``tz`` (the offset of the origin as given), so a problem written in
    +02:00 gets its answer in +02:00.
    """

    origin: datetime

    @property
    def tz(self) -> tzinfo:
        return self.origin.tzinfo  # type: ignore[return-value]

    def to_s(self, instant: datetime) -> int:
        """Seconds since origin, floored to an integer (instants are whole seconds in practice)."""
        return math.floor((instant - self.origin).total_seconds())

    def to_s_ceil(self, instant: datetime) -> int:
        return math.ceil((instant - self.origin).total_seconds())

    def to_datetime(self, seconds: int | float) -> datetime:
        return (self.origin + timedelta(seconds=float(seconds))).astimezone(self.tz)


def minutes_to_s(minutes: float) -> int:
    """Durations in minutes at the edge -> whole seconds inside (rounded up, never shorter)."""
    return int(math.ceil(round(minutes * 60.0, 6)))
