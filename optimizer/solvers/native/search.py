"""The compiled search: solution state, exact move evaluation, ruin and recreate, local search.

A solution is ``m`` routes (route ``r`` belongs to technician ``r``) held in fixed arrays
(:func:`new_state`); for each route the state keeps prefix data so that a candidate route made of
*a prefix of one route + up to two jobs + a suffix of a route* is evaluated without rebuilding it:

* arc cost, travel seconds, service seconds, non-preferred cost and part loads in O(1) (K parts);
  their sum with the fixed and balance terms is a lower bound of the route's cost (lateness >= 0),
  and moves whose lower bound does not improve are dropped before any timing;
* timing in O(1) on break-free routes when no job has a costed SLA deadline, from the earliest
  finish of the prefix and the latest feasible start of the suffix (Savelsbergh's forward/backward
  times, exact for several windows per job because feasibility is monotone in the start time);
  with breaks the same check is a relaxation (breaks only delay) that rejects most infeasible
  candidates in O(1);
* otherwise the exact dynamic programme of :func:`optimizer.solvers.native.timing.eval_route`
  (breaks, several windows, SLA lateness), restarted from the programme's states cached per route
  prefix (``fs_*``) rather than the route's start, and stopped on the route's own suffix as soon as
  its states meet the cached ones again (:func:`tail_late`): O(changed part + breaks^2) instead
  of O(route length x breaks^2) when later windows absorb the change.

Recreate prices a job's positions lazily, lowest lower bound (arc detour) first, and stops when
the bound reaches the best exact delta; a route where a job fitted nowhere is not priced again
for it until the route changes (``nofit``). The local search prices a job's removal once per
version of its route (``rem``).

Every cost here is exact: the engine's objective equals :func:`optimizer.solvers.objective.plan_cost`
(tested). Randomness comes from numba's generator, seeded by :func:`seed_rng`, so a fixed seed
and iteration count give the same plan.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from optimizer.solvers.native.timing import (
    INF,
    KERNEL,
    dp_close,
    dp_stop,
    earliest_start,
    eval_route,
    latest_start_before,
    route_cost,
)

State = namedtuple(
    "State",
    [
        "seq",  # [m, cap] job sequence of each route
        "rlen",  # [m]
        "route_of",  # [n] route of each job, -1 = unassigned
        "pos_of",  # [n]
        "rcost",  # [m] route cost (0 when empty)
        "rload",  # [m, K]
        "parc",  # [m, cap + 1] arc cost start -> s0 -> ... -> s_{i-1}
        "ptrav",  # [m, cap + 1] travel seconds, same path
        "pserv",  # [m, cap + 1] service seconds of s0..s_{i-1}
        "pnp",  # [m, cap + 1] non-preferred cost of s0..s_{i-1}
        "pload",  # [m, cap + 1, K] loads of s0..s_{i-1}
        "fin",  # [m, cap] earliest end of service (break-free technicians)
        "lat",  # [m, cap + 1] latest feasible start; lat[r, len] = latest return
        "work",  # scratch for eval_route
        "buf",  # [2, cap + 2] scratch sequences
        "bk_seq",  # [m, cap] backup of routes touched in an iteration
        "bk_len",  # [m]
        "touched",  # [m] 1 when backed up this iteration
        "tlist",  # [m] touched routes
        "ntouch",  # [1]
        "jlist",  # [n] jobs removed this iteration
        "mid",  # [4] scratch middle segment
        "mark",  # [max(m, n)] scratch marks
        "stats",  # [8] iterations, accepted, improved, ls moves, candidates priced, exact timings, suffix stops timed, mark stamp
        "fkeys",  # [n] scratch sort keys
        "itmp",  # [max(n, m)] scratch marks
        "ljobs",  # [n] scratch job list
        "fs_time",  # [m, cap + 1, B + 1] timing programme's states after s0..s_{i-1}: finish time per breaks taken
        "fs_late",  # [m, cap + 1, B + 1] same states: lateness seconds so far
        "fs_cost",  # [m, cap + 1, B + 1] same states: lateness cost so far
        "rlate",  # [m] lateness cost of each route (0 when empty)
        "hkey",  # [n + m + 1] scratch heap keys (insertion positions by lower bound)
        "hitem",  # [n + m + 1] scratch heap items
        "ver",  # [m] version of each route: a fresh value whenever the route is refreshed
        "nofit",  # [n, m] version of route r at which job j fitted at no position (-1: unknown)
        "rlist",  # [m] scratch: routes whose positions were pushed
        "rskip",  # [m] scratch: 1 when a blink skipped one of the route's positions
        "ntried",  # [1] length of rlist
        "rem",  # [n] cost of job j's route without j (-1: infeasible), valid while rem_ver[j] == ver[route]
        "rem_ver",  # [n] route version rem[j] was priced at (-1: never)
    "rseed",  # [1] the last ruin's seed when it was a job left out, else -1 (read by recreate)
    ],
)


def new_state(D):
    n = D.jpt.shape[0]
    m = D.tstart.shape[0]
    K = D.jdem.shape[1]
    cap = int(D.cap)
    nb = int(np.max(np.diff(D.bptr))) if m else 0
    return State(
        seq=np.full((m, cap), -1, dtype=np.int64),
        rlen=np.zeros(m, dtype=np.int64),
        route_of=np.full(n, -1, dtype=np.int64),
        pos_of=np.full(n, -1, dtype=np.int64),
        rcost=np.zeros(m, dtype=np.int64),
        rload=np.zeros((m, K), dtype=np.int64),
        parc=np.zeros((m, cap + 1), dtype=np.int64),
        ptrav=np.zeros((m, cap + 1), dtype=np.int64),
        pserv=np.zeros((m, cap + 1), dtype=np.int64),
        pnp=np.zeros((m, cap + 1), dtype=np.int64),
        pload=np.zeros((m, cap + 1, K), dtype=np.int64),
        fin=np.zeros((m, cap), dtype=np.int64),
        lat=np.zeros((m, cap + 1), dtype=np.int64),
        work=np.zeros(6 * (nb + 1) + 16, dtype=np.int64),
        buf=np.full((2, cap + 2), -1, dtype=np.int64),
        bk_seq=np.full((m, cap), -1, dtype=np.int64),
        bk_len=np.zeros(m, dtype=np.int64),
        touched=np.zeros(m, dtype=np.int64),
        tlist=np.zeros(m, dtype=np.int64),
        ntouch=np.zeros(1, dtype=np.int64),
        jlist=np.zeros(max(n, 1), dtype=np.int64),
        mid=np.zeros(4, dtype=np.int64),
        mark=np.zeros(max(n, m, 1), dtype=np.int64),
        stats=np.zeros(8, dtype=np.int64),
        fkeys=np.zeros(max(n, 1), dtype=np.float64),
        itmp=np.zeros(max(n, m, 1), dtype=np.int64),
        ljobs=np.zeros(max(n, 1), dtype=np.int64),
        fs_time=np.full((m, cap + 1, nb + 1), INF, dtype=np.int64),
        fs_late=np.zeros((m, cap + 1, nb + 1), dtype=np.int64),
        fs_cost=np.zeros((m, cap + 1, nb + 1), dtype=np.int64),
        rlate=np.zeros(m, dtype=np.int64),
        hkey=np.zeros(n + m + 1, dtype=np.int64),
        hitem=np.zeros(n + m + 1, dtype=np.int64),
        ver=np.zeros(m, dtype=np.int64),
        nofit=np.full((n, m), -1, dtype=np.int64),
        rlist=np.zeros(max(m, 1), dtype=np.int64),
        rskip=np.zeros(max(m, 1), dtype=np.int64),
        ntried=np.zeros(1, dtype=np.int64),
        rem=np.zeros(max(n, 1), dtype=np.int64),
        rem_ver=np.full(max(n, 1), -1, dtype=np.int64),
        rseed=np.full(1, -1, dtype=np.int64),
    )


# --------------------------------------------------------------------------------------------
# Route data
# --------------------------------------------------------------------------------------------


@njit(**KERNEL)
def refresh_route(D, S, r):
    """Recompute every cached value of route ``r`` from its sequence. Returns its cost, or -1
    when the sequence is infeasible (callers only store feasible routes)."""
    L = S.rlen[r]
    K = D.jdem.shape[1]
    S.stats[7] += 1  # a version unique across routes (stamps only need to be fresh)
    S.ver[r] = S.stats[7]
    prev = D.tstart[r]
    S.parc[r, 0] = 0
    S.ptrav[r, 0] = 0
    S.pserv[r, 0] = 0
    S.pnp[r, 0] = 0
    for k in range(K):
        S.pload[r, 0, k] = 0
    t = D.tready[r]
    bb = D.bptr[r]
    nb = D.bptr[r + 1] - bb
    s_time, s_late, s_cost, n_time, n_late, n_cost = dp_slices(S.work, nb)
    for k in range(nb + 1):
        s_time[k] = INF
        s_late[k] = 0
        s_cost[k] = 0
    s_time[0] = D.tready[r]
    for k in range(nb + 1):
        S.fs_time[r, 0, k] = s_time[k]
        S.fs_late[r, 0, k] = s_late[k]
        S.fs_cost[r, 0, k] = s_cost[k]
    for i in range(L):
        j = S.seq[r, i]
        p = D.jpt[j]
        S.route_of[j] = r
        S.pos_of[j] = i
        S.parc[r, i + 1] = S.parc[r, i] + D.arc[prev, p]
        S.ptrav[r, i + 1] = S.ptrav[r, i] + D.dur[prev, p]
        S.pserv[r, i + 1] = S.pserv[r, i] + D.jsrv[j, r]
        S.pnp[r, i + 1] = S.pnp[r, i] + D.nonpref[j, r]
        for k in range(K):
            S.pload[r, i + 1, k] = S.pload[r, i, k] + D.jdem[j, k]
        if t < INF:
            t = earliest_start(D, j, t + D.dur[prev, p])
            if t < INF:
                t += D.jsrv[j, r]
        S.fin[r, i] = t
        dp_stop(D, bb, nb, D.dur[prev, p], j, D.jsrv[j, r], s_time, s_late, s_cost, n_time, n_late, n_cost)
        for k in range(nb + 1):
            S.fs_time[r, i + 1, k] = s_time[k]
            S.fs_late[r, i + 1, k] = s_late[k]
            S.fs_cost[r, i + 1, k] = s_cost[k]
        prev = p
    for k in range(K):
        S.rload[r, k] = S.pload[r, L, k]
    # latest feasible starts, backwards from the latest return
    nxt = D.tshift[r]
    nxt_pt = D.tend[r]
    S.lat[r, L] = nxt
    for i in range(L - 1, -1, -1):
        j = S.seq[r, i]
        if nxt > -INF:
            nxt = latest_start_before(D, j, nxt - D.dur[D.jpt[j], nxt_pt] - D.jsrv[j, r])
        S.lat[r, i] = nxt
        nxt_pt = D.jpt[j]
    c = np.int64(0)
    S.rlate[r] = 0
    if L > 0:
        late = dp_close(D, r, bb, nb, D.dur[prev, D.tend[r]], s_time, s_late, s_cost)
        if late < 0:
            c = np.int64(-1)
        else:
            S.rlate[r] = late
            c = route_cost(D, r, S.parc[r, L] + D.arc[prev, D.tend[r]], S.ptrav[r, L] + D.dur[prev, D.tend[r]],
                           S.pserv[r, L], S.pnp[r, L], late)
    S.rcost[r] = c if c >= 0 else INF
    return c


@njit(**KERNEL)
def dp_slices(work, nb):
    """The timing programme's state vectors (``nb + 1`` entries each) in the scratch array, as
    :func:`optimizer.solvers.native.timing.eval_route` lays them out."""
    base = 8
    w = nb + 1
    return (work[base : base + w], work[base + w : base + 2 * w], work[base + 2 * w : base + 3 * w],
            work[base + 3 * w : base + 4 * w], work[base + 4 * w : base + 5 * w], work[base + 5 * w : base + 6 * w])


@njit(**KERNEL)
def tail_late(D, S, t, ia, mid, nmid, rb, jb):
    """Lateness cost of technician ``t`` serving ``seq[t][:ia] + mid[:nmid] + seq[rb][jb:]``
    (its SLA part of the cost), or -1 when the timing is infeasible.

    The programme starts from the cached states after the prefix (``fs_*[t, ia]``) instead of
    the route's start. On its own route's suffix (``rb == t``) it stops as soon as its states
    before a suffix job equal the cached ones before that job up to one common lateness shift:
    from there on the programme makes the same choices, so the rest costs what it cost before.
    Exactly :func:`eval_route`'s lateness (tested)."""
    bb = D.bptr[t]
    nb = D.bptr[t + 1] - bb
    s_time, s_late, s_cost, n_time, n_late, n_cost = dp_slices(S.work, nb)
    for k in range(nb + 1):
        s_time[k] = S.fs_time[t, ia, k]
        s_late[k] = S.fs_late[t, ia, k]
        s_cost[k] = S.fs_cost[t, ia, k]
    prev = D.tstart[t] if ia == 0 else D.jpt[S.seq[t, ia - 1]]
    for x in range(nmid):
        j = mid[x]
        p = D.jpt[j]
        if not dp_stop(D, bb, nb, D.dur[prev, p], j, D.jsrv[j, t], s_time, s_late, s_cost, n_time, n_late, n_cost):
            return np.int64(-1)
        prev = p
    for i in range(jb, S.rlen[rb]):
        if rb == t and i > jb:
            same = True
            first = True
            d_late = np.int64(0)
            d_cost = np.int64(0)
            for k in range(nb + 1):
                ft = S.fs_time[t, i, k]
                if s_time[k] != ft:
                    same = False
                    break
                if ft < INF:
                    a = s_late[k] - S.fs_late[t, i, k]
                    c = s_cost[k] - S.fs_cost[t, i, k]
                    if first:
                        d_late = a
                        d_cost = c
                        first = False
                    elif a != d_late or c != d_cost:
                        same = False
                        break
            if same and not first:
                return S.rlate[t] + d_cost
        j = S.seq[rb, i]
        p = D.jpt[j]
        S.stats[6] += 1
        if not dp_stop(D, bb, nb, D.dur[prev, p], j, D.jsrv[j, t], s_time, s_late, s_cost, n_time, n_late, n_cost):
            return np.int64(-1)
        prev = p
    return dp_close(D, t, bb, nb, D.dur[prev, D.tend[t]], s_time, s_late, s_cost)


