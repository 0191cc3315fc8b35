"""Route timing and cost in compiled code: the same semantics as :mod:`optimizer.solvers.schedule`.

Every function here is ``numba.njit(cache=True)`` and works on the arrays of
:class:`optimizer.solvers.native.data.Data` only (no Python objects in the hot loop).

Semantics (identical to the Python scheduler, which times the final plan, and checked by the
independent validator): the technician leaves at or after ``ready``; each stop's service starts
inside one of its windows (a start-of-service window), at or after arrival; breaks are taken in
order, each starting within ``[earliest, latest]``, at a stop, while waiting or en route (driving
pauses), never during service, or after the return; the route is back by the shift end. A
dynamic programme over "breaks taken so far" keeps, per count, the state that finishes earliest
(ties: least lateness in seconds), exactly as ``schedule_route`` does, so both agree on the
SLA lateness of every route and hence on its cost.

Route cost (cost units, see :mod:`optimizer.solvers.costs`) of a non-empty route of technician
``t``: arc costs + SLA lateness cost by priority + non-preferred penalties + fixed cost +
``balance x max(0, travel_s + service_s - target[t])``. An empty route costs 0.
"""

from __future__ import annotations

import numpy as np
from numba import njit

KERNEL = dict(cache=True, nogil=True, _nrt=False)
"""Compiled without numba's reference counting: the search passes two tuples of ~25 arrays to
every function, and with reference counting each call increfs and decrefs every member
(measured: ~700 ns per move evaluation instead of tens). Kernels therefore never allocate; all
scratch space lives in the state arrays."""

INF = np.int64(1) << np.int64(60)
"""Stands for "no feasible time" (never reached by real times, which are seconds in a horizon)."""


@njit(**KERNEL)
def earliest_start(D, j, ready):
    """Earliest service start of job ``j`` at or after ``ready`` inside one of its windows and
    inside its dynamic bounds ``[dlo, dhi]`` (crews, dependencies; unbounded otherwise), or INF."""
    if ready < D.dlo[j]:
        ready = D.dlo[j]
    for w in range(D.wptr[j], D.wptr[j + 1]):
        if ready <= D.whi[w]:
            lo = D.wlo[w]
            start = ready if ready > lo else lo
            return start if start <= D.dhi[j] else INF
    return INF


@njit(**KERNEL)
def latest_start_before(D, j, bound):
    """Latest service start of job ``j`` at or before ``bound`` inside one of its windows and its
    dynamic bounds ``[dlo, dhi]``, or -INF."""
    if bound > D.dhi[j]:
        bound = D.dhi[j]
    for w in range(D.wptr[j + 1] - 1, D.wptr[j] - 1, -1):
        if D.wlo[w] <= bound:
            hi = D.whi[w]
            start = bound if bound < hi else hi
            return start if start >= D.dlo[j] else -INF
    return -INF


@njit(**KERNEL)
def drive_with_breaks(D, clock, travel, b0, b1):
    """Drive ``travel`` seconds from ``clock`` taking breaks ``b0..b1-1`` (global break indices)
    on the way (driving pauses) or after arriving (waiting). Returns the ready time at the
    destination, or INF when a break would start after its latest start."""
    remaining = travel
    for b in range(b0, b1):
        lo = D.blo[b]
        if lo <= clock:
            start = clock
        elif lo <= clock + remaining:
            remaining -= lo - clock
            start = lo
        else:
            clock += remaining
            remaining = 0
            start = lo
        if start > D.bhi[b]:
            return INF
        clock = start + D.bdur[b]
    return clock + remaining


@njit(**KERNEL)
def dp_stop(D, bb, nb, travel, j, srv, s_time, s_late, s_cost, n_time, n_late, n_cost):
    """Advance the programme's states ``s_*`` (index = breaks taken so far; technician's breaks
    ``bb..bb+nb-1``) over a drive of ``travel`` seconds to job ``j`` and its ``srv`` seconds of
    service (``D.jsrv[j, t]`` for the route's technician ``t``), in place
    (``n_*`` is scratch of the same length). Returns False when no state survives."""
    for k in range(nb + 1):
        n_time[k] = INF
    any_state = False
    for k in range(nb + 1):
        if s_time[k] >= INF:
            continue
        for extra in range(nb - k + 1):
            ready = drive_with_breaks(D, s_time[k], travel, bb + k, bb + k + extra)
            if ready >= INF:
                break
            start = earliest_start(D, j, ready)
            if start >= INF:
                continue
            end = start + srv
            late = np.int64(0)
            if end > D.jdl[j]:  # no deadline: jdl is 2**60
                late = end - D.jdl[j]
            key = k + extra
            tl = s_late[k] + late
            if n_time[key] >= INF or end < n_time[key] or (end == n_time[key] and tl < n_late[key]):
                n_time[key] = end
                n_late[key] = tl
                n_cost[key] = s_cost[k] + D.jsla[j] * late
                if start > D.jpdl[j]:  # a promised start kept late: its own cost (no promise: jpdl is 2**60)
                    n_cost[key] += D.jpc[j] * (start - D.jpdl[j])
                any_state = True
    for k in range(nb + 1):
        s_time[k] = n_time[k]
        s_late[k] = n_late[k]
        s_cost[k] = n_cost[k]
    return any_state


