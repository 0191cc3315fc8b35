"""Road matrices on the embedded Helsinki extract (always) and the shared cities (marked)."""

from __future__ import annotations

import random
import shutil

import networkx as nx
import numpy as np
import pytest

from optimizer.geo import region as region_mod
from optimizer.geo.matrix import build_matrix
from optimizer.geo.road import LENGTH_BITS, hierarchy, leg_geometry, node_matrix, node_path, road_matrix, road_polylines, route_geometry
from optimizer.geo.snap import OutsideRegionError, snap
from optimizer.models import Location


@pytest.fixture(scope="module")
def helsinki():
    return region_mod.load_region()


def _nx_graph(reg) -> nx.DiGraph:
    """The compiled arrays as a networkx graph with the same integer millisecond weights."""
    g = nx.DiGraph()
    tails, heads = reg.edge_arrays()
    for t, h, w, m in zip(tails.tolist(), heads.tolist(), reg.travel_ms.tolist(), reg.length_m.tolist()):
        g.add_edge(t, h, ms=w, m=m)
    return g


def _random_points(reg, n, seed=1):
    rng = random.Random(seed)
    w, s, e, nth = reg.bbox
    return [Location(lat=rng.uniform(s, nth), lon=rng.uniform(w, e)) for _ in range(n)]


def test_matrix_equals_networkx_shortest_paths(helsinki):
    g = _nx_graph(helsinki)
    rng = np.random.default_rng(0)
    nodes = rng.choice(helsinki.n_nodes, size=40, replace=False)
    time_ms, length = node_matrix(helsinki, nodes)
    for i in range(0, 40, 4):
        ref = nx.single_source_dijkstra_path_length(g, int(nodes[i]), weight="ms")
        for j in range(40):
            expected = ref[int(nodes[j])]
            assert abs(time_ms[i, j] - expected) <= 1e-6 * max(expected, 1)


def test_distance_is_along_the_fastest_route(helsinki):
    g = _nx_graph(helsinki)
    a, b = 3, helsinki.n_nodes - 5
    path = nx.dijkstra_path(g, a, b, weight=lambda u, v, d: d["ms"] * (1 << LENGTH_BITS) + d["m"])
    meters = sum(g[u][v]["m"] for u, v in zip(path, path[1:]))
    _, length = node_matrix(helsinki, np.array([a, b]))
    assert length[0, 1] == meters


def test_one_way_streets_make_the_matrix_asymmetric(helsinki):
    tails, heads = helsinki.edge_arrays()
    pairs = set(zip(tails.tolist(), heads.tolist()))
    one_way = next((t, h) for t, h in pairs if (h, t) not in pairs)
    time_ms, _ = node_matrix(helsinki, np.array(one_way))
    assert time_ms[1, 0] > time_ms[0, 1]  # against the one-way street the detour is longer


def test_triangle_inequality_on_samples(helsinki):
    points = _random_points(helsinki, 30)
    m = road_matrix(points)
    d = m.durations_s
    for i in range(30):
        for j in range(30):
            assert (d[i, j] <= d[i, :] + d[:, j] + 1).all()  # +1 s: rounding to whole seconds


def test_duplicates_snap_once_and_diagonal_is_zero(helsinki):
    p = _random_points(helsinki, 3)
    m = road_matrix([p[0], p[1], p[0], p[2]])
    assert (np.diag(m.durations_s) == 0).all()
    assert (m.durations_s[0] == m.durations_s[2]).all()


def test_outside_region_is_refused_with_the_location_named(helsinki):
    inside = _random_points(helsinki, 2)
    with pytest.raises(OutsideRegionError, match=r"location 2 \(60\.200000, 25\.100000\)"):
        road_matrix(inside + [Location(lat=60.2, lon=25.1)])


