"""The contraction hierarchy gives exactly scipy's Dijkstra results, on random directed graphs
(with one-way edges, ties and unreachable parts) and on the whole embedded Helsinki network."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from optimizer.geo import region as region_mod
from optimizer.geo.ch import INF, build_hierarchy, many_to_many, shortest_path
from optimizer.geo.road import encoded_weights


def _random_graph(seed: int, n: int):
    """A sparse random directed graph: a noisy grid-like street pattern plus random chords."""
    rng = np.random.default_rng(seed)
    pairs = set()
    for v in range(n):
        for u in (v + 1, v + int(np.sqrt(n))):
            if u < n:
                pairs.add((v, u))
                if rng.random() < 0.7:  # 30 % one-way
                    pairs.add((u, v))
    for _ in range(n // 4):
        a, b = rng.integers(0, n, 2)
        if a != b:
            pairs.add((int(a), int(b)))
    tails, heads = np.array(sorted(pairs)).T
    weights = rng.integers(1, 20, len(tails))  # small range: many equal-weight ties
    return tails, heads, weights


def _scipy(n, tails, heads, weights, sources):
    g = csr_matrix((weights.astype(float), (tails, heads)), shape=(n, n))
    return dijkstra(g, directed=True, indices=sources)


@pytest.mark.parametrize("seed", range(6))
def test_many_to_many_equals_dijkstra_on_random_graphs(seed):
    n = 300
    tails, heads, weights = _random_graph(seed, n)
    h = build_hierarchy(n, tails, heads, weights)
    assert sorted(h.rank.tolist()) == list(range(n))
    rng = np.random.default_rng(100 + seed)
    sources = rng.choice(n, 40, replace=False)
    targets = np.concatenate([rng.choice(n, 50, replace=False), sources[:3]])
    got = many_to_many(h, sources, targets, threads=2)
    ref = _scipy(n, tails, heads, weights, sources)[:, targets]
    reachable = np.isfinite(ref)
    assert np.array_equal(got[reachable], ref[reachable].astype(np.int64))
    assert (got[~reachable] == INF).all()


def test_unpacked_paths_are_real_shortest_paths():
    n = 300
    tails, heads, weights = _random_graph(7, n)
    w_of = {(int(t), int(h)): int(w) for t, h, w in zip(tails, heads, weights)}
    h = build_hierarchy(n, tails, heads, weights)
    ref = _scipy(n, tails, heads, weights, np.arange(10))
    for s in range(10):
        for t in range(0, n, 37):
            if s == t or not np.isfinite(ref[s, t]):
                continue
            path = shortest_path(h, s, t)
            assert path[0] == s and path[-1] == t
            assert sum(w_of[(a, b)] for a, b in zip(path, path[1:])) == ref[s, t]


def test_helsinki_all_pairs_equal_dijkstra():
    reg = region_mod.load_region()
    tails, heads = reg.edge_arrays()
    weights = encoded_weights(reg)
    h = build_hierarchy(reg.n_nodes, tails, heads, weights)
    nodes = np.arange(reg.n_nodes)
    got = many_to_many(h, nodes, nodes)
    g = csr_matrix((weights.astype(np.float64), reg.indices, reg.indptr), shape=(reg.n_nodes, reg.n_nodes))
    ref = dijkstra(g, directed=True)  # encoded weights stay below 2**53: float64 is exact
    assert np.array_equal(got, ref.astype(np.int64))