@njit(**KERNEL)
def total_cost(D, S):
    c = np.int64(0)
    for r in range(S.rlen.shape[0]):
        c += S.rcost[r]
    for j in range(S.route_of.shape[0]):
        if S.route_of[j] < 0:
            c += D.jdrop[j]
    return c


@njit(**KERNEL)
def backup(S, r):
    """Remember route ``r`` as it was at the start of this iteration (once per iteration)."""
    if S.touched[r]:
        return
    S.touched[r] = 1
    S.tlist[S.ntouch[0]] = r
    S.ntouch[0] += 1
    L = S.rlen[r]
    S.bk_len[r] = L
    for i in range(L):
        S.bk_seq[r, i] = S.seq[r, i]


@njit(**KERNEL)
def clear_touched(S):
    for a in range(S.ntouch[0]):
        S.touched[S.tlist[a]] = 0
    S.ntouch[0] = 0


@njit(**KERNEL)
def restore(D, S, nremoved):
    """Undo this iteration: touched routes back to their backups, removed jobs back in place
    (and the crews' and dependencies' start bounds as they were)."""
    if D.links == 1:
        pins_undo(D)
    for a in range(nremoved):
        S.route_of[S.jlist[a]] = -1
    for a in range(S.ntouch[0]):
        r = S.tlist[a]
        for i in range(S.rlen[r]):
            S.route_of[S.seq[r, i]] = -1
    for a in range(S.ntouch[0]):
        r = S.tlist[a]
        L = S.bk_len[r]
        S.rlen[r] = L
        for i in range(L):
            S.seq[r, i] = S.bk_seq[r, i]
        refresh_route(D, S, r)
    clear_touched(S)


# --------------------------------------------------------------------------------------------
# Candidate routes: prefix(ra, ia) + mid + suffix(rb, jb), for technician ra
# --------------------------------------------------------------------------------------------


@njit(**KERNEL)
def materialize(S, ra, ia, mid, nmid, rb, jb, out):
    """Write the candidate sequence into ``out``; returns its length."""
    n = 0
    for i in range(ia):
        out[n] = S.seq[ra, i]
        n += 1
    for i in range(nmid):
        out[n] = mid[i]
        n += 1
    for i in range(jb, S.rlen[rb]):
        out[n] = S.seq[rb, i]
        n += 1
    return n


