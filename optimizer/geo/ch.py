"""Contraction hierarchy (CH) over a compiled region, for exact many-to-many matrices.

Preprocessing (:func:`build_hierarchy`) contracts nodes one at a time, least important first
(priority = edge difference + contracted neighbours + level, updated lazily). Contracting ``v``
adds a *shortcut* ``u -> w`` (weight ``w(u,v) + w(v,w)``, middle node ``v``) for each pair of
remaining neighbours unless a *witness* path ``u -> w`` avoiding ``v`` is at most as heavy; the
witness search is a Dijkstra bounded by that weight and by :data:`WITNESS_SETTLE_LIMIT` settled
nodes (a cut-off search only adds superfluous shortcuts, never wrong ones). ``rank[v]`` is the
contraction order.

Every edge of the final graph (original or shortcut) joins a lower-ranked node to a
higher-ranked one: edges ``a -> b`` with ``rank[b] > rank[a]`` form the *upward* graph (CSR by
``a``), the others the *downward* graph stored reversed (CSR by ``b``, listing ``a``). The
shortest ``s -> t`` path is an upward search from ``s`` meeting an upward search from ``t`` over
the reversed downward edges (both with stall-on-demand). :func:`many_to_many` runs one backward
search per target into per-node *buckets*, then one forward search per source that scans the
buckets of the nodes it settles (Knopp et al., 2007).

Weights are non-negative int64 (the region's ``travel_ms * 2**22 + length_m`` encoding), so
results are exact integers and ties are broken the same way as in plain Dijkstra.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numba import njit

INF = np.int64(1 << 62)
WITNESS_SETTLE_LIMIT = 60
"""Nodes settled per witness search before giving up (more: fewer shortcuts, slower build)."""


@dataclass
class Hierarchy:
    """Upward CSR ``up_ptr/up_head/up_w/up_mid`` (edges ``a -> head``, rank[head] > rank[a]) and
    reversed downward CSR ``dn_ptr/dn_tail/dn_w/dn_mid`` (edges ``tail -> b`` listed at ``b``,
    rank[tail] > rank[b]). ``*_mid`` is the contracted middle node of a shortcut, -1 for an
    original edge."""

    rank: np.ndarray
    up_ptr: np.ndarray
    up_head: np.ndarray
    up_w: np.ndarray
    up_mid: np.ndarray
    dn_ptr: np.ndarray
    dn_tail: np.ndarray
    dn_w: np.ndarray
    dn_mid: np.ndarray

    ARRAYS = ("rank", "up_ptr", "up_head", "up_w", "up_mid", "dn_ptr", "dn_tail", "dn_w", "dn_mid")

    @property
    def n_shortcuts(self) -> int:
        return int((self.up_mid >= 0).sum() + (self.dn_mid >= 0).sum())


# ---------------------------------------------------------------- indexed binary min-heap
# ``heap[:size]`` holds node ids ordered by ``key[node]``; ``pos[node]`` is the slot, -1 when
# absent. Keys may decrease (sift up) or increase (sift down) in place.


@njit(cache=True, inline="always")
def _sift_up(heap, pos, key, i):
    v = heap[i]
    k = key[v]
    while i > 0:
        p = (i - 1) >> 1
        u = heap[p]
        if key[u] <= k:
            break
        heap[i] = u
        pos[u] = i
        i = p
    heap[i] = v
    pos[v] = i


@njit(cache=True, inline="always")
def _sift_down(heap, pos, key, i, size):
    v = heap[i]
    k = key[v]
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and key[heap[c + 1]] < key[heap[c]]:
            c += 1
        if key[heap[c]] >= k:
            break
        heap[i] = heap[c]
        pos[heap[i]] = i
        i = c
    heap[i] = v
    pos[v] = i


@njit(cache=True, inline="always")
def _push_or_update(heap, pos, key, v, size):
    """Insert ``v`` or restore order after ``key[v]`` changed; returns the new size."""
    if pos[v] < 0:
        heap[size] = v
        pos[v] = size
        _sift_up(heap, pos, key, size)
        return size + 1
    i = pos[v]
    _sift_up(heap, pos, key, i)
    _sift_down(heap, pos, key, pos[v], size)
    return size


@njit(cache=True, inline="always")
def _pop(heap, pos, key, size):
    top = heap[0]
    pos[top] = -1
    size -= 1
    if size > 0:
        heap[0] = heap[size]
        pos[heap[0]] = 0
        _sift_down(heap, pos, key, 0, size)
    return top, size


# ---------------------------------------------------------------- preprocessing


@njit(cache=True)
def _witness_search(src, skip, limit, out_first, out_next, e_head, e_w, contracted, dist, heap, pos, touched):
    """Bounded Dijkstra from ``src`` avoiding ``skip`` and contracted nodes; fills ``dist``
    (tentative distances are real path lengths) and returns how many nodes it touched."""
    dist[src] = 0
    touched[0] = src
    nt = 1
    size = _push_or_update(heap, pos, dist, src, 0)
    settled = 0
    while size > 0:
        v, size = _pop(heap, pos, dist, size)
        if dist[v] > limit:
            break
        settled += 1
        if settled > WITNESS_SETTLE_LIMIT:
            break
        e = out_first[v]
        while e >= 0:
            w = e_head[e]
            if w != skip and not contracted[w]:
                nd = dist[v] + e_w[e]
                if nd < dist[w]:
                    if dist[w] == INF:
                        touched[nt] = w
                        nt += 1
                    dist[w] = nd
                    size = _push_or_update(heap, pos, dist, w, size)
            e = out_next[e]
    for i in range(size):
        pos[heap[i]] = -1
    return nt


@njit(cache=True)
def _neighbours(v, first, nxt, other, e_w, contracted, nodes, weights):
    """Distinct live neighbours of ``v`` along one list (in or out), cheapest edge each."""
    k = 0
    e = first[v]
    while e >= 0:
        u = other[e]
        if not contracted[u] and u != v:
            found = -1
            for j in range(k):
                if nodes[j] == u:
                    found = j
                    break
            if found < 0:
                nodes[k] = u
                weights[k] = e_w[e]
                k += 1
            elif e_w[e] < weights[found]:
                weights[found] = e_w[e]
        e = nxt[e]
    return k


@njit(cache=True)
def _contract(v, apply, g, contracted, dist, heap, pos, touched, ins, in_w, outs, out_w):
    """Shortcuts needed to contract ``v``; adds them when ``apply``. Returns
    (shortcuts, removed edges, ok) -- ok is False when the edge arrays are full."""
    out_first, out_next, in_first, in_next, e_tail, e_head, e_w, e_mid, n_edges = g
    n_in = _neighbours(v, in_first, in_next, e_tail, e_w, contracted, ins, in_w)
    n_out = _neighbours(v, out_first, out_next, e_head, e_w, contracted, outs, out_w)
    max_out = 0
    for j in range(n_out):
        if out_w[j] > max_out:
            max_out = out_w[j]
    shortcuts = 0
    for i in range(n_in):
        u = ins[i]
        nt = _witness_search(u, v, in_w[i] + max_out, out_first, out_next, e_head, e_w, contracted, dist, heap, pos, touched)
        for j in range(n_out):
            w = outs[j]
            if w == u:
                continue
            via = in_w[i] + out_w[j]
            if dist[w] <= via:
                continue
            shortcuts += 1
            if apply:
                # An existing u -> w edge is lowered; otherwise a new edge is linked in.
                e = out_first[u]
                while e >= 0:
                    if e_head[e] == w:
                        break
                    e = out_next[e]
                if e >= 0:
                    e_w[e] = via
                    e_mid[e] = v
                else:
                    m = n_edges[0]
                    if m >= e_head.shape[0]:
                        for t in range(nt):
                            dist[touched[t]] = INF
                        return shortcuts, n_in + n_out, False
                    e_tail[m] = u
                    e_head[m] = w
                    e_w[m] = via
                    e_mid[m] = v
                    out_next[m] = out_first[u]
                    out_first[u] = m
                    in_next[m] = in_first[w]
                    in_first[w] = m
                    n_edges[0] = m + 1
        for t in range(nt):
            dist[touched[t]] = INF
    return shortcuts, n_in + n_out, True


@njit(cache=True)
def _order_and_contract(n, tails, heads, weights, capacity):
    """Contract every node; returns (rank, edge arrays, edge count, ok)."""
    m0 = tails.shape[0]
    e_tail = np.empty(capacity, np.int64)
    e_head = np.empty(capacity, np.int64)
    e_w = np.empty(capacity, np.int64)
    e_mid = np.full(capacity, -1, np.int64)
    out_next = np.full(capacity, -1, np.int64)
    in_next = np.full(capacity, -1, np.int64)
    out_first = np.full(n, -1, np.int64)
    in_first = np.full(n, -1, np.int64)
    for e in range(m0):
        e_tail[e] = tails[e]
        e_head[e] = heads[e]
        e_w[e] = weights[e]
        out_next[e] = out_first[tails[e]]
        out_first[tails[e]] = e
        in_next[e] = in_first[heads[e]]
        in_first[heads[e]] = e
    n_edges = np.array([m0], np.int64)
    g = (out_first, out_next, in_first, in_next, e_tail, e_head, e_w, e_mid, n_edges)

    contracted = np.zeros(n, np.bool_)
    dist = np.full(n, INF, np.int64)
    pos = np.full(n, -1, np.int64)
    heap = np.empty(n, np.int64)
    touched = np.empty(n, np.int64)
    maxdeg = n
    ins = np.empty(maxdeg, np.int64)
    in_w = np.empty(maxdeg, np.int64)
    outs = np.empty(maxdeg, np.int64)
    out_w = np.empty(maxdeg, np.int64)

    level = np.zeros(n, np.int64)
    deleted = np.zeros(n, np.int64)
    prio = np.zeros(n, np.int64)
    qheap = np.empty(n, np.int64)
    qpos = np.full(n, -1, np.int64)
    qsize = 0
    for v in range(n):
        s, r, _ = _contract(v, False, g, contracted, dist, heap, pos, touched, ins, in_w, outs, out_w)
        prio[v] = 4 * (s - r) + 2 * deleted[v] + level[v]
        qsize = _push_or_update(qheap, qpos, prio, v, qsize)

    rank = np.full(n, -1, np.int64)
    nbr = np.empty(2 * maxdeg, np.int64)
    next_rank = 0
    while qsize > 0:
        v = qheap[0]
        s, r, _ = _contract(v, False, g, contracted, dist, heap, pos, touched, ins, in_w, outs, out_w)
        p = 4 * (s - r) + 2 * deleted[v] + level[v]
        if p > prio[v]:
            prio[v] = p
            qsize = _push_or_update(qheap, qpos, prio, v, qsize)
            if qheap[0] != v:
                continue
        v, qsize = _pop(qheap, qpos, prio, qsize)
        s, r, ok = _contract(v, True, g, contracted, dist, heap, pos, touched, ins, in_w, outs, out_w)
        if not ok:
            return rank, g, False
        # Neighbours (before marking v) get fresh priorities.
        k = _neighbours(v, in_first, in_next, e_tail, e_w, contracted, ins, in_w)
        for j in range(k):
            nbr[j] = ins[j]
        k2 = _neighbours(v, out_first, out_next, e_head, e_w, contracted, outs, out_w)
        for j in range(k2):
            nbr[k + j] = outs[j]
        contracted[v] = True
        rank[v] = next_rank
        next_rank += 1
        for j in range(k + k2):
            x = nbr[j]
            deleted[x] += 1
            if level[v] + 1 > level[x]:
                level[x] = level[v] + 1
            s, r, _ = _contract(x, False, g, contracted, dist, heap, pos, touched, ins, in_w, outs, out_w)
            prio[x] = 4 * (s - r) + 2 * deleted[x] + level[x]
            qsize = _push_or_update(qheap, qpos, prio, x, qsize)
    return rank, g, True


def build_hierarchy(n: int, tails: np.ndarray, heads: np.ndarray, weights: np.ndarray) -> Hierarchy:
    """Contraction hierarchy of the directed graph ``tails[e] -> heads[e]`` (weights >= 0, int64,
    no parallel edges or self loops)."""
    tails = np.ascontiguousarray(tails, dtype=np.int64)
    heads = np.ascontiguousarray(heads, dtype=np.int64)
    weights = np.ascontiguousarray(weights, dtype=np.int64)
    capacity = 3 * len(tails) + 1024
    while True:
        rank, g, ok = _order_and_contract(n, tails, heads, weights, capacity)
        if ok:
            break
        capacity *= 2
    e_tail, e_head, e_w, e_mid, n_edges = g[4], g[5], g[6], g[7], int(g[8][0])
    e_tail, e_head, e_w, e_mid = e_tail[:n_edges], e_head[:n_edges], e_w[:n_edges], e_mid[:n_edges]
    up = rank[e_head] > rank[e_tail]
    order = np.argsort(e_tail[up], kind="stable")
    up_ptr = np.searchsorted(e_tail[up][order], np.arange(n + 1)).astype(np.int64)
    down = ~up
    dorder = np.argsort(e_head[down], kind="stable")
    dn_ptr = np.searchsorted(e_head[down][dorder], np.arange(n + 1)).astype(np.int64)
    return Hierarchy(
        rank,
        up_ptr, e_head[up][order], e_w[up][order], e_mid[up][order],
        dn_ptr, e_tail[down][dorder], e_w[down][dorder], e_mid[down][dorder],
    )


# ---------------------------------------------------------------- queries


@njit(cache=True)
def _upward(src, ptr, adj, w, sptr, sadj, sw, dist, heap, pos, popped):
    """Upward Dijkstra from ``src`` over ``ptr/adj/w`` with stall-on-demand through the
    opposite lists ``sptr/sadj/sw``. Writes every popped node to ``popped`` (stalled ones as
    ``-v - 1``: their distance is not exact and they are not expanded) and returns the count;
    ``dist`` holds the distances until the caller calls :func:`_reset`."""
    dist[src] = 0
    size = _push_or_update(heap, pos, dist, src, 0)
    nt = 0
    while size > 0:
        v, size = _pop(heap, pos, dist, size)
        d = dist[v]
        stalled = False
        for k in range(sptr[v], sptr[v + 1]):
            u = sadj[k]
            if dist[u] < INF and dist[u] + sw[k] < d:
                stalled = True
                break
        if stalled:
            popped[nt] = -v - 1
            nt += 1
            continue
        popped[nt] = v
        nt += 1
        for k in range(ptr[v], ptr[v + 1]):
            x = adj[k]
            nd = d + w[k]
            if nd < dist[x]:
                dist[x] = nd
                size = _push_or_update(heap, pos, dist, x, size)
    return nt


@njit(cache=True)
def _reset(touched, nt, dist):
    for i in range(nt):
        v = touched[i]
        if v < 0:
            v = -v - 1
        dist[v] = INF


@njit(cache=True)
def _backward_buckets(n, h_up_ptr, h_up_head, h_up_w, h_dn_ptr, h_dn_tail, h_dn_w, targets):
    """One backward upward search per target; returns bucket CSR (node -> (target, dist))."""
    dist = np.full(n, INF, np.int64)
    pos = np.full(n, -1, np.int64)
    heap = np.empty(n, np.int64)
    touched = np.empty(n, np.int64)
    cap = 64 * len(targets) + 1024
    b_node = np.empty(cap, np.int64)
    b_t = np.empty(cap, np.int64)
    b_d = np.empty(cap, np.int64)
    m = 0
    for ti in range(len(targets)):
        nt = _upward(targets[ti], h_dn_ptr, h_dn_tail, h_dn_w, h_up_ptr, h_up_head, h_up_w, dist, heap, pos, touched)
        for i in range(nt):
            v = touched[i]
            if v < 0:
                continue
            if m >= cap:
                cap *= 2
                nb = np.empty(cap, np.int64)
                nb[:m] = b_node[:m]
                b_node = nb
                nb = np.empty(cap, np.int64)
                nb[:m] = b_t[:m]
                b_t = nb
                nb = np.empty(cap, np.int64)
                nb[:m] = b_d[:m]
                b_d = nb
            b_node[m] = v
            b_t[m] = ti
            b_d[m] = dist[v]
            m += 1
        _reset(touched, nt, dist)
    # Counting sort by node.
    ptr = np.zeros(n + 1, np.int64)
    for i in range(m):
        ptr[b_node[i] + 1] += 1
    for v in range(n):
        ptr[v + 1] += ptr[v]
    fill = ptr[:-1].copy()
    bt = np.empty(m, np.int64)
    bd = np.empty(m, np.int64)
    for i in range(m):
        j = fill[b_node[i]]
        bt[j] = b_t[i]
        bd[j] = b_d[i]
        fill[b_node[i]] += 1
    return ptr, bt, bd


@njit(cache=True, nogil=True)
def _forward_rows(n, h_up_ptr, h_up_head, h_up_w, h_dn_ptr, h_dn_tail, h_dn_w, sources, bptr, bt, bd, out):
    """Row ``i`` of ``out`` (pre-filled with INF): forward search from ``sources[i]`` joined with
    the buckets. Releases the GIL, so chunks of rows run in parallel threads."""
    dist = np.full(n, INF, np.int64)
    pos = np.full(n, -1, np.int64)
    heap = np.empty(n, np.int64)
    touched = np.empty(n, np.int64)
    for si in range(len(sources)):
        nt = _upward(sources[si], h_up_ptr, h_up_head, h_up_w, h_dn_ptr, h_dn_tail, h_dn_w, dist, heap, pos, touched)
        row = out[si]
        for i in range(nt):
            v = touched[i]
            if v < 0:
                continue
            d = dist[v]
            for k in range(bptr[v], bptr[v + 1]):
                x = d + bd[k]
                t = bt[k]
                if x < row[t]:
                    row[t] = x
        _reset(touched, nt, dist)


def many_to_many(h: Hierarchy, sources: np.ndarray, targets: np.ndarray, threads: int = 2) -> np.ndarray:
    """Exact shortest-path weights ``out[i, j]`` from ``sources[i]`` to ``targets[j]`` (node
    ids; int64, :data:`INF` when unreachable). Forward searches run in ``threads`` threads
    (compiled code without the GIL; no numba threading layer, so callers may fork or thread)."""
    n = len(h.rank)
    sources = np.ascontiguousarray(sources, dtype=np.int64)
    targets = np.ascontiguousarray(targets, dtype=np.int64)
    bptr, bt, bd = _backward_buckets(n, h.up_ptr, h.up_head, h.up_w, h.dn_ptr, h.dn_tail, h.dn_w, targets)
    out = np.full((len(sources), len(targets)), INF, np.int64)
    args = (n, h.up_ptr, h.up_head, h.up_w, h.dn_ptr, h.dn_tail, h.dn_w)
    chunks = [c for c in np.array_split(np.arange(len(sources)), max(1, int(threads))) if len(c)]
    if len(chunks) <= 1 or len(sources) < 64:
        _forward_rows(*args, sources, bptr, bt, bd, out)
        return out
    with ThreadPoolExecutor(len(chunks)) as pool:
        jobs = [pool.submit(_forward_rows, *args, sources[c[0] : c[-1] + 1], bptr, bt, bd, out[c[0] : c[-1] + 1]) for c in chunks]
        for job in jobs:
            job.result()
    return out


# ---------------------------------------------------------------- one path, unpacked


@njit(cache=True)
def _search_with_parents(src, ptr, adj, w, n, dist, parent):
    """Plain upward Dijkstra (no stalling) recording the CSR slot of each node's parent edge."""
    pos = np.full(n, -1, np.int64)
    heap = np.empty(n, np.int64)
    touched = np.empty(n, np.int64)
    dist[src] = 0
    parent[src] = -1
    touched[0] = src
    nt = 1
    size = _push_or_update(heap, pos, dist, src, 0)
    while size > 0:
        v, size = _pop(heap, pos, dist, size)
        for k in range(ptr[v], ptr[v + 1]):
            x = adj[k]
            nd = dist[v] + w[k]
            if nd < dist[x]:
                if dist[x] == INF:
                    touched[nt] = x
                    nt += 1
                dist[x] = nd
                parent[x] = k
                size = _push_or_update(heap, pos, dist, x, size)
    return touched[:nt].copy()


