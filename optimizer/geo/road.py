"""Road travel matrices and leg geometry from a compiled :class:`~optimizer.geo.region.Region`.

Shortest paths minimise travel time; among equally fast paths the shorter one wins. Both are
carried by one Dijkstra run on an exact integer encoding of each edge:
``weight = travel_ms * 2**22 + length_m`` (sums stay below 2**53, so float64 is exact for
routes under about 4,000 km), decoded afterwards into milliseconds and metres along the fastest
route. Unique snapped nodes are searched once (scipy's compiled Dijkstra), in parallel processes
for many sources.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from typing import Optional, Sequence

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from optimizer.geo.contract import contract, query_graph
from optimizer.geo.region import Region, load_region
from optimizer.geo.snap import FAR_SNAP_M, snap
from optimizer.models.common import Location

LENGTH_BITS = 22
PARALLEL_MIN_SOURCES = 300
"""From this many unique sources on, rows are computed in worker processes."""


def _graph(region: Region) -> csr_matrix:
    cached = getattr(region, "_csr", None)
    if cached is None:
        weight = region.travel_ms.astype(np.float64) * (1 << LENGTH_BITS) + region.length_m.astype(np.float64)
        cached = csr_matrix((weight, region.indices, region.indptr), shape=(region.n_nodes, region.n_nodes))
        region._csr = cached  # type: ignore[attr-defined]
    return cached


CHUNK_SOURCES = 128
"""Sources per Dijkstra call (bounds the size of the intermediate distance array)."""


def _rows(graph: csr_matrix, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    out = np.empty((len(sources), len(targets)))
    for start in range(0, len(sources), CHUNK_SOURCES):
        chunk = sources[start : start + CHUNK_SOURCES]
        out[start : start + len(chunk)] = dijkstra(graph, directed=True, indices=chunk)[:, targets]
    return out


_WORKER_GRAPH: Optional[csr_matrix] = None


def _init_worker(graph: csr_matrix) -> None:
    global _WORKER_GRAPH
    _WORKER_GRAPH = graph


def _worker_rows(args) -> np.ndarray:
    sources, targets = args
    return _rows(_WORKER_GRAPH, sources, targets)


def node_matrix(region: Region, nodes: np.ndarray, workers: Optional[int] = None) -> tuple[np.ndarray, np.ndarray]:
    """(travel time in ms as float, length in m) between every pair of ``nodes`` (node indices),
    searched on the contracted graph (see :mod:`optimizer.geo.contract`)."""
    graph, terms = query_graph(contract(region, LENGTH_BITS), np.asarray(nodes, dtype=np.int64))
    uniq, inverse = np.unique(terms, return_inverse=True)
    workers = workers or min(2, os.cpu_count() or 1)
    if len(uniq) >= PARALLEL_MIN_SOURCES and workers > 1:
        chunks = np.array_split(uniq, workers)
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(graph,)) as pool:
            encoded = np.vstack(list(pool.map(_worker_rows, [(c, uniq) for c in chunks])))
    else:
        encoded = _rows(graph, uniq, uniq)
    if not np.isfinite(encoded).all():
        raise ValueError("road network is not strongly connected between the snapped points")
    encoded = encoded[np.ix_(inverse, inverse)]
    time_ms = np.floor(encoded / (1 << LENGTH_BITS))
    length = encoded - time_ms * (1 << LENGTH_BITS)
    return time_ms, length


def road_matrix(points: Sequence[Location], region: Optional[str] = None):
    """TravelMatrix over ``points`` on the road network of ``region`` (default region if None)."""
    from optimizer.geo.matrix import TravelMatrix

    reg = load_region(region)
    nodes, snap_m = snap(reg, points)
    time_ms, length = node_matrix(reg, nodes)
    warnings = [
        f"location {i} ({p.lat:.6f}, {p.lon:.6f}) is {d:.0f} m from the nearest road"
        for i, (p, d) in enumerate(zip(points, snap_m))
        if d > FAR_SNAP_M
    ]
    return TravelMatrix(np.rint(time_ms / 1000.0), length, "road", snap_m, warnings)


def _path(region: Region, a: int, b: int) -> list[int]:
    _, pred = dijkstra(_graph(region), directed=True, indices=a, return_predecessors=True)
    path = [b]
    while path[-1] != a:
        prev = pred[path[-1]]
        if prev < 0:
            return [a, b]
        path.append(int(prev))
    return path[::-1]


def leg_geometry(origin: Location, destination: Location, region: Optional[str] = None) -> dict:
    """GeoJSON LineString of the fastest road route between two locations ([lon, lat] pairs)."""
    reg = load_region(region)
    (a, b), _ = snap(reg, [origin, destination])
    nodes = _path(reg, int(a), int(b))
    coords = [[origin.lon, origin.lat]] + [[float(reg.lon[n]), float(reg.lat[n])] for n in nodes] + [[destination.lon, destination.lat]]
    return {"type": "LineString", "coordinates": coords}


def route_geometry(locations: Sequence[Location], region: Optional[str] = None) -> list[dict]:
    """One LineString per consecutive pair of ``locations`` (a technician's day, for maps)."""
    return [leg_geometry(a, b, region) for a, b in zip(locations, locations[1:])]


def road_polylines(region: Optional[str] = None, max_edges: int = 20000) -> list[list[list[float]]]:
    """Road segments as ``[[lon, lat], [lon, lat]]`` for drawing a basemap (at most
    ``max_edges``, evenly subsampled; each undirected street drawn once)."""
    reg = load_region(region)
    tails, heads = reg.edge_arrays()
    keep = tails < heads
    tails, heads = tails[keep], heads[keep]
    if len(tails) > max_edges:
        pick = np.linspace(0, len(tails) - 1, max_edges).astype(int)
        tails, heads = tails[pick], heads[pick]
    return [
        [[float(reg.lon[t]), float(reg.lat[t])], [float(reg.lon[h]), float(reg.lat[h])]]
        for t, h in zip(tails, heads)
    ]