@njit(**KERNEL)
def concat_cost(D, S, ra, ia, mid, nmid, rb, jb, limit):
    """Cost of technician ``ra`` serving ``seq[ra][:ia] + mid[:nmid] + seq[rb][jb:]``.

    Returns -1 when infeasible and -2 when its lower bound is already >= ``limit`` (not
    evaluated further); otherwise the exact cost."""
    t = ra
    S.stats[4] += 1
    Lb = S.rlen[rb]
    length = ia + nmid + (Lb - jb)
    if length == 0:
        return np.int64(0)
    if length > D.tmaxj[t] or length > S.seq.shape[1]:
        return np.int64(-1)
    K = D.jdem.shape[1]
    for k in range(K):
        load = S.pload[ra, ia, k] + S.rload[rb, k] - S.pload[rb, jb, k]
        for x in range(nmid):
            load += D.jdem[mid[x], k]
        if load > D.tcap[t, k]:
            return np.int64(-1)
    arc = S.parc[ra, ia]
    trav = S.ptrav[ra, ia]
    serv = S.pserv[ra, ia]
    npref = S.pnp[ra, ia]
    prev = D.tstart[t] if ia == 0 else D.jpt[S.seq[ra, ia - 1]]
    for x in range(nmid):
        j = mid[x]
        if D.allowed[j, t] == 0:
            return np.int64(-1)
        p = D.jpt[j]
        arc += D.arc[prev, p]
        trav += D.dur[prev, p]
        serv += D.jsrv[j, t]
        npref += D.nonpref[j, t]
        prev = p
    if jb < Lb:
        first = D.jpt[S.seq[rb, jb]]
        arc += D.arc[prev, first] + S.parc[rb, Lb] - S.parc[rb, jb + 1]
        trav += D.dur[prev, first] + S.ptrav[rb, Lb] - S.ptrav[rb, jb + 1]
        last = D.jpt[S.seq[rb, Lb - 1]]
        if rb == ra:
            serv += S.pserv[rb, Lb] - S.pserv[rb, jb]
            npref += S.pnp[rb, Lb] - S.pnp[rb, jb]
        else:
            if D.vardur == 0:
                serv += S.pserv[rb, Lb] - S.pserv[rb, jb]
            for i in range(jb, Lb):
                j = S.seq[rb, i]
                if D.allowed[j, t] == 0 or (D.links == 1 and D.jcrew[j] >= 0):
                    return np.int64(-1)  # crew copies change technicians only through ruin and recreate
                npref += D.nonpref[j, t]
                if D.vardur == 1:
                    serv += D.jsrv[j, t]
    else:
        last = prev
    arc += D.arc[last, D.tend[t]]
    trav += D.dur[last, D.tend[t]]
    lb = route_cost(D, t, arc, trav, serv, npref, 0)
    if lb >= limit:
        return np.int64(-2)
    nb = D.bptr[t + 1] - D.bptr[t]
    if rb == ra or (D.tend[rb] == D.tend[t] and D.tshift[rb] == D.tshift[t] and (D.vardur == 0 or jb >= Lb)):
        # Timing without breaks from the prefix's earliest finish and the suffix's latest start:
        # exact on break-free routes; with breaks a relaxation (breaks only delay), so an
        # infeasible answer is final and the exact programme runs only on the rest.
        time = D.tready[t] if ia == 0 else S.fin[ra, ia - 1]
        if time >= INF:
            return np.int64(-1)
        pt = D.tstart[t] if ia == 0 else D.jpt[S.seq[ra, ia - 1]]
        for x in range(nmid):
            j = mid[x]
            time = earliest_start(D, j, time + D.dur[pt, D.jpt[j]])
            if time >= INF:
                return np.int64(-1)
            time += D.jsrv[j, t]
            pt = D.jpt[j]
        if jb < Lb:
            if time + D.dur[pt, D.jpt[S.seq[rb, jb]]] > S.lat[rb, jb]:
                return np.int64(-1)
        elif time + D.dur[pt, D.tend[t]] > D.tshift[t]:
            return np.int64(-1)
        if D.fast == 1 and nb == 0:
            return lb
    S.stats[5] += 1
    late = tail_late(D, S, t, ia, mid, nmid, rb, jb)
    if late < 0:
        return np.int64(-1)
    return route_cost(D, t, arc, trav, serv, npref, late)


@njit(**KERNEL)
def write_route(D, S, r, src, n):
    """Replace route ``r`` by ``src[:n]`` (backed up first) and refresh it."""
    backup(S, r)
    for i in range(S.rlen[r]):
        j = S.seq[r, i]
        if S.route_of[j] == r:
            S.route_of[j] = -1
    for i in range(n):
        S.seq[r, i] = src[i]
    S.rlen[r] = n
    return refresh_route(D, S, r)


@njit(**KERNEL)
def apply_two(D, S, ra, ia, mida, na, rb, jb, rc, ic, midc, nc, rd, jd):
    """Apply two candidate routes at once (both are built from the current sequences first)."""
    n1 = materialize(S, ra, ia, mida, na, rb, jb, S.buf[0])
    n2 = materialize(S, rc, ic, midc, nc, rd, jd, S.buf[1])
    backup(S, ra)
    backup(S, rc)
    for i in range(S.rlen[ra]):
        S.route_of[S.seq[ra, i]] = -1
    for i in range(S.rlen[rc]):
        S.route_of[S.seq[rc, i]] = -1
    for i in range(n1):
        S.seq[ra, i] = S.buf[0, i]
    S.rlen[ra] = n1
    for i in range(n2):
        S.seq[rc, i] = S.buf[1, i]
    S.rlen[rc] = n2
    refresh_route(D, S, ra)
    refresh_route(D, S, rc)


@njit(**KERNEL)
def heap_push(keys, items, n, key, item):
    """Push ``(key, item)`` on the binary min-heap ``keys/items[:n]``; returns the new size."""
    i = n
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        items[i] = items[parent]
        i = parent
    keys[i] = key
    items[i] = item
    return n + 1


@njit(**KERNEL)
def heap_pop(keys, items, n):
    """Remove the smallest entry of the heap ``keys/items[:n]`` (n >= 1): (key, item)."""
    key = keys[0]
    item = items[0]
    n -= 1
    lk = keys[n]
    li = items[n]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and keys[c + 1] < keys[c]:
            c += 1
        if keys[c] >= lk:
            break
        keys[i] = keys[c]
        items[i] = items[c]
        i = c
    keys[i] = lk
    items[i] = li
    return key, item


@njit(**KERNEL)
def push_positions(D, S, j, r, blink, nh):
    """Push every position of route ``r`` for job ``j`` on the insertion heap, keyed by a lower
    bound of the cost delta (arc detour, non-preference, fixed cost of an empty route). Each
    position is skipped with probability ``blink``. Returns the new heap size."""
    L = S.rlen[r]
    if L + 1 > D.tmaxj[r] or S.nofit[j, r] == S.ver[r]:
        return nh
    for k in range(D.jdem.shape[1]):
        if D.jdem[j, k] > 0 and S.rload[r, k] + D.jdem[j, k] > D.tcap[r, k]:
            return nh
    S.rlist[S.ntried[0]] = r
    S.rskip[S.ntried[0]] = 0
    S.ntried[0] += 1
    pj = D.jpt[j]
    extra = D.nonpref[j, r] + (D.fixed if L == 0 else 0)
    width = S.seq.shape[1] + 1
    for i in range(L + 1):
        if blink > 0.0 and np.random.random() < blink:
            S.rskip[S.ntried[0] - 1] = 1
            continue
        a = D.tstart[r] if i == 0 else D.jpt[S.seq[r, i - 1]]
        b = D.tend[r] if i == L else D.jpt[S.seq[r, i]]
        nh = heap_push(S.hkey, S.hitem, nh, D.arc[a, pj] + D.arc[pj, b] - D.arc[a, b] + extra, r * width + i)
    return nh


@njit(**KERNEL)
def drain_positions(D, S, j, nh, best_r, best_i, best_d):
    """Price the heap's positions for job ``j`` from the lowest bound up, until the bound
    reaches the best exact delta found: (route, position, delta), the input ones when none beats
    them."""
    width = S.seq.shape[1] + 1
    S.mid[0] = j
    while nh > 0:
        key, item = heap_pop(S.hkey, S.hitem, nh)
        nh -= 1
        if key >= best_d:
            break
        r = item // width
        i = item - r * width
        old = S.rcost[r]
        c = concat_cost(D, S, r, i, S.mid, 1, r, i, old + best_d)
        if c >= 0 and c - old < best_d:
            best_r, best_i, best_d = r, i, c - old
    return best_r, best_i, best_d


