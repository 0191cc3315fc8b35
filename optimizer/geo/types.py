"""The matrix types shared by every matrix source (:mod:`optimizer.geo.matrix`,
:mod:`optimizer.geo.haversine`, :mod:`optimizer.geo.road`) and the solver: :class:`TravelMatrix`
and :class:`PointIndex`. Kept apart from the builders so that the sources import the types without
importing the module that dispatches to them. ``optimizer.geo.matrix`` re-exports both."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from optimizer.models.common import Location


@dataclass
class TravelMatrix:
    """Integer travel durations (s) and distances (m) between points; see module docstring."""

    durations_s: np.ndarray
    distances_m: np.ndarray
    source: str
    snap_distances_m: Optional[np.ndarray] = None
    warnings: list[str] = field(default_factory=list)
    build_time_s: float = 0.0

    def __post_init__(self) -> None:
        self.durations_s = np.asarray(self.durations_s, dtype=np.int64)
        self.distances_m = np.asarray(self.distances_m, dtype=np.int64)
        n = self.durations_s.shape[0]
        if self.durations_s.shape != (n, n) or self.distances_m.shape != (n, n):
            raise ValueError("durations_s and distances_m must be square and of the same size")

    @property
    def size(self) -> int:
        return int(self.durations_s.shape[0])

    def scaled(self, speed_factor: float) -> "TravelMatrix":
        """Travel times multiplied by ``speed_factor`` (>1 = slower traffic); distances unchanged."""
        if speed_factor == 1.0:
            return self
        return TravelMatrix(
            np.rint(self.durations_s * speed_factor).astype(np.int64),
            self.distances_m.copy(),
            self.source,
            self.snap_distances_m,
            list(self.warnings),
            self.build_time_s,
        )


class PointIndex:
    """Deduplicated points of a problem; ``index_of(location)`` gives the matrix row."""

    def __init__(self, locations: Sequence[Location]):
        self.points: list[Location] = []
        self._by_key: dict[tuple, int] = {}
        for location in locations:
            self.add(location)

    def add(self, location: Location) -> int:
        key = location.key()
        if key not in self._by_key:
            self._by_key[key] = len(self.points)
            self.points.append(location)
        return self._by_key[key]

    def index_of(self, location: Location) -> int:
        return self._by_key[location.key()]

    def __len__(self) -> int:
        return len(self.points)
