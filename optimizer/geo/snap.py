"""Snapping locations to the nearest node of a region's road network.

Coordinates are projected to local metres (equirectangular around the region's mean latitude:
x = R cos(lat0) lon, y = R lat, accurate to well under 1 % over a city) and queried in a
scipy KD-tree built once per region.
"""

from __future__ import annotations

import math
import os
from functools import lru_cache
from typing import Sequence

import numpy as np
from scipy.spatial import cKDTree

from optimizer.geo.region import Region
from optimizer.models.common import Location

EARTH_RADIUS_M = 6_371_008.8
FAR_SNAP_M = 500.0
"""Snaps farther than this produce a warning in the matrix."""


class OutsideRegionError(ValueError):
    """A location lies outside the region's bounding box; the message names it."""


def _project(region: Region, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    lat0 = math.radians(float(region.lat.mean()))
    return np.column_stack((EARTH_RADIUS_M * math.cos(lat0) * np.radians(lon), EARTH_RADIUS_M * np.radians(lat)))


@lru_cache(maxsize=8)
def _tree(region: Region) -> cKDTree:
    return cKDTree(_project(region, region.lat, region.lon))


def snap(region: Region, locations: Sequence[Location]) -> tuple[np.ndarray, np.ndarray]:
    """Nearest node index and snap distance (m) per location; raises OutsideRegionError."""
    missing = next((i for i, p in enumerate(locations) if p.lat is None or p.lon is None), None)
    if missing is not None:
        raise ValueError(f"location {missing} has no lat/lon: the road source needs coordinates")
    lat = np.asarray([p.lat for p in locations], dtype=np.float64)
    lon = np.asarray([p.lon for p in locations], dtype=np.float64)
    west, south, east, north = region.bbox
    outside = (lat < south) | (lat > north) | (lon < west) | (lon > east)
    if outside.any():
        i = int(np.argmax(outside))
        raise OutsideRegionError(
            f"location {i} ({lat[i]:.6f}, {lon[i]:.6f}) is outside the road region "
            f"{os.path.basename(region.source or '')} (lon {west:.4f}..{east:.4f}, lat {south:.4f}..{north:.4f})"
        )
    if len(locations) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    dist, idx = _tree(region).query(_project(region, lat, lon))
    return idx.astype(np.int64), dist