@njit(**KERNEL)
def best_insertion(D, S, j, blink, granular):
    """Best (route, position, cost delta) to insert job ``j``; route -1 when none is feasible.

    With ``granular``, only the routes of ``j``'s nearest jobs and one empty route per
    technician class are tried first, and the other routes only when none of those can take it;
    otherwise every route (empty ones once per class). Positions are priced lazily, lowest lower
    bound first (:func:`drain_positions`). Each position is skipped with probability ``blink``."""
    m = S.rlen.shape[0]
    stamp = S.stats[7] + 1  # fresh mark values: routes tried, empty-route classes tried
    S.stats[7] = stamp + 1
    nh = 0
    S.ntried[0] = 0
    if granular:
        for a in range(D.neigh.shape[1]):
            r = S.route_of[D.neigh[j, a]]
            if r < 0 or S.mark[r] == stamp or D.allowed[j, r] == 0:
                continue
            S.mark[r] = stamp
            nh = push_positions(D, S, j, r, blink, nh)
    for r in range(m):
        if D.allowed[j, r] == 0:
            continue
        if S.rlen[r] == 0:
            cl = D.tclass[r]
            if S.itmp[cl] == stamp + 1:
                continue
            S.itmp[cl] = stamp + 1
        elif granular:
            continue
        nh = push_positions(D, S, j, r, blink, nh)
    best_r, best_i, best_d = drain_positions(D, S, j, nh, -1, -1, INF)
    if best_r < 0:
        remember_nofit(S, j)
    if granular and best_r < 0:
        nh = 0
        S.ntried[0] = 0
        for r in range(m):
            if D.allowed[j, r] == 1 and S.rlen[r] > 0 and S.mark[r] != stamp:
                nh = push_positions(D, S, j, r, blink, nh)
        best_r, best_i, best_d = drain_positions(D, S, j, nh, best_r, best_i, best_d)
        if best_r < 0:
            remember_nofit(S, j)
    return best_r, best_i, best_d


@njit(**KERNEL)
def remember_nofit(S, j):
    """Every position of the routes just pushed (none skipped by a blink) was priced and none can
    take job ``j``: remember it until those routes change."""
    for a in range(S.ntried[0]):
        if S.rskip[a] == 0:
            r = S.rlist[a]
            S.nofit[j, r] = S.ver[r]


@njit(**KERNEL)
def insert_at(D, S, j, r, i):
    S.mid[0] = j
    n = materialize(S, r, i, S.mid, 1, r, i, S.buf[0])
    write_route(D, S, r, S.buf[0], n)


# --------------------------------------------------------------------------------------------
# Ruin: string removals (SISR, Christiaens and Vanden Berghe 2020)
# --------------------------------------------------------------------------------------------


@njit(**KERNEL)
def remove_string(D, S, r, pos, ls_max, stamp, nrem):
    """Remove from route ``r`` a string (or, half the time, a split string: a longer string whose
    middle jobs stay) covering position ``pos``; removed jobs are appended to ``S.jlist`` after
    ``nrem`` and marked with ``stamp``. Returns the new count, or -1 when the shorter route would
    be infeasible (a matrix without the triangle inequality, or a break that only fit thanks to
    a removed stop); the route is then left alone."""
    L = S.rlen[r]
    lmax = min(float(L), ls_max)
    length = int(np.random.random() * lmax) + 1
    if length > L:
        length = L
    keep = 0
    if length < L and np.random.random() < 0.5:
        keep = 1
        while length + keep < L and np.random.random() < 0.5:
            keep += 1
    total = length + keep
    lo = pos - total + 1
    if lo < 0:
        lo = 0
    hi = pos
    if hi > L - total:
        hi = L - total
    start = lo + int(np.random.random() * (hi - lo + 1))
    keep_at = start + int(np.random.random() * (length + 1)) if keep > 0 else -1
    out = S.buf[1]
    nout = 0
    first = nrem
    for i in range(L):
        inside = start <= i < start + total
        kept = keep > 0 and keep_at <= i < keep_at + keep
        if inside and not kept:
            S.jlist[nrem] = S.seq[r, i]
            nrem += 1
        else:
            out[nout] = S.seq[r, i]
            nout += 1
    if eval_route(D, r, out, nout, S.work) < 0:
        return -1
    for x in range(first, nrem):
        S.mark[S.jlist[x]] = stamp
    write_route(D, S, r, out, nout)
    return nrem


@njit(**KERNEL)
def free_room(D, S, r, j, stamp, nrem):
    """Remove from route ``r`` the jobs that stand between it and job ``j``: those using a part
    type ``r`` has too few units left of for ``j``, or one random job when ``r`` is at max_jobs.
    Returns the new count of listed jobs (unchanged when nothing was removed)."""
    L = S.rlen[r]
    K = D.jdem.shape[1]
    out = S.buf[1]
    nout = 0
    first = nrem
    victim = -1
    if L + 1 > D.tmaxj[r]:
        victim = np.random.randint(0, L)
    for i in range(L):
        x = S.seq[r, i]
        drop = i == victim
        for k in range(K):
            if D.jdem[j, k] > 0 and D.jdem[x, k] > 0 and S.rload[r, k] + D.jdem[j, k] > D.tcap[r, k]:
                drop = True
        if drop:
            S.jlist[nrem] = x
            nrem += 1
        else:
            out[nout] = x
            nout += 1
    if nrem == first or eval_route(D, r, out, nout, S.work) < 0:
        return first
    for x in range(first, nrem):
        S.mark[S.jlist[x]] = stamp
    write_route(D, S, r, out, nout)
    return nrem


@njit(**KERNEL)
def late_job(D, S):
    """A job that ends after its SLA deadline, or -1 when no route has lateness: a route with
    lateness drawn uniformly, then one of its jobs where the least lateness cost of the cached
    timing states grows (the job is late on the route's cheapest schedule so far)."""
    m = S.rlen.shape[0]
    count = 0
    rr = -1
    for r in range(m):
        if S.rlate[r] > 0 and S.rlen[r] > 0:
            count += 1
            if np.random.random() * count < 1.0:
                rr = r
    if rr < 0:
        return -1
    nb = D.bptr[rr + 1] - D.bptr[rr]
    prev = np.int64(0)
    count = 0
    job = S.seq[rr, np.random.randint(0, S.rlen[rr])]
    for i in range(S.rlen[rr]):
        least = INF
        for k in range(nb + 1):
            if S.fs_time[rr, i + 1, k] < INF and S.fs_cost[rr, i + 1, k] < least:
                least = S.fs_cost[rr, i + 1, k]
        if least < INF and least > prev:
            count += 1
            if np.random.random() * count < 1.0:
                job = S.seq[rr, i]
        if least < INF:
            prev = least
    return job


