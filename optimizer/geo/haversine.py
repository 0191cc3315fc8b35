"""Great-circle travel matrix for areas without a road network.

distance_m = great-circle distance (geopy, WGS84 mean radius) x ``DETOUR_FACTOR``;
duration_s = distance_m / ``AVERAGE_SPEED_KMH``. Symmetric by construction.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from geopy.distance import EARTH_RADIUS

from optimizer.geo.types import TravelMatrix
from optimizer.models.common import Location

DETOUR_FACTOR = 1.3
"""Road distance over straight-line distance in a typical city grid (documented assumption)."""

AVERAGE_SPEED_KMH = 30.0
"""Average urban driving speed, km/h, door to door."""


def great_circle_m(points: Sequence[Location]) -> np.ndarray:
    """Pairwise great-circle distances in metres (vectorised haversine, geopy's Earth radius)."""
    missing = next((i for i, p in enumerate(points) if p.lat is None or p.lon is None), None)
    if missing is not None:
        raise ValueError(f"location {missing} has no lat/lon: the haversine source needs coordinates")
    coords = np.array([(p.lat, p.lon) for p in points if p.lat is not None and p.lon is not None], dtype=float)
    lat, lon = np.radians(coords[:, 0]), np.radians(coords[:, 1])
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS * 1000.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def haversine_matrix(
    points: Sequence[Location],
    detour_factor: float = DETOUR_FACTOR,
    speed_kmh: float = AVERAGE_SPEED_KMH,
) -> TravelMatrix:
    """Matrix of road-like estimates from straight-line distances; see module docstring."""
    if not points:
        return TravelMatrix(np.zeros((0, 0)), np.zeros((0, 0)), "haversine")
    distance_m = great_circle_m(points) * detour_factor
    duration_s = distance_m / (speed_kmh / 3.6)
    return TravelMatrix(np.rint(duration_s), np.rint(distance_m), "haversine")
