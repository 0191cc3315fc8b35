"""Road travel matrices and leg geometry from a compiled :class:`~optimizer.geo.region.Region`.

Shortest paths minimise travel time; among equally fast paths the shorter one wins. Both are
carried by one search on an exact integer encoding of each edge:
``weight = travel_ms * 2**22 + length_m`` (int64; exact for any route under 4,194 km), decoded
afterwards into milliseconds and metres along the fastest route.

Matrices come from a contraction hierarchy of the region (:mod:`optimizer.geo.ch`), built once
per region and cached on disk next to the compiled region (same key plus
:data:`HIERARCHY_VERSION`) and memoised per process. Locations snapping to the same node are
searched once.
"""

from __future__ import annotations

import os
import warnings
from functools import lru_cache
from typing import Optional, Sequence

import numpy as np

from optimizer.geo.ch import INF, Hierarchy, build_hierarchy, many_to_many, shortest_path
from optimizer.geo.region import PROFILE_VERSION, Region, cache_dir, load_region
from optimizer.geo.snap import FAR_SNAP_M, snap
from optimizer.geo.types import TravelMatrix
from optimizer.models.common import Location

LENGTH_BITS = 22
HIERARCHY_VERSION = "ch1"
"""Part of the hierarchy's cache key: bump when :mod:`optimizer.geo.ch` changes its output."""

THREADS = max(1, min(2, os.cpu_count() or 1))
"""Parallel forward searches in a matrix query."""


def encoded_weights(region: Region) -> np.ndarray:
    """Per-edge search weight ``travel_ms * 2**LENGTH_BITS + length_m`` (int64)."""
    return region.travel_ms.astype(np.int64) * (1 << LENGTH_BITS) + region.length_m.astype(np.int64)


def decode(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(travel time in ms, length in m) from encoded path weights."""
    weights = np.asarray(weights, dtype=np.int64)
    return weights >> LENGTH_BITS, weights & ((1 << LENGTH_BITS) - 1)


@lru_cache(maxsize=8)
def hierarchy(region: Region, use_cache: bool = True) -> Hierarchy:
    """The region's contraction hierarchy: from the disk cache, else built (seconds) and cached."""
    target = cache_dir() / f"{region.sha256[:24]}-{PROFILE_VERSION}-{HIERARCHY_VERSION}.npz"
    if use_cache and region.sha256 and target.is_file():
        try:
            with np.load(target) as data:
                if int(data["n_nodes"]) == region.n_nodes and int(data["n_edges"]) == region.n_edges:
                    return Hierarchy(*(data[name] for name in Hierarchy.ARRAYS))
        except (OSError, ValueError, KeyError) as exc:  # unreadable entry: rebuild and replace it
            warnings.warn(f"ignoring unreadable hierarchy cache {target}: {exc}")
    tails, heads = region.edge_arrays()
    h = build_hierarchy(region.n_nodes, tails, heads, encoded_weights(region))
    if use_cache and region.sha256:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, n_nodes=region.n_nodes, n_edges=region.n_edges, **{name: getattr(h, name) for name in Hierarchy.ARRAYS})
        os.replace(tmp, target)
    return h