@njit(**KERNEL)
def ruin(D, S, avg_removed, max_string, late_rate, out_rate, spill_rate):
    """Remove strings of consecutive jobs from routes near a random seed job. Returns the number
    of jobs removed (listed in ``S.jlist``). Unassigned jobs near the seed are listed too, so
    that recreate tries them again. The seed is, with probability ``out_rate``, a job left out
    (when any), with probability ``late_rate`` a job that ends after its SLA deadline (when any,
    :func:`late_job`), else any job. A left-out seed is recorded in ``S.rseed`` for recreate;
    with probability ``spill_rate`` its ruin also removes strings from nearby routes that may not
    take it, so that the jobs it displaces find room."""
    n = S.route_of.shape[0]
    m = S.rlen.shape[0]
    if n == 0:
        return 0
    used = 0
    nonempty = 0
    for r in range(m):
        if S.rlen[r] > 0:
            used += S.rlen[r]
            nonempty += 1
    avg_len = used / nonempty if nonempty > 0 else 1.0
    ls_max = min(float(max_string), avg_len)
    ks_max = 4.0 * avg_removed / (1.0 + ls_max) - 1.0
    ks = int(np.random.random() * ks_max) + 1
    seed = np.random.randint(0, n)
    u = np.random.random()
    if u < out_rate:
        # Often (half the time by default), when jobs are left out, ruin around one of them: room
        # is made where it would go, and recreate (most important first) tries it again.
        count = 0
        for j in range(n):
            if S.route_of[j] < 0:
                count += 1
                if np.random.random() * count < 1.0:
                    seed = j
    elif D.fast == 0 and u < out_rate + late_rate:
        # Some of the time, when jobs end after their SLA deadline, ruin around one of them.
        late = late_job(D, S)
        if late >= 0:
            seed = late
    nrem = 0
    ruined = 0
    kk = D.neigh.shape[1]
    stamp = S.stats[7] + 1
    S.stats[7] = stamp
    seed_out = S.route_of[seed] < 0
    S.rseed[0] = seed if seed_out else -1
    spill = 0
    if seed_out:
        ks = int(ks_max) + 1  # room for a left-out job: as many strings as a ruin may take
        if spill_rate > 0 and np.random.random() < spill_rate:
            # and room for the jobs it displaces: strings from routes near it that may not take it
            spill = int(np.random.random() * ks_max) + 1
    spilled = 0
    for a in range(kk + 1):
        c = seed if a == 0 else D.neigh[seed, a - 1]
        r = S.route_of[c]
        if r < 0:
            if S.mark[c] != stamp and nrem < n:
                S.mark[c] = stamp
                S.jlist[nrem] = c
                nrem += 1
            continue
        if S.touched[r]:
            continue
        if seed_out and D.allowed[seed, r] == 0:
            if spilled < spill:
                got = remove_string(D, S, r, S.pos_of[c], ls_max, stamp, nrem)
                if got >= 0:
                    nrem = got
                    spilled += 1
            continue
        if ruined >= ks:
            continue
        got = remove_string(D, S, r, S.pos_of[c], ls_max, stamp, nrem)
        if got >= 0:
            nrem = got
            ruined += 1
    if seed_out:
        # Capacity conflicts: in up to two routes that may take the seed but lack the van stock
        # or a free max_jobs slot for it, also remove the jobs that use the short part (or one
        # random job), so that recreate can hand them to someone else.
        done = 0
        start_r = np.random.randint(0, m)
        for step in range(m):
            if done >= 2:
                break
            r = (start_r + step) % m
            if S.rlen[r] == 0 or D.allowed[seed, r] == 0 or S.touched[r]:
                continue
            got = free_room(D, S, r, seed, stamp, nrem)
            if got > nrem:
                nrem = got
                done += 1
    if seed_out and ruined == 0:
        # no neighbour sits in a route that may take the seed: ruin a few of those routes
        for _ in range(3):
            r = np.random.randint(0, m)
            if S.rlen[r] > 0 and D.allowed[seed, r] == 1 and not S.touched[r]:
                got = remove_string(D, S, r, np.random.randint(0, S.rlen[r]), ls_max, stamp, nrem)
                if got >= 0:
                    nrem = got
    if D.links == 1:
        nrem = ruin_groups(D, S, nrem, stamp)
    for x in range(nrem):
        S.route_of[S.jlist[x]] = -1
        S.pos_of[S.jlist[x]] = -1
    return nrem


@njit(**KERNEL)
def sort_by_keys(items, keys, n):
    """Sort ``items[:n]`` by ``keys[:n]`` ascending, stable (insertion sort after a gap pass:
    n is a ruin's few dozen jobs, or all jobs once at construction)."""
    gap = 1
    while gap < n // 3:
        gap = 3 * gap + 1
    while gap > 1:
        gap //= 3
        for i in range(gap, n):
            k = keys[i]
            it = items[i]
            j = i
            while j >= gap and keys[j - gap] > k:
                keys[j] = keys[j - gap]
                items[j] = items[j - gap]
                j -= gap
            keys[j] = k
            items[j] = it
    for i in range(1, n):
        k = keys[i]
        it = items[i]
        j = i
        while j >= 1 and keys[j - 1] > k:
            keys[j] = keys[j - 1]
            items[j] = items[j - 1]
            j -= 1
        keys[j] = k
        items[j] = it


@njit(**KERNEL)
def recreate(D, S, nrem, blink, granular):
    """Insert the listed jobs in one of SISR's orders (random, largest demand, farthest,
    closest), least flexible first (fewest technicians allowed, then shortest windows) or, when
    SLA deadlines are costed, earliest deadline first; half the time most important first. Half
    the time the left-out job the ruin was seeded at (``S.rseed``) goes first of all. Jobs with no feasible place stay unassigned."""
    if nrem == 0:
        return
    keys = S.fkeys
    u = np.random.random()
    # SISR's weights 4/4/2/1, plus 4 for least flexible first, plus 3 for earliest SLA deadline
    # first when deadlines are costed
    w_flex = 4.0 if D.flexorder == 1 else 0.0
    w = 11.0 + w_flex + (3.0 if D.fast == 0 else 0.0)
    mode = 0 if u < 4.0 / w else (1 if u < 8.0 / w else (2 if u < 10.0 / w else (3 if u < 11.0 / w else (4 if u < (11.0 + w_flex) / w else 5))))
    big = 0.0
    for x in range(nrem):
        j = S.jlist[x]
        if mode == 0:
            key = np.random.random()
        elif mode == 4:
            key = D.jflex[j] + 0.5 * np.random.random()
        elif mode == 5:
            # earliest deadline first (deadlines are seconds from the origin; none: after all)
            key = (float(D.jdl[j]) if D.jdl[j] < 100_000_000 else 100_000_000.0) + 60.0 * np.random.random()
        elif mode == 1:
            dem = 0
            for k in range(D.jdem.shape[1]):
                dem += D.jdem[j, k]
            key = -float(dem) - np.random.random() * 1e-3
        else:
            d = float(D.dur[D.tstart[0], D.jpt[j]])  # from the first technician's start (SISR: the depot)
            key = -d if mode == 2 else d
        keys[x] = key
        if abs(key) > big:
            big = abs(key)
    scale = 2.0 * big + 2.0
    top = 1.0
    by_priority = np.random.random() < 0.5
    for x in range(nrem):
        if float(D.jdrop[S.jlist[x]]) + 1.0 > top:
            top = float(D.jdrop[S.jlist[x]]) + 1.0
    for x in range(nrem):
        # half the time most important first: a larger drop penalty sorts before any order key
        # (the other half lets a less important job take a place first, which is sometimes the
        # only way to serve both)
        if by_priority:
            keys[x] -= scale * float(D.jdrop[S.jlist[x]]) / top * 16.0
    if S.rseed[0] >= 0 and np.random.random() < 0.5:
        # half the time the left-out job a ruin made room for goes first, before the jobs it displaced
        for x in range(nrem):
            if S.jlist[x] == S.rseed[0]:
                keys[x] = -np.inf
    S.rseed[0] = -1
    sort_by_keys(S.jlist, keys, nrem)
    gstamp = S.stats[7] + 1
    S.stats[7] = gstamp
    for x in range(nrem):
        j = S.jlist[x]
        if D.links == 1 and D.gid[j] >= 0:
            g = D.gid[j]
            if D.gmark[g] != gstamp:  # a crew or dependency group: all its jobs at once, at its first one's turn
                D.gmark[g] = gstamp
                insert_group(D, S, g, blink, granular)
            continue
        r, i, d = best_insertion(D, S, j, blink, granular)
        if r >= 0 and d < D.jdrop[j]:
            insert_at(D, S, j, r, i)


# --------------------------------------------------------------------------------------------
# Local search: relocate, swap, 2-opt* on granular neighbourhoods (first improvement)
# --------------------------------------------------------------------------------------------


@njit(**KERNEL)
def removal_cost(D, S, u):
    """Cost of job ``u``'s route without ``u`` (-1 when infeasible), priced once per version of
    the route: the local search asks for it with each of ``u``'s neighbours."""
    ru = S.route_of[u]
    if S.rem_ver[u] != S.ver[ru]:
        S.rem[u] = concat_cost(D, S, ru, S.pos_of[u], S.mid, 0, ru, S.pos_of[u] + 1, INF)
        S.rem_ver[u] = S.ver[ru]
    return S.rem[u]


