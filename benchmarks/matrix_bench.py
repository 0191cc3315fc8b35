"""Road-matrix benchmark: build times, matrix times, peak memory and speed-up over networkx.

    python benchmarks/matrix_bench.py [--sizes 200,1000,2000] [--regions helsinki,heidelberg,portland,milan]
                                      [--nx-sources 5] [--repeats 3]

For each region (the embedded Helsinki extract and the shared cities in ../shared/regions):
cold build (parse OSM, speeds, largest SCC, compile; no cache), cached load and chain
contraction times (both once per process); then for
each N, N random points inside the main component's bounding box: the N x N matrix time (median
of ``--repeats``), the peak resident memory of the process, and networkx's per-source Dijkstra
(``single_source_dijkstra_path_length`` on the same graph and weights) timed on ``--nx-sources``
sources and extrapolated to N (marked ``~``). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time
from pathlib import Path

import networkx as nx
import numpy as np

from optimizer.geo import region as region_mod
from optimizer.geo.contract import contract
from optimizer.geo.road import LENGTH_BITS, road_matrix
from optimizer.geo.snap import snap
from optimizer.models import Location
from optimizer.paths import regions_dir


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _points(reg, n: int, seed: int) -> list[Location]:
    rng = random.Random(seed)
    w, s, e, nth = reg.bbox
    # The middle 80 % of the component's box: city, not the fringes of the extract.
    dx, dy = (e - w) * 0.1, (nth - s) * 0.1
    return [Location(lat=rng.uniform(s + dy, nth - dy), lon=rng.uniform(w + dx, e - dx)) for _ in range(n)]


def _nx_graph(reg) -> nx.DiGraph:
    g = nx.DiGraph()
    tails, heads = reg.edge_arrays()
    g.add_weighted_edges_from(zip(tails.tolist(), heads.tolist(), reg.travel_ms.tolist()), weight="ms")
    return g


def bench_region(name: str, path: Path, sizes: list[int], nx_sources: int, repeats: int) -> list[dict]:
    t0 = time.perf_counter()
    region_mod.build_region(path)
    cold = time.perf_counter() - t0
    region_mod.load_region(path)  # make sure the cache exists
    region_mod._load_region_cached.cache_clear()
    t0 = time.perf_counter()
    reg = region_mod.load_region(path)
    cached = time.perf_counter() - t0
    t0 = time.perf_counter()
    contract(reg, LENGTH_BITS)  # once per region and process; timed apart from the queries
    contract_s = time.perf_counter() - t0
    g = _nx_graph(reg)
    rows = []
    for n in sizes:
        pts = _points(reg, n, seed=n)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            road_matrix(pts, str(path))
            times.append(time.perf_counter() - t0)
        ours = statistics.median(times)
        nodes, _ = snap(reg, pts)
        uniq = np.unique(nodes)
        k = min(nx_sources, len(uniq))
        t0 = time.perf_counter()
        for src in uniq[:k]:
            nx.single_source_dijkstra_path_length(g, int(src), weight="ms")
        nx_time = (time.perf_counter() - t0) / k * len(uniq)
        rows.append({
            "region": name, "nodes": reg.n_nodes, "edges": reg.n_edges, "N": n,
            "cold_build_s": cold, "cached_load_s": cached, "contract_s": contract_s, "matrix_s": ours,
            "peak_rss_mb": _peak_mb(), "networkx_s": nx_time, "extrapolated": k < len(uniq),
            "speedup": nx_time / ours,
        })
        print(f"  {name} N={n}: {ours:.2f} s (networkx {'~' if k < len(uniq) else ''}{nx_time:.1f} s)", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,1000,2000")
    parser.add_argument("--regions", default="helsinki,heidelberg,portland,milan")
    parser.add_argument("--nx-sources", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for name in args.regions.split(","):
        path = region_mod.bundled_region_path() if name == "helsinki" else regions_dir() / f"{name}.osm.pbf"
        if path is None or not Path(path).is_file():
            print(f"skipping {name}: {path} not found")
            continue
        rows += bench_region(name, Path(path), sizes, args.nx_sources, args.repeats)
    print()
    print("| region | nodes | edges | N | cold build s | cached load s | contraction s | matrix s (median) | peak RSS MB (process) | networkx s | speed-up |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        approx = "~" if r["extrapolated"] else ""
        print(f"| {r['region']} | {r['nodes']:,} | {r['edges']:,} | {r['N']} | {r['cold_build_s']:.1f} | {r['cached_load_s']:.3f} | {r['contract_s']:.2f} | "
              f"{r['matrix_s']:.2f} | {r['peak_rss_mb']:.0f} | {approx}{r['networkx_s']:.1f} | {r['speedup']:.0f}x |")


if __name__ == "__main__":
    main()