@njit(**KERNEL)
def dp_close(D, t, bb, nb, travel, s_time, s_late, s_cost):
    """Lateness cost of the best way home from the states ``s_*`` (a drive of ``travel``
    seconds, remaining breaks on the way or after the return, back by the shift end): least
    lateness, then earliest return. -1 when no state gets home in time."""
    best_late = INF
    best_arrive = INF
    best_cost = np.int64(-1)
    for k in range(nb + 1):
        if s_time[k] >= INF:
            continue
        rest = nb - k
        for kk in range(rest + 1):
            arrive = drive_with_breaks(D, s_time[k], travel, bb + k, bb + k + kk)
            if arrive >= INF:
                break
            clock = arrive
            ok = True
            for b in range(bb + k + kk, bb + nb):
                start = clock if clock > D.blo[b] else D.blo[b]
                if start > D.bhi[b]:
                    ok = False
                    break
                clock = start + D.bdur[b]
            if not ok or arrive > D.tshift[t]:
                continue
            if s_late[k] < best_late or (s_late[k] == best_late and arrive < best_arrive):
                best_late = s_late[k]
                best_arrive = arrive
                best_cost = s_cost[k]
    return best_cost


@njit(**KERNEL)
def eval_route(D, t, seq, n, work):
    """Cost of technician ``t`` serving ``seq[:n]`` in this order, or -1 when infeasible.

    ``work`` is a scratch int64 array of length >= 6 * (max breaks + 1) + 8. On return
    ``work[0..4]`` hold arc cost, travel seconds, service seconds, non-preferred cost and SLA
    lateness cost of the route (the parts of its cost)."""
    if n == 0:
        for i in range(5):
            work[i] = 0
        return np.int64(0)
    bb = D.bptr[t]
    nb = D.bptr[t + 1] - bb
    base = 8
    s_time = work[base : base + nb + 1]
    s_late = work[base + nb + 1 : base + 2 * (nb + 1)]
    s_cost = work[base + 2 * (nb + 1) : base + 3 * (nb + 1)]
    n_time = work[base + 3 * (nb + 1) : base + 4 * (nb + 1)]
    n_late = work[base + 4 * (nb + 1) : base + 5 * (nb + 1)]
    n_cost = work[base + 5 * (nb + 1) : base + 6 * (nb + 1)]
    for k in range(nb + 1):
        s_time[k] = INF
    s_time[0] = D.tready[t]
    s_late[0] = 0
    s_cost[0] = 0
    prev = D.tstart[t]
    arc = np.int64(0)
    trav = np.int64(0)
    serv = np.int64(0)
    npref = np.int64(0)
    for i in range(n):
        j = seq[i]
        p = D.jpt[j]
        travel = D.dur[prev, p]
        arc += D.arc[prev, p]
        trav += travel
        serv += D.jsrv[j, t]
        npref += D.nonpref[j, t]
        if not dp_stop(D, bb, nb, travel, j, D.jsrv[j, t], s_time, s_late, s_cost, n_time, n_late, n_cost):
            return np.int64(-1)
        prev = p
    travel = D.dur[prev, D.tend[t]]
    arc += D.arc[prev, D.tend[t]]
    trav += travel
    best_cost = dp_close(D, t, bb, nb, travel, s_time, s_late, s_cost)
    if best_cost < 0:
        return np.int64(-1)
    work[0] = arc
    work[1] = trav
    work[2] = serv
    work[3] = npref
    work[4] = best_cost
    return route_cost(D, t, arc, trav, serv, npref, best_cost)


@njit(**KERNEL)
def route_cost(D, t, arc, trav, serv, npref, late_cost):
    """Cost of a non-empty route from its parts."""
    over = trav + serv - D.ttarget[t]
    if over < 0:
        over = 0
    return arc + late_cost + npref + D.fixed + D.balance * over