@njit(**KERNEL)
def try_moves(D, S, u, v):
    """Try the moves between job ``u`` and its neighbour ``v``; apply the first improving one.
    Returns True when a move was applied."""
    ru = S.route_of[u]
    rv = S.route_of[v]
    if ru < 0 or rv < 0:
        return False
    pu = S.pos_of[u]
    pv = S.pos_of[v]
    mid = S.mid
    if ru != rv and D.links == 1 and (D.jcrew[u] >= 0 or D.jcrew[v] >= 0):
        return False  # crew copies change technicians only through ruin and recreate (distinct technicians)
    if ru != rv:
        old = S.rcost[ru] + S.rcost[rv]
        # relocate u after v
        c1 = removal_cost(D, S, u)
        if c1 >= 0 and c1 < old:
            mid[0] = u
            c2 = concat_cost(D, S, rv, pv + 1, mid, 1, rv, pv + 1, old - c1)
            if c2 >= 0 and c1 + c2 < old:
                mid[1] = u
                apply_two(D, S, ru, pu, mid, 0, ru, pu + 1, rv, pv + 1, mid[1:], 1, rv, pv + 1)
                return True
        # relocate u before v
        if c1 >= 0 and c1 < old:
            mid[0] = u
            c2 = concat_cost(D, S, rv, pv, mid, 1, rv, pv, old - c1)
            if c2 >= 0 and c1 + c2 < old:
                mid[1] = u
                apply_two(D, S, ru, pu, mid, 0, ru, pu + 1, rv, pv, mid[1:], 1, rv, pv)
                return True
        # swap u and v
        mid[0] = v
        c1 = concat_cost(D, S, ru, pu, mid, 1, ru, pu + 1, old + 1)
        if c1 >= 0 and c1 < old:
            mid[0] = u
            c2 = concat_cost(D, S, rv, pv, mid, 1, rv, pv + 1, old - c1)
            if c2 >= 0 and c1 + c2 < old:
                mid[2] = v
                mid[3] = u
                apply_two(D, S, ru, pu, mid[2:], 1, ru, pu + 1, rv, pv, mid[3:], 1, rv, pv + 1)
                return True
        # 2-opt*: u then v's successor; v then u's successor
        c1 = concat_cost(D, S, ru, pu + 1, mid, 0, rv, pv + 1, old + 1)
        if c1 >= 0 and c1 < old:
            c2 = concat_cost(D, S, rv, pv + 1, mid, 0, ru, pu + 1, old - c1)
            if c2 >= 0 and c1 + c2 < old:
                apply_two(D, S, ru, pu + 1, mid, 0, rv, pv + 1, rv, pv + 1, mid, 0, ru, pu + 1)
                return True
        # 2-opt*: u's predecessor then v; v's predecessor then u
        c1 = concat_cost(D, S, ru, pu, mid, 0, rv, pv, old + 1)
        if c1 >= 0 and c1 < old:
            c2 = concat_cost(D, S, rv, pv, mid, 0, ru, pu, old - c1)
            if c2 >= 0 and c1 + c2 < old:
                apply_two(D, S, ru, pu, mid, 0, rv, pv, rv, pv, mid, 0, ru, pu)
                return True
        return False
    # same route: relocate u after v, or reverse the segment between them (2-opt)
    L = S.rlen[ru]
    old = S.rcost[ru]
    out = S.buf[0]
    for variant in range(2):
        n = 0
        if variant == 0:
            if pv + 1 == pu:
                continue
            lo = min(pu, pv + 1)  # out[lo..hi] differs from the route, the rest is unchanged
            hi = max(pu, pv)
            for i in range(L):
                if i == pu:
                    continue
                out[n] = S.seq[ru, i]
                n += 1
                if i == pv:
                    out[n] = u
                    n += 1
        else:
            lo = min(pu, pv)
            hi = max(pu, pv)
            if hi - lo < 1:
                continue
            for i in range(L):
                out[n] = S.seq[ru, lo + hi - i] if lo <= i <= hi else S.seq[ru, i]
                n += 1
        # cheap lower bound first: arcs only
        arc = np.int64(0)
        trav = np.int64(0)
        prev = D.tstart[ru]
        for i in range(n):
            arc += D.arc[prev, D.jpt[out[i]]]
            trav += D.dur[prev, D.jpt[out[i]]]
            prev = D.jpt[out[i]]
        arc += D.arc[prev, D.tend[ru]]
        trav += D.dur[prev, D.tend[ru]]
        if arc + S.pnp[ru, L] + D.fixed >= old:
            continue
        # exact timing of the changed part and what follows, from the cached states before it
        late = tail_late(D, S, ru, lo, out[lo:], hi + 1 - lo, ru, hi + 1)
        if late < 0:
            continue
        c = route_cost(D, ru, arc, trav, S.pserv[ru, L], S.pnp[ru, L], late)
        if c < old:
            write_route(D, S, ru, out, n)
            return True
    return False


@njit(**KERNEL)
def empty_route_move(D, S, u):
    """Relocate ``u`` to an empty route when that pays (one route per technician class, at most
    eight empty routes tried, from a random one on)."""
    ru = S.route_of[u]
    if ru < 0 or (D.links == 1 and D.jcrew[u] >= 0):
        return False
    pu = S.pos_of[u]
    mid = S.mid
    old_u = S.rcost[ru]
    c1 = removal_cost(D, S, u)
    if c1 < 0:
        return False
    gain = old_u - c1
    if gain <= 0:
        return False
    stamp = S.stats[7] + 1
    S.stats[7] = stamp
    m = S.rlen.shape[0]
    first = np.random.randint(0, m)
    tried = 0
    for step in range(m):
        if tried >= 8:
            break  # a sample of the empty routes: with hundreds of technicians a full scan per job dominates
        r = (first + step) % m
        if S.rlen[r] != 0 or D.allowed[u, r] == 0:
            continue
        tried += 1
        cl = D.tclass[r]
        if S.mark[cl] == stamp:
            continue
        S.mark[cl] = stamp
        mid[0] = u
        c2 = concat_cost(D, S, r, 0, mid, 1, r, 0, gain)
        if c2 >= 0 and c2 < gain:
            mid[1] = u
            apply_two(D, S, ru, pu, mid, 0, ru, pu + 1, r, 0, mid[1:], 1, r, 0)
            return True
    return False


@njit(**KERNEL)
def local_search(D, S, n_neigh, jobs, njobs, max_passes):
    """First-improvement local search over the jobs listed in ``jobs[:njobs]`` (shuffled in
    place; each with its
    ``n_neigh`` nearest neighbours) until no move improves or ``max_passes`` passes are done.
    Returns the number of moves applied."""
    moves = 0
    k = min(n_neigh, D.neigh.shape[1])
    order = jobs[:njobs]
    for _ in range(max_passes):
        np.random.shuffle(order)
        improved = False
        for x in range(njobs):
            u = order[x]
            if S.route_of[u] < 0:
                continue
            for a in range(k):
                v = D.neigh[u, a]
                if try_moves(D, S, u, v):
                    improved = True
                    moves += 1
                    if S.route_of[u] < 0:
                        break
            if D.fixed == 0 and S.route_of[u] >= 0 and empty_route_move(D, S, u):
                improved = True
                moves += 1
        if not improved:
            break
    return moves


# --------------------------------------------------------------------------------------------
# The main loop: ruin and recreate + local search, simulated annealing acceptance
# --------------------------------------------------------------------------------------------


@njit(**KERNEL)
def seed_rng(seed):
    np.random.seed(seed)


@njit(**KERNEL)
def load_routes(D, S, seqs, lens):
    """Start from given routes (each checked: allowed technician, no job twice, max_jobs, van
    stock, timing; a route failing any check starts empty and its jobs go back to the pool).
    Then insert every unassigned job where it fits."""
    m = S.rlen.shape[0]
    n = S.route_of.shape[0]
    K = D.jdem.shape[1]
    for r in range(m):
        L = lens[r]
        ok = L <= S.seq.shape[1] and L <= D.tmaxj[r]
        if ok:
            claimed = 0
            for i in range(L):
                j = seqs[r, i]
                if D.allowed[j, r] == 0 or S.route_of[j] >= 0:
                    ok = False  # not allowed, or already in a route (another one, or this one twice)
                    break
                S.route_of[j] = r
                claimed += 1
            for i in range(claimed):  # only the claims made here: earlier routes keep their jobs
                S.route_of[seqs[r, i]] = -1
        if ok:
            for k in range(K):
                load = 0
                for i in range(L):
                    load += D.jdem[seqs[r, i], k]
                if load > D.tcap[r, k]:
                    ok = False
        if ok:
            for i in range(L):
                S.seq[r, i] = seqs[r, i]
            S.rlen[r] = L
            if refresh_route(D, S, r) < 0:
                ok = False
        if not ok:
            for i in range(S.rlen[r]):
                S.route_of[S.seq[r, i]] = -1
            S.rlen[r] = 0
            refresh_route(D, S, r)
    nrem = 0
    for j in range(n):
        if S.route_of[j] < 0:
            S.jlist[nrem] = j
            nrem += 1
    recreate(D, S, nrem, 0.0, False)
    clear_touched(S)
    if D.links == 1:
        pins_keep(D)
    return total_cost(D, S)