def _owner(ptr: np.ndarray, slot: int) -> int:
    return int(np.searchsorted(ptr, slot, side="right") - 1)


def shortest_path(h: Hierarchy, s: int, t: int) -> list[int]:
    """Node ids of the shortest ``s -> t`` path in the original graph (shortcuts unpacked)."""
    n = len(h.rank)
    df = np.full(n, INF, np.int64)
    db = np.full(n, INF, np.int64)
    pf = np.full(n, -1, np.int64)
    pb = np.full(n, -1, np.int64)
    seen_f = _search_with_parents(s, h.up_ptr, h.up_head, h.up_w, n, df, pf)
    _search_with_parents(t, h.dn_ptr, h.dn_tail, h.dn_w, n, db, pb)
    total = df[seen_f] + db[seen_f]
    best = int(np.argmin(total))
    if total[best] >= INF:
        raise ValueError(f"no path from node {s} to node {t}")
    meet = int(seen_f[best])
    # CH edges (tail, head, mid) from s up to meet, then from meet down to t.
    edges: list[tuple[int, int, int]] = []
    v = meet
    while v != s:
        k = int(pf[v])
        a = _owner(h.up_ptr, k)
        edges.append((a, v, int(h.up_mid[k])))
        v = a
    edges.reverse()
    v = meet
    while v != t:
        k = int(pb[v])
        b = _owner(h.dn_ptr, k)
        edges.append((v, b, int(h.dn_mid[k])))
        v = b
    path = [s]
    stack = edges[::-1]
    while stack:
        a, b, mid = stack.pop()
        if mid < 0:
            path.append(b)
            continue
        # a -> mid is stored downward at mid (rank[a] > rank[mid]); mid -> b upward at mid.
        lo, hi = h.dn_ptr[mid], h.dn_ptr[mid + 1]
        k1 = lo + int(np.nonzero(h.dn_tail[lo:hi] == a)[0][0])
        lo, hi = h.up_ptr[mid], h.up_ptr[mid + 1]
        k2 = lo + int(np.nonzero(h.up_head[lo:hi] == b)[0][0])
        stack.append((mid, b, int(h.up_mid[k2])))
        stack.append((a, mid, int(h.dn_mid[k1])))
    return path