FAR_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="test">
  <node id="1" lat="60.1600" lon="24.9000" version="1"/>
  <node id="2" lat="60.1600" lon="24.9400" version="1"/>
  <node id="3" lat="60.1800" lon="24.9400" version="1"/>
  <node id="4" lat="60.1800" lon="24.9000" version="1"/>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="highway" v="primary"/></way>
</osm>"""


def test_far_snap_warns_and_near_snap_does_not(tmp_path, monkeypatch):
    """A 2.2 x 2.2 km ring road with corner nodes only: its centre is 1.6 km from any node."""
    monkeypatch.setenv("DISPATCH_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "ring.osm"
    path.write_text(FAR_XML)
    near = Location(lat=60.1601, lon=24.9001)
    centre = Location(lat=60.17, lon=24.92)
    m = road_matrix([near, centre], region=str(path))
    assert m.snap_distances_m[0] < 20 and 1500 < m.snap_distances_m[1] < 1700
    assert len(m.warnings) == 1 and m.warnings[0].startswith("location 1 (60.170000, 24.920000)")
    assert m.durations_s[0, 1] > 0  # still a matrix: the centre counts as its nearest corner


def test_cache_hit_and_invalidation(tmp_path, monkeypatch):
    import pyrosm

    monkeypatch.setenv("DISPATCH_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "city.osm.pbf"
    shutil.copy(region_mod.bundled_region_path(), src)
    first = region_mod.load_region(src)
    files = list((tmp_path / "cache").glob("*.npz"))
    assert [f.name[:24] for f in files] == [first.sha256[:24]]
    region_mod._load_region_cached.cache_clear()
    monkeypatch.setattr(region_mod, "build_region", lambda path: pytest.fail("cache miss"))
    again = region_mod.load_region(src)  # served from the disk cache, not rebuilt
    assert np.array_equal(again.travel_ms, first.travel_ms)
    h = hierarchy(again)  # the contraction hierarchy is cached alongside, same key
    assert len(list((tmp_path / "cache").glob(f"{first.sha256[:24]}-*-ch*.npz"))) == 1
    hierarchy.cache_clear()
    monkeypatch.setattr("optimizer.geo.road.build_hierarchy", lambda *a: pytest.fail("hierarchy rebuilt"))
    assert np.array_equal(hierarchy(again).rank, h.rank)
    monkeypatch.undo()
    monkeypatch.setenv("DISPATCH_CACHE_DIR", str(tmp_path / "cache"))
    # Another extract at the same path: another hash, so a new build and a new cache entry.
    shutil.copy(pyrosm.get_data("test_pbf"), src)
    changed = region_mod.load_region(src)
    assert changed.sha256 != first.sha256 and changed.n_nodes != first.n_nodes
    assert len(list((tmp_path / "cache").glob(f"*-{region_mod.PROFILE_VERSION}.npz"))) == 2  # two region entries
    assert road_matrix(_random_points(changed, 5), region=str(src)).size == 5


def test_leg_geometry_follows_the_matrix_route(helsinki):
    """The drawn leg is a chain of real edges whose time and length are the matrix entry."""
    a, b = _random_points(helsinki, 2, seed=5)
    line = leg_geometry(a, b)
    coords = line["coordinates"]
    assert line["type"] == "LineString" and coords[0] == [a.lon, a.lat] and coords[-1] == [b.lon, b.lat]
    nodes, _ = snap(helsinki, [a, b])
    path = node_path(helsinki, int(nodes[0]), int(nodes[1]))
    assert coords[1:-1] == [[float(helsinki.lon[v]), float(helsinki.lat[v])] for v in path]
    g = _nx_graph(helsinki)
    time_ms, length = node_matrix(helsinki, nodes)
    assert sum(g[u][v]["ms"] for u, v in zip(path, path[1:])) == time_ms[0, 1]
    assert sum(g[u][v]["m"] for u, v in zip(path, path[1:])) == length[0, 1]
    legs = route_geometry([a, b, a])
    assert len(legs) == 2 and legs[0] == line and legs[1]["coordinates"][0] == [b.lon, b.lat]


def test_basemap_draws_every_street_segment_once(helsinki):
    tails, heads = helsinki.edge_arrays()
    streets = {(min(t, h), max(t, h)) for t, h in zip(tails.tolist(), heads.tolist())}
    key = {(float(helsinki.lon[v]), float(helsinki.lat[v])): v for v in range(helsinki.n_nodes)}
    drawn = []
    for line in road_polylines():
        ids = [key[tuple(p)] for p in line]
        drawn += [(min(u, v), max(u, v)) for u, v in zip(ids, ids[1:])]
    assert len(drawn) == len(streets) and set(drawn) == streets
    capped = road_polylines(max_edges=300)
    assert 0 < sum(len(line) - 1 for line in capped) <= 300


def test_explicit_and_haversine_sources():
    pts = [Location(index=1), Location(index=0)]

    class E:
        durations_s = [[0, 5], [7, 0]]
        distances_m = [[0, 50], [70, 0]]

    m = build_matrix(pts, "explicit", explicit=E)
    assert m.durations_s.tolist() == [[0, 7], [5, 0]] and m.distances_m.tolist() == [[0, 70], [50, 0]]
    h = build_matrix([Location(lat=60.17, lon=24.94), Location(lat=60.18, lon=24.94)], "haversine")
    assert h.durations_s[0, 1] == h.durations_s[1, 0] > 0


def test_solver_uses_road_matrix_on_the_demo():
    import json

    from optimizer.models import Problem
    from optimizer.paths import DATA_DIR
    from optimizer.solve import solve
    from optimizer.validate import assert_valid

    problem = Problem.model_validate(json.loads((DATA_DIR / "demo_problem.json").read_text()))
    problem.options.time_limit_s = 2
    solution = solve(problem)
    assert solution.solver.matrix_source == "road"  # the default where a region is available
    assert_valid(problem, solution)


def test_region_and_hierarchy_are_loaded_once_per_process():
    first = region_mod.load_region()
    assert region_mod.load_region(region_mod.bundled_region_path()) is first
    assert hierarchy(first) is hierarchy(region_mod.load_region())


@pytest.mark.shared
@pytest.mark.parametrize("city", ["heidelberg", "portland", "milan"])
def test_shared_regions_match_networkx(shared_dir, city):
    reg = region_mod.load_region(shared_dir / "regions" / f"{city}.osm.pbf")
    assert reg.n_nodes > 30000
    g = _nx_graph(reg)
    rng = np.random.default_rng(1)
    nodes = rng.choice(reg.n_nodes, size=20, replace=False)
    time_ms, length = node_matrix(reg, nodes)
    for i in (0, 7):
        ref = nx.single_source_dijkstra_path_length(g, int(nodes[i]), weight="ms")
        for j in range(20):
            assert abs(time_ms[i, j] - ref[int(nodes[j])]) <= 1e-6 * max(ref[int(nodes[j])], 1)
    assert (time_ms != time_ms.T).any()  # one-way streets: asymmetric


@pytest.mark.shared
def test_milan_hierarchy_equals_scipy_dijkstra(shared_dir):
    """Exact integer equality on 30 x 300 node pairs of the largest shared region."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from optimizer.geo.road import encoded_weights, node_weights

    reg = region_mod.load_region(shared_dir / "regions" / "milan.osm.pbf")
    rng = np.random.default_rng(2)
    sources = rng.choice(reg.n_nodes, size=30, replace=False)
    targets = rng.choice(reg.n_nodes, size=300, replace=False)
    graph = csr_matrix((encoded_weights(reg).astype(np.float64), reg.indices, reg.indptr), shape=(reg.n_nodes,) * 2)
    ref = dijkstra(graph, directed=True, indices=sources)[:, targets]
    assert np.array_equal(node_weights(reg, sources, targets), ref.astype(np.int64))