@njit(**KERNEL)
def snapshot(S, seq_out, len_out):
    for r in range(S.rlen.shape[0]):
        L = S.rlen[r]
        len_out[r] = L
        for i in range(L):
            seq_out[r, i] = S.seq[r, i]


@njit(**KERNEL)
def run_iterations(D, S, iters, cur_cost, best_cost, best_seq, best_len, t_from, t_to, params):
    """``iters`` iterations of ruin, recreate, local search and annealing acceptance, the
    temperature falling geometrically from ``t_from`` to ``t_to``. ``params``: [avg removed,
    max string length, blink rate, local-search neighbours, local-search passes (0 = none),
    granular insertion (1) or every route (0), optionally the share of ruins seeded at a late job
    (0 when absent), at a job left out (0.5 when absent), and the share of left-out seeds whose
    ruin also takes strings from routes that may not serve them (0.5 when absent)].
    Returns (current cost, best cost); the best routes are kept in ``best_seq``/``best_len``."""
    n = S.route_of.shape[0]
    if n == 0:
        return cur_cost, best_cost
    avg_removed = params[0]
    max_string = params[1]
    blink = params[2]
    ls_neigh = int(params[3])
    ls_passes = int(params[4])
    granular = params[5] > 0
    late_rate = params[6] if params.shape[0] > 6 else 0.0
    out_rate = params[7] if params.shape[0] > 7 else 0.5
    spill_rate = params[8] if params.shape[0] > 8 else 0.5
    ratio = t_to / t_from if t_from > 0 else 1.0
    for it in range(iters):
        temp = t_from * ratio ** (it / max(1, iters)) if t_from > 0 else 0.0
        nrem = ruin(D, S, avg_removed, max_string, late_rate, out_rate, spill_rate)
        recreate(D, S, nrem, blink, granular)
        if ls_passes > 0:
            # local search on the jobs of the touched routes
            nj = 0
            ljobs = S.ljobs
            for a in range(S.ntouch[0]):
                r = S.tlist[a]
                for i in range(S.rlen[r]):
                    ljobs[nj] = S.seq[r, i]
                    nj += 1
            S.stats[3] += local_search(D, S, ls_neigh, ljobs, nj, ls_passes)
        new_cost = total_cost(D, S)
        S.stats[0] += 1
        threshold = cur_cost
        if temp > 0:
            threshold = cur_cost - temp * np.log(np.random.random() + 1e-300)
        if new_cost < threshold:
            cur_cost = new_cost
            S.stats[1] += 1
            clear_touched(S)
            if D.links == 1:
                pins_keep(D)
            if new_cost < best_cost:
                best_cost = new_cost
                snapshot(S, best_seq, best_len)
                S.stats[2] += 1
        else:
            restore(D, S, nrem)
    return cur_cost, best_cost


# --------------------------------------------------------------------------------------------
# Crews and dependencies ("links"): groups removed and inserted whole, starts pinned
# --------------------------------------------------------------------------------------------
#
# A crew job is several engine jobs (one per member, each with its own allowed technicians);
# copies of one crew and jobs linked by dependencies form a group (Data.gid). Ruin takes a
# group out whole; recreate inserts it whole, predecessors first: a one-technician job at its
# cheapest place within the bounds its served predecessors set ([end + min, end + max]), a
# crew's copies at one common start on distinct technicians. Every served job of a group is
# then pinned to its start (dlo == dhi): the route-local timing, moves and prices stay exact,
# and the cross-route rules hold whatever the local search does (it moves a pinned job only to
# where it can start at the same instant, and never moves a crew copy to another route). The
# bounds changed in an iteration are logged and restored when the iteration is rejected.


@njit(**KERNEL)
def set_pin(D, j, lo, hi):
    """Set job ``j``'s dynamic start bounds (logging the iteration's first change)."""
    if D.plmark[j] != D.plstate[1]:
        D.plmark[j] = D.plstate[1]
        n = D.plstate[0]
        D.plj[n] = j
        D.pllo[n] = D.dlo[j]
        D.plhi[n] = D.dhi[j]
        D.plstate[0] = n + 1
    D.dlo[j] = lo
    D.dhi[j] = hi


@njit(**KERNEL)
def pins_keep(D):
    """The iteration is accepted: its bounds stay."""
    D.plstate[0] = 0
    D.plstate[1] += 1


@njit(**KERNEL)
def pins_undo(D):
    """The iteration is rejected: every bound back to its value at the iteration's start."""
    for a in range(D.plstate[0] - 1, -1, -1):
        j = D.plj[a]
        D.dlo[j] = D.pllo[a]
        D.dhi[j] = D.plhi[a]
    D.plstate[0] = 0
    D.plstate[1] += 1


@njit(**KERNEL)
def take_out(D, S, j):
    """Remove job ``j`` from its route (the route is refreshed; its cost may be INF when the
    shorter route cannot be timed, which the acceptance test then rejects)."""
    r = S.route_of[j]
    if r < 0:
        return
    out = S.buf[1]
    n = 0
    for i in range(S.rlen[r]):
        if S.seq[r, i] != j:
            out[n] = S.seq[r, i]
            n += 1
    write_route(D, S, r, out, n)
    S.route_of[j] = -1
    S.pos_of[j] = -1


@njit(**KERNEL)
def ruin_groups(D, S, nrem, stamp):
    """Complete a ruin: every group with a listed job is taken out whole and listed, and its
    jobs' start bounds are cleared. Returns the new count of listed jobs."""
    x = 0
    while x < nrem:
        g = D.gid[S.jlist[x]]
        x += 1
        if g < 0 or D.gmark[g] == stamp:
            continue
        D.gmark[g] = stamp
        for a in range(D.gptr[g], D.gptr[g + 1]):
            c = D.gitem[a]
            if S.mark[c] != stamp:
                S.mark[c] = stamp
                take_out(D, S, c)
                S.jlist[nrem] = c
                nrem += 1
            set_pin(D, c, -INF, INF)
    return nrem


@njit(**KERNEL)
def pin_exact(D, S, j):
    """Pin the just inserted job ``j`` to a start its route can keep: the starts of the timing
    programme's states after it, earliest first (one state without breaks). False (bounds
    unchanged) when none keeps the route feasible."""
    r = S.route_of[j]
    i = S.pos_of[j]
    lo0 = D.dlo[j]
    hi0 = D.dhi[j]
    nb = D.bptr[r + 1] - D.bptr[r]
    last = -INF
    for _ in range(nb + 1):
        s = INF
        for k in range(nb + 1):
            f = S.fs_time[r, i + 1, k]
            if f < INF and f - D.jsrv[j, r] > last and f - D.jsrv[j, r] < s:
                s = f - D.jsrv[j, r]
        if s >= INF:
            break
        last = s
        set_pin(D, j, s, s)
        if refresh_route(D, S, r) >= 0:
            return True
        set_pin(D, j, lo0, hi0)
        refresh_route(D, S, r)
    return False


@njit(**KERNEL)
def insert_group(D, S, g, blink, granular):
    """Insert the jobs of group ``g`` (all unassigned), predecessors first; a job whose
    predecessor could not be served stays out."""
    a = D.gptr[g]
    end = D.gptr[g + 1]
    while a < end:
        j = D.gitem[a]
        size = 1
        if D.jcrew[j] >= 0:
            while a + size < end and D.jcrew[D.gitem[a + size]] == D.jcrew[j]:
                size += 1
        lo = -INF
        hi = INF
        ok = True
        for q in range(D.aptr[j], D.aptr[j + 1]):
            p = D.apred[q]
            if S.route_of[p] < 0:
                ok = False
                break
            done = D.dlo[p] + D.jsrv[p, S.route_of[p]]  # a served predecessor is pinned: dlo is its start
            if done + D.amin[q] > lo:
                lo = done + D.amin[q]
            if D.amax[q] < INF and done + D.amax[q] < hi:
                hi = done + D.amax[q]
        if ok and lo <= hi:
            # First within what its dependents need (their windows and max delays), then, if that
            # fails, without: the job may be served even when its dependents cannot be.
            lo1 = later_than_dependents(D, S, j, lo if lo > D.jrel[j] else D.jrel[j])
            hi1 = hi if hi < D.jlat[j] else D.jlat[j]
            done_it = False
            if lo1 <= hi1:
                done_it = insert_single(D, S, j, lo1, hi1, blink, granular) if size == 1 else insert_crew(D, S, a, size, lo1, hi1, blink)
            if not done_it and (lo1 != lo or hi1 != hi):
                if size == 1:
                    insert_single(D, S, j, lo, hi, blink, granular)
                else:
                    insert_crew(D, S, a, size, lo, hi, blink)
        a += size


