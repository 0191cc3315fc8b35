"""Road-matrix benchmark: build times, matrix times, peak memory and speed-up over networkx.

    python benchmarks/matrix_bench.py [--sizes 200,1000,2000] [--regions helsinki,heidelberg,portland,milan]
                                      [--nx-sources 5] [--scipy-sources 50] [--repeats 3]

Each region runs in two fresh processes, so memory figures are per phase:

* *cold*: parse the OSM file, speeds, largest SCC, compile, build the contraction hierarchy,
  write both caches (to a temporary cache directory, so nothing is reused). Time and peak RSS.
* *cached*: load region + hierarchy from the disk cache (time), then for each N, N random
  points in the middle 80 % of the component's bounding box: the N x N matrix time (snap +
  hierarchy query + decode; median of ``--repeats`` after one warm-up call that loads numba's
  compiled code), the process's peak RSS after that N, and two baselines on the same snapped
  nodes and weights, timed on a few sources and extrapolated to all unique sources (``~``):
  networkx ``single_source_dijkstra_path_length`` and scipy's compiled ``dijkstra``.

Prints a markdown table. The speed-up is networkx time / our matrix time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _region_path(name: str) -> Path | None:
    from optimizer.geo import region as region_mod
    from optimizer.paths import regions_dir

    path = region_mod.bundled_region_path() if name == "helsinki" else regions_dir() / f"{name}.osm.pbf"
    return Path(path) if path is not None and Path(path).is_file() else None


def _points(reg, n: int, seed: int):
    from optimizer.models import Location

    rng = random.Random(seed)
    w, s, e, nth = reg.bbox
    dx, dy = (e - w) * 0.1, (nth - s) * 0.1
    return [Location(lat=rng.uniform(s + dy, nth - dy), lon=rng.uniform(w + dx, e - dx)) for _ in range(n)]


def phase_cold(path: Path) -> dict:
    """Full build with an empty cache directory."""
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DISPATCH_CACHE_DIR"] = tmp
        from optimizer.geo import region as region_mod
        from optimizer.geo.road import hierarchy

        t0 = time.perf_counter()
        reg = region_mod.load_region(path)
        region_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        h = hierarchy(reg)
        ch_s = time.perf_counter() - t0
    return {"region_build_s": region_s, "ch_build_s": ch_s, "cold_peak_mb": _peak_rss_mb(),
            "nodes": reg.n_nodes, "edges": reg.n_edges, "shortcuts": h.n_shortcuts}


def phase_cached(path: Path, sizes: list[int], nx_sources: int, scipy_sources: int, repeats: int) -> dict:
    import networkx as nx
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from optimizer.geo import region as region_mod
    from optimizer.geo.road import encoded_weights, hierarchy, ms_to_s, road_matrix
    from optimizer.geo.snap import snap

    t0 = time.perf_counter()
    reg = region_mod.load_region(path)
    hierarchy(reg)
    cached_s = time.perf_counter() - t0
    road_matrix(_points(reg, 10, seed=0), str(path))  # warm-up: numba loads its compiled code
    ours = {}
    for n in sizes:  # our matrices first: the peak RSS after each N excludes the baselines' graphs
        pts = _points(reg, n, seed=n)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            m = road_matrix(pts, str(path))
            times.append(time.perf_counter() - t0)
        ours[n] = (pts, m, statistics.median(times[1:] or times), times[0], _peak_rss_mb())
    weights = encoded_weights(reg)
    graph = csr_matrix((weights.astype(np.float64), reg.indices, reg.indptr), shape=(reg.n_nodes, reg.n_nodes))
    g = nx.DiGraph()
    tails, heads = reg.edge_arrays()
    g.add_weighted_edges_from(zip(tails.tolist(), heads.tolist(), weights.tolist()), weight="w")
    rows = []
    for n in sizes:
        pts, m, matrix_s, first_s, peak = ours[n]
        nodes, _ = snap(reg, pts)
        uniq = np.unique(nodes)
        # Baselines on the same unique nodes; checked against our matrix on the timed rows.
        k = min(nx_sources, len(uniq))
        t0 = time.perf_counter()
        nx_rows = [nx.single_source_dijkstra_path_length(g, int(src), weight="w") for src in uniq[:k]]
        nx_s = (time.perf_counter() - t0) / k * len(uniq)
        ks = min(scipy_sources, len(uniq))
        t0 = time.perf_counter()
        sp = dijkstra(graph, directed=True, indices=uniq[:ks])[:, uniq]
        scipy_s = (time.perf_counter() - t0) / ks * len(uniq)
        first = {int(v): i for i, v in enumerate(nodes.tolist())}
        col = [first[int(v)] for v in uniq]
        ours_s = np.asarray(m.durations_s)[[first[int(v)] for v in uniq[:ks]]][:, col]
        sp_s = ms_to_s(sp.astype(np.int64) >> 22)
        exact = bool(np.array_equal(sp_s, ours_s)) and all(
            nx_rows[i][int(v)] == sp[i, j] for i in range(k) for j, v in enumerate(uniq)
        )
        rows.append({"N": n, "unique": int(len(uniq)), "matrix_s": matrix_s, "first_s": first_s, "peak_mb": peak,
                     "nx_s": nx_s, "nx_extrapolated": k < len(uniq), "scipy_s": scipy_s,
                     "scipy_extrapolated": ks < len(uniq), "agree": exact})
    return {"cached_load_s": cached_s, "rows": rows}


def _run_phase(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,1000,2000")
    parser.add_argument("--regions", default="helsinki,heidelberg,portland,milan")
    parser.add_argument("--nx-sources", type=int, default=5)
    parser.add_argument("--scipy-sources", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--phase", choices=["cold", "cached"], help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.phase == "cold":
        print(json.dumps(phase_cold(Path(args.path))))
        return
    if args.phase == "cached":
        print(json.dumps(phase_cached(Path(args.path), sizes, args.nx_sources, args.scipy_sources, args.repeats)))
        return
    table = []
    for name in args.regions.split(","):
        path = _region_path(name)
        if path is None:
            print(f"skipping {name}: extract not found")
            continue
        cold = _run_phase(["--phase", "cold", "--path", str(path)])
        # The cached phase needs the caches in the normal directory: make sure they exist.
        subprocess.run([sys.executable, "-c", f"from optimizer.geo import region, road; road.hierarchy(region.load_region({str(path)!r}))"],
                       check=True, cwd=ROOT)
        cached = _run_phase(["--phase", "cached", "--path", str(path), "--sizes", args.sizes,
                             "--nx-sources", str(args.nx_sources), "--scipy-sources", str(args.scipy_sources),
                             "--repeats", str(args.repeats)])
        for r in cached["rows"]:
            table.append({"region": name, **cold, "cached_load_s": cached["cached_load_s"], **r})
            print(f"  {name} N={r['N']}: {r['matrix_s']:.3f} s, networkx {'~' if r['nx_extrapolated'] else ''}{r['nx_s']:.1f} s",
                  file=sys.stderr, flush=True)
    print(f"\nmachine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; ~ = extrapolated from timed sources\n")
    print("| region | nodes / edges | shortcuts | N (unique nodes) | cold build s (region + CH) | cold peak RSS MB | cached load s "
          "| first s | matrix s | peak RSS MB | scipy Dijkstra s | networkx s | speed-up vs networkx | agree |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in table:
        nx_mark = "~" if r["nx_extrapolated"] else ""
        sp_mark = "~" if r["scipy_extrapolated"] else ""
        print(f"| {r['region']} | {r['nodes']:,} / {r['edges']:,} | {r['shortcuts']:,} | {r['N']} ({r['unique']}) "
              f"| {r['region_build_s']:.1f} + {r['ch_build_s']:.1f} | {r['cold_peak_mb']:.0f} | {r['cached_load_s']:.3f} "
              f"| {r['first_s']:.3f} | {r['matrix_s']:.3f} | {r['peak_mb']:.0f} | {sp_mark}{r['scipy_s']:.2f} | {nx_mark}{r['nx_s']:.1f} "
              f"| {nx_mark}{r['nx_s'] / r['matrix_s']:,.0f}x | {'yes' if r['agree'] else 'NO'} |")


if __name__ == "__main__":
    main()