def node_weights(region: Region, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Encoded shortest-path weights between node ids (int64), duplicates searched once."""
    us, inv_s = np.unique(np.asarray(sources, dtype=np.int64), return_inverse=True)
    ut, inv_t = np.unique(np.asarray(targets, dtype=np.int64), return_inverse=True)
    out = many_to_many(hierarchy(region), us, ut, threads=THREADS)
    if (out >= INF).any():
        raise ValueError("road network is not strongly connected between the snapped points")
    return _expand(out, inv_s.ravel(), inv_t.ravel())


def _expand(matrix: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``matrix[rows][:, cols]``, skipped when it is the identity."""
    n_r, n_c = matrix.shape
    if not (len(rows) == n_r and (rows == np.arange(n_r)).all()):
        matrix = np.take(matrix, rows, axis=0)
    if not (len(cols) == n_c and (cols == np.arange(n_c)).all()):
        matrix = np.take(matrix, cols, axis=1)
    return matrix


def node_matrix(region: Region, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(travel time in ms, length in m along the fastest route) between every pair of
    ``nodes`` (node indices), as float arrays (exact integers)."""
    time_ms, length = decode(node_weights(region, nodes, nodes))
    return time_ms.astype(np.float64), length.astype(np.float64)


def ms_to_s(time_ms: np.ndarray) -> np.ndarray:
    """Whole seconds, rounded half up (int64)."""
    return (np.asarray(time_ms, dtype=np.int64) + 500) // 1000


def road_matrix(points: Sequence[Location], region: Optional[str] = None) -> TravelMatrix:
    """TravelMatrix over ``points`` on the road network of ``region`` (default region if None):
    durations in whole seconds (half up), distances in whole metres along the fastest route,
    snap distance per point, a warning per point snapped farther than 500 m. Raises
    :class:`~optimizer.geo.snap.OutsideRegionError` for a point outside the region's box."""

    reg = load_region(region)
    nodes, snap_m = snap(reg, points)
    uniq, inv = np.unique(nodes, return_inverse=True)
    inv = inv.ravel()
    weights = many_to_many(hierarchy(reg), uniq, uniq, threads=THREADS)
    if (weights >= INF).any():
        raise ValueError("road network is not strongly connected between the snapped points")
    time_ms, length = decode(weights)
    far = [
        f"location {i} ({p.lat:.6f}, {p.lon:.6f}) is {d:.0f} m from the nearest road"
        for i, (p, d) in enumerate(zip(points, snap_m))
        if d > FAR_SNAP_M
    ]
    return TravelMatrix(_expand(ms_to_s(time_ms), inv, inv), _expand(length, inv, inv), "road", snap_m, far)


def node_path(region: Region, a: int, b: int) -> list[int]:
    """Node ids along the fastest route from node ``a`` to node ``b``."""
    if a == b:
        return [a]
    return shortest_path(hierarchy(region), int(a), int(b))


def _lon_lat(location: Location) -> list[float]:
    if location.lat is None or location.lon is None:
        raise ValueError("a road route needs locations with lat/lon")
    return [float(location.lon), float(location.lat)]


def leg_geometry(from_location: Location, to_location: Location, region: Optional[str] = None) -> dict:
    """GeoJSON LineString (``[lon, lat]`` pairs) of the fastest road route between two
    locations: the location itself, its snapped node, the road nodes, the other snapped node,
    the other location."""
    reg = load_region(region)
    (a, b), _ = snap(reg, [from_location, to_location])
    nodes = node_path(reg, int(a), int(b))
    coords = [_lon_lat(from_location)]
    coords += [[float(reg.lon[n]), float(reg.lat[n])] for n in nodes]
    coords.append(_lon_lat(to_location))
    return {"type": "LineString", "coordinates": coords}


def route_geometry(locations: Sequence[Location], region: Optional[str] = None) -> list[dict]:
    """One LineString per consecutive pair of ``locations`` (a technician's day, for maps)."""
    return [leg_geometry(a, b, region) for a, b in zip(locations, locations[1:])]


def road_polylines(region: Optional[str] = None, max_edges: int = 20000) -> list[list[list[float]]]:
    """The region's streets as polylines of ``[lon, lat]`` for drawing a basemap.

    Each street segment is drawn once whatever its directions; segments are joined through
    nodes that only continue a street (two undirected neighbours) into one polyline per stretch
    between junctions. At most ``max_edges`` segments in all: when the region has more, the
    longest polylines are kept (main roads and long streets before alleys)."""
    reg = load_region(region)
    tails, heads = reg.edge_arrays()
    pairs = np.unique(np.sort(np.column_stack((tails, heads)), axis=1), axis=0)
    adj: list[list[int]] = [[] for _ in range(reg.n_nodes)]
    for a, b in pairs.tolist():
        adj[a].append(b)
        adj[b].append(a)
    seen: set[tuple[int, int]] = set()
    chains: list[list[int]] = []
    starts = [v for v in range(reg.n_nodes) if len(adj[v]) != 2]
    for s in starts + list(range(reg.n_nodes)):  # second pass: closed loops with no junction
        for first in adj[s]:
            if (min(s, first), max(s, first)) in seen:
                continue
            chain = [s]
            prev, cur = s, first
            while True:
                seen.add((min(prev, cur), max(prev, cur)))
                chain.append(cur)
                if len(adj[cur]) != 2 or cur == s:
                    break
                nxt = adj[cur][0] if adj[cur][0] != prev else adj[cur][1]
                if (min(cur, nxt), max(cur, nxt)) in seen:
                    break
                prev, cur = cur, nxt
            chains.append(chain)
    if len(pairs) > max_edges:
        x = np.radians(reg.lon) * np.cos(np.radians(float(reg.lat.mean())))
        y = np.radians(reg.lat)

        def span(chain: list[int]) -> float:
            c = np.asarray(chain)
            return float(np.hypot(np.diff(x[c]), np.diff(y[c])).sum())

        chains.sort(key=span, reverse=True)
        kept, budget = [], max_edges
        for chain in chains:
            if len(chain) - 1 <= budget:
                kept.append(chain)
                budget -= len(chain) - 1
        chains = kept
    return [[[float(reg.lon[v]), float(reg.lat[v])] for v in chain] for chain in chains]