@njit(**KERNEL)
def later_than_dependents(D, S, j, lo):
    """Raise the lower bound ``lo`` on job ``j``'s start so that each dependent with a max delay
    can still start within it: not before (the dependent's earliest start anywhere - max delay -
    ``j``'s duration), the earliest start taken over every route and position it may go to
    (break-free relaxation of the current routes)."""
    longest = np.int64(0)  # j's longest service on any route: the bound must hold wherever j goes
    for t in range(D.jsrv.shape[1]):
        if D.rptr[j + 1] > D.rptr[j] and D.jsrv[j, t] > longest:
            longest = D.jsrv[j, t]
    for q in range(D.rptr[j], D.rptr[j + 1]):
        b = D.rdep[q]
        cnt = crew_candidates(D, S, b, -INF, INF, 0)
        first = INF
        for x in range(cnt):
            if D.cre[x] < first:
                first = D.cre[x]
        if first < INF and first - D.rmax[q] - longest > lo:
            lo = first - D.rmax[q] - longest
    return lo


@njit(**KERNEL)
def insert_single(D, S, j, lo, hi, blink, granular):
    """Cheapest insertion of one linked job with its start in ``[lo, hi]``, then pinned."""
    set_pin(D, j, lo, hi)
    for r in range(S.rlen.shape[0]):
        S.nofit[j, r] = -1  # its bounds changed: earlier "fits nowhere" verdicts do not hold
    r, i, d = best_insertion(D, S, j, blink, granular)
    if r >= 0 and d < D.jdrop[j]:
        insert_at(D, S, j, r, i)
        if pin_exact(D, S, j):
            return True
        take_out(D, S, j)
    set_pin(D, j, -INF, INF)
    for r in range(S.rlen.shape[0]):
        S.nofit[j, r] = -1
    return False


@njit(**KERNEL)
def crew_candidates(D, S, c, lo, hi, base):
    """Every (route, position) where crew copy ``c`` could start within ``[lo, hi]``, with the
    interval of starts the route allows there (break-free bounds from the cached earliest
    finishes and latest starts: a relaxation with breaks) and its detour; written from ``base``
    on in the ``cr*`` arrays. Returns how many."""
    m = S.rlen.shape[0]
    K = D.jdem.shape[1]
    pc = D.jpt[c]
    cnt = 0
    for r in range(m):
        L = S.rlen[r]
        if D.allowed[c, r] == 0 or L + 1 > D.tmaxj[r] or L + 1 > S.seq.shape[1] or S.rcost[r] >= INF:
            continue
        room = True
        for q in range(K):
            if D.jdem[c, q] > 0 and S.rload[r, q] + D.jdem[c, q] > D.tcap[r, q]:
                room = False
        if not room:
            continue
        for i in range(L + 1):
            ap = D.tstart[r] if i == 0 else D.jpt[S.seq[r, i - 1]]
            bp = D.tend[r] if i == L else D.jpt[S.seq[r, i]]
            ready = D.tready[r] if i == 0 else S.fin[r, i - 1]
            if ready >= INF:
                break
            arrive = ready + D.dur[ap, pc]
            e = earliest_start(D, c, arrive if arrive > lo else lo)
            if e >= INF or e > hi:
                continue
            nxt = D.tshift[r] if i == L else S.lat[r, i]
            bound = nxt - D.dur[pc, bp] - D.jsrv[c, r]
            last = latest_start_before(D, c, bound if bound < hi else hi)
            if last < e:
                continue
            q = base + cnt
            D.crr[q] = r
            D.cri[q] = i
            D.cre[q] = e
            D.crl[q] = last
            D.crd[q] = D.arc[ap, pc] + D.arc[pc, bp] - D.arc[ap, bp] + D.nonpref[c, r] + (D.fixed if L == 0 else 0)
            cnt += 1
    return cnt


@njit(**KERNEL)
def crew_pick(D, a, size, stride, tail, t, backwards):
    """For a common start ``t``: per copy, the cheapest candidate allowing ``t`` on a route no
    copy picked before took (greedy, in member order or ``backwards``; with two members one of
    the two orders gives the cheapest assignment), written to ``cri[tail + 16 + k]``. Returns
    the summed detour, or INF when some copy has none."""
    total = np.int64(0)
    for step in range(size):
        k = size - 1 - step if backwards else step
        base = k * stride
        best = -1
        bd = INF
        for x in range(D.cri[tail + k]):
            q = base + x
            if D.cre[q] <= t <= D.crl[q] and D.crd[q] < bd:
                clash = False
                for ss in range(step):
                    kk = size - 1 - ss if backwards else ss
                    if D.crr[D.cri[tail + 16 + kk]] == D.crr[q]:
                        clash = True
                        break
                if not clash:
                    best = q
                    bd = D.crd[q]
        if best < 0:
            return INF
        D.cri[tail + 16 + k] = best
        total += bd
    return total


@njit(**KERNEL)
def crew_price(D, S, a, size, tail, t):
    """Exact cost delta of the picked places (``cri[tail + 16 + k]``, distinct routes) with
    every copy pinned to start at ``t``; INF when one of them cannot be timed."""
    delta = np.int64(0)
    for k in range(size):
        c = D.gitem[a + k]
        D.dlo[c] = t
        D.dhi[c] = t
    for k in range(size):
        c = D.gitem[a + k]
        q = D.cri[tail + 16 + k]
        r = D.crr[q]
        i = D.cri[q]
        S.mid[0] = c
        cost = concat_cost(D, S, r, i, S.mid, 1, r, i, INF)
        if cost < 0:
            delta = INF
            break
        delta += cost - S.rcost[r]
    for k in range(size):
        c = D.gitem[a + k]
        D.dlo[c] = -INF
        D.dhi[c] = INF
    return delta


@njit(**KERNEL)
def insert_crew(D, S, a, size, lo, hi, blink):
    """Insert the ``size`` copies of the crew listed from ``gitem[a]`` on distinct technicians
    at one common start within ``[lo, hi]``: candidate starts are the earliest starts of each
    copy's cheapest places (the crew meets when the last of them can be there); for each, the
    cheapest greedy pick of places is priced exactly with every copy pinned to that start. The
    best is applied when it costs less than leaving the crew out. Returns True when inserted."""
    m = S.rlen.shape[0]
    stride = m * (S.seq.shape[1] + 1)
    tail = 8 * stride  # scratch after the candidates: counts (+0), picks (+16), best picks (+32), starts (cre, +0)
    for k in range(size):
        cnt = crew_candidates(D, S, D.gitem[a + k], lo, hi, k * stride)
        if cnt == 0:
            return False
        D.cri[tail + k] = cnt
    # candidate common starts: the earliest start at each copy's four cheapest places
    nt = 0
    for k in range(size):
        base = k * stride
        cnt = D.cri[tail + k]
        pd = -INF
        pq = -1
        for _ in range(min(4, cnt)):
            best = -1
            for x in range(cnt):
                q = base + x
                later = D.crd[q] > pd or (D.crd[q] == pd and q > pq)  # after the previous pick in (detour, index) order
                if later and (best < 0 or D.crd[q] < D.crd[best]):
                    best = q
            if best < 0:
                break
            pd = D.crd[best]
            pq = best
            D.cre[tail + nt] = D.cre[best]
            nt += 1
    best_t = INF
    best_delta = INF
    drop = np.int64(0)
    for k in range(size):
        drop += D.jdrop[D.gitem[a + k]]
    for y in range(nt):
        t = D.cre[tail + y]
        dup = False
        for z in range(y):
            if D.cre[tail + z] == t:
                dup = True
        if dup or (blink > 0.0 and y > 0 and np.random.random() < blink):
            continue  # (a blink skips a candidate start, as recreate's blinks skip positions)
        for backwards in range(2 if size > 1 else 1):
            if crew_pick(D, a, size, stride, tail, t, backwards == 1) >= INF:
                continue
            delta = crew_price(D, S, a, size, tail, t)
            if delta < best_delta:
                best_delta = delta
                best_t = t
                for k in range(size):
                    D.cri[tail + 32 + k] = D.cri[tail + 16 + k]
    if best_t >= INF or best_delta >= drop:
        return False
    for k in range(size):
        c = D.gitem[a + k]
        q = D.cri[tail + 32 + k]
        set_pin(D, c, best_t, best_t)
        insert_at(D, S, c, D.crr[q], D.cri[q])
    return True
