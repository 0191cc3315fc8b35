"""The arrays the compiled search works on, built once per solve from the compiled problem.

``Data`` is a namedtuple of numpy arrays and integers (numba passes it to compiled functions as
one argument). Engine job ``j`` (``0 <= j < n``) is ``cp.jobs[job_index[j]]``: only jobs that at
least one technician can serve (``CJob.allowed`` non-empty after the pre-check) are searched.
Times are integer seconds from the planning origin, costs integer cost units
(:data:`optimizer.solvers.costs.COST_SCALE` per weight unit), points rows of the travel matrix.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from optimizer.solvers.compiled import CompiledProblem
from optimizer.solvers.costs import CostModel

Data = namedtuple(
    "Data",
    [
        "dur",  # [P, P] travel seconds
        "arc",  # [P, P] arc cost (travel time cost + distance cost)
        "jpt",  # [n] job point
        "jsrv",  # [n, m] service seconds of job j on route t (durations by technician)
        "wptr",  # [n + 1] window ranges into wlo/whi
        "wlo",  # [W] window opens (start of service), sorted per job, disjoint
        "whi",  # [W] window closes
        "jdl",  # [n] SLA deadline on the end of service (may be < 0: overdue at the origin); NO_DEADLINE = none
        "jsla",  # [n] SLA cost per second late
        "jdrop",  # [n] cost of leaving the job unserved
        "jdem",  # [n, K] units of each part type needed
        "allowed",  # [n, m] 1 when technician may serve the job (skills, pinned, excluded, parts)
        "nonpref",  # [n, m] non-preferred penalty of giving job to technician
        "jflex",  # [n] flexibility: number of technicians allowed, plus the window length as a fraction of a day
        "tstart",  # [m] start point
        "tend",  # [m] end point
        "tready",  # [m] earliest departure
        "tshift",  # [m] latest return
        "tmaxj",  # [m] max jobs
        "tcap",  # [m, K] van stock per part type
        "bptr",  # [m + 1] break ranges into blo/bhi/bdur, in the order they are taken
        "blo",  # [B] break earliest start
        "bhi",  # [B] break latest start
        "bdur",  # [B] break duration
        "ttarget",  # [m] fair share of working seconds (balance term)
        "tclass",  # [m] technicians with equal class are interchangeable on an empty route
        "neigh",  # [n, k] nearest jobs, closest first (granular neighbourhoods)
        "fixed",  # cost of using a technician
        "balance",  # cost per working second above the fair share
        "flexorder",  # 1 when jobs differ in how many technicians may serve them (recreate then also orders by that)
        "fast",  # 1 when no job has a costed SLA deadline (timing checks in O(1) on break-free routes)
        "vardur",  # 1 when some job's service time differs between routes (a route's cached suffix sums/times do not carry over)
        "cap",  # longest route the state arrays hold
        "jpdl",  # [n] promised start of service; NO_DEADLINE = no promise
        "jpc",  # [n] promise cost per second the service starts after jpdl (apart from the SLA)
        # Crews and dependencies ("links"; see link_arrays). Static:
        "links",  # 1 when some job is a crew copy or has a dependency (else every array below is a stub)
        "gid",  # [n] group of the job (crew copies and dependency-linked jobs, connected), -1 = none
        "gptr",  # [G + 1] group ranges into gitem
        "gitem",  # [..] group members, predecessors before dependents, a crew's copies next to each other
        "jcrew",  # [n] engine index of the crew's first copy, -1 = not a crew copy
        "aptr",  # [n + 1] dependency ranges into apred/amin/amax (on a crew's first copy)
        "apred",  # [A] job to finish first (a crew's first copy)
        "amin",  # [A] min delay from its end to this start, s
        "amax",  # [A] max delay, s (INF_S: none)
        "rptr",  # [n + 1] ranges into rdep/rmax: the dependents of a job that have a max delay
        "rdep",  # [R] such a dependent (a crew's first copy)
        "rmax",  # [R] its max delay, s
        "jrel",  # [n] earliest start worth trying: a dependent with a max delay opens its windows this much later (-INF_S: none)
        # Search state, mutated by the search (the arrays are shared, the values are not constants):
        "dlo",  # [n] earliest allowed start on top of the windows (-INF_S: none); a served linked job is pinned: dlo == dhi
        "dhi",  # [n] latest allowed start (INF_S: none)
        "plj",  # [n] pin log of this iteration: job, and its bounds at the iteration's start
        "pllo",  # [n]
        "plhi",  # [n]
        "plmark",  # [n] stamp of the iteration a job's bounds were logged in
        "plstate",  # [2] log length, current stamp
        "gmark",  # [G] scratch stamps per group
        "crr",  # [MAX_CREW * m * (cap + 1)] crew insertion candidates: route
        "cri",  # same: position
        "cre",  # same: earliest start there (break-free relaxation)
        "crl",  # same: latest start there
        "crd",  # same: detour cost (lower bound)
    ],
)

INF_S = 1 << 60
"""Unbounded dynamic start bound (same value as the timing kernels' INF)."""

MAX_CREW = 8
"""Largest crew (``optimizer.models.job.MAX_CREW``)."""


NO_DEADLINE = 1 << 60
"""``jdl`` of a job without SLA deadline: no service ever ends after it."""


def build_data(cp: CompiledProblem, costs: CostModel, n_neighbours: int) -> tuple[Data, np.ndarray]:
    """Arrays for the compiled search and ``job_index`` (engine job -> ``cp.jobs`` index)."""
    jobs = [j for j in cp.jobs if j.allowed]
    job_index = np.array([j.index for j in jobs], dtype=np.int64)
    n, m = len(jobs), len(cp.techs)
    dur = np.ascontiguousarray(cp.durations, dtype=np.int64)
    arc = np.ascontiguousarray(costs.arc_costs(cp.durations, cp.distances), dtype=np.int64)
    parts = sorted({p for j in jobs for p in j.parts})
    K = max(1, len(parts))
    wptr = np.zeros(n + 1, dtype=np.int64)
    wlo: list[int] = []
    whi: list[int] = []
    jdem = np.zeros((n, K), dtype=np.int64)
    allowed = np.zeros((n, m), dtype=np.uint8)
    nonpref = np.zeros((n, m), dtype=np.int64)
    for e, job in enumerate(jobs):
        for lo, hi in job.windows:
            wlo.append(lo)
            whi.append(hi)
        wptr[e + 1] = len(wlo)
        for k, p in enumerate(parts):
            jdem[e, k] = job.parts.get(p, 0)
        for t in job.allowed:
            allowed[e, t] = 1
        if job.preferred and costs.non_preferred:
            for tech in cp.techs:
                if tech.id not in job.preferred:
                    nonpref[e, tech.index] = costs.non_preferred
    jsla = np.array([costs.sla_per_s[j.priority] if j.deadline_s is not None else 0 for j in jobs], dtype=np.int64)
    jdl = np.array([j.deadline_s if j.deadline_s is not None else NO_DEADLINE for j in jobs], dtype=np.int64)
    jpdl = np.array([costs.promise[j.index][0] if j.index in costs.promise else NO_DEADLINE for j in jobs], dtype=np.int64)
    jpc = np.array([costs.promise[j.index][1] if j.index in costs.promise else 0 for j in jobs], dtype=np.int64)
    tcap = np.zeros((m, K), dtype=np.int64)
    bptr = np.zeros(m + 1, dtype=np.int64)
    blo: list[int] = []
    bhi: list[int] = []
    bdur: list[int] = []
    classes: dict[tuple, int] = {}
    tclass = np.zeros(m, dtype=np.int64)
    big = max(n, 1)
    for t in cp.techs:
        for k, p in enumerate(parts):
            tcap[t.index, k] = t.parts.get(p, 0)
        for b in t.breaks:
            blo.append(b.earliest_s)
            bhi.append(b.latest_s)
            bdur.append(b.duration_s)
        bptr[t.index + 1] = len(blo)
        allowed_col = allowed[:, t.index].tobytes() if n else b""
        srv_col = tuple(j.srv[t.index] for j in jobs if j.srv is not None)
        np_col = nonpref[:, t.index].tobytes() if n else b""
        key = (t.start_point, t.end_point, t.ready_s, t.shift_end_s, t.max_jobs, tuple(tcap[t.index]),
               tuple((b.earliest_s, b.latest_s, b.duration_s) for b in t.breaks), costs.work_targets[t.index],
               allowed_col, np_col, srv_col)
        tclass[t.index] = classes.setdefault(key, len(classes))
    jsrv = service_matrix(jobs, m)
    tmaxj = np.array([min(t.max_jobs, big) if t.max_jobs is not None else big for t in cp.techs], dtype=np.int64)
    cap = _route_capacity(cp, jobs, tmaxj)
    data = Data(
        dur=dur,
        arc=arc,
        jpt=np.array([j.point for j in jobs], dtype=np.int64),
        jsrv=jsrv,
        wptr=wptr,
        wlo=np.array(wlo, dtype=np.int64),
        whi=np.array(whi, dtype=np.int64),
        jdl=jdl,
        jsla=jsla,
        jdrop=np.array([costs.drop_penalty[j.priority] for j in jobs], dtype=np.int64),
        jdem=jdem,
        allowed=allowed,
        nonpref=nonpref,
        jflex=np.array([len(j.allowed) + min(1.0, sum(hi - lo for lo, hi in j.windows) / 86400.0) for j in jobs], dtype=np.float64),
        tstart=np.array([t.start_point for t in cp.techs], dtype=np.int64),
        tend=np.array([t.end_point for t in cp.techs], dtype=np.int64),
        tready=np.array([t.ready_s for t in cp.techs], dtype=np.int64),
        tshift=np.array([t.shift_end_s for t in cp.techs], dtype=np.int64),
        tmaxj=tmaxj,
        tcap=tcap,
        bptr=bptr,
        blo=np.array(blo, dtype=np.int64),
        bhi=np.array(bhi, dtype=np.int64),
        bdur=np.array(bdur, dtype=np.int64),
        ttarget=np.array(costs.work_targets, dtype=np.int64),
        tclass=tclass,
        neigh=neighbours(jobs, dur, n_neighbours),
        fixed=np.int64(costs.fixed_per_tech),
        balance=np.int64(costs.balance_per_s),
        flexorder=np.int64(1 if len({len(j.allowed) for j in jobs}) > 1 else 0),
        fast=np.int64(1 if not np.any(jsla > 0) and not np.any(jpc > 0) else 0),
        vardur=np.int64(1 if any(j.srv is not None for j in jobs) else 0),
        cap=np.int64(cap),
        jpdl=jpdl,
        jpc=jpc,
        **link_arrays(cp, jobs, m, cap),
    )
    return data, job_index


def service_matrix(jobs, m: int) -> np.ndarray:
    """``[n, m]`` service seconds of each engine job on each route (C order: a job's row is contiguous)."""
    jsrv = np.empty((len(jobs), max(m, 1)), dtype=np.int64)
    for e, job in enumerate(jobs):
        if job.srv is None:
            jsrv[e, :] = job.duration_s
        else:
            jsrv[e, :m] = job.srv
    return jsrv


def link_arrays(cp: CompiledProblem, jobs, m: int, cap: int) -> dict:
    """The crew and dependency arrays of :data:`Data` for the engine's ``jobs``. Groups are the
    connected parts of "copy of the same crew" and "depends on"; members are listed in an order
    where every predecessor comes before its dependents and a crew's copies are adjacent."""
    n = len(jobs)
    engine_of = {j.index: e for e, j in enumerate(jobs)}
    linked = [e for e, j in enumerate(jobs) if j.linked]
    one = np.zeros(1, dtype=np.int64)
    if not linked:
        stub = {k: one.copy() for k in ("gptr", "gitem", "apred", "amin", "amax", "plj", "pllo", "plhi", "plmark", "gmark",
                                         "crr", "cri", "cre", "crl", "crd", "jrel", "rdep", "rmax")}
        return dict(links=np.int64(0), gid=np.full(n, -1, dtype=np.int64), jcrew=np.full(n, -1, dtype=np.int64),
                    aptr=np.zeros(n + 1, dtype=np.int64), rptr=np.zeros(n + 1, dtype=np.int64), dlo=np.full(n, -INF_S, dtype=np.int64),
                    dhi=np.full(n, INF_S, dtype=np.int64), plstate=np.array([0, 1], dtype=np.int64), **stub)
    # union-find over engine jobs
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    jcrew = np.full(n, -1, dtype=np.int64)
    aptr = np.zeros(n + 1, dtype=np.int64)
    apred: list[int] = []
    amin: list[int] = []
    amax: list[int] = []
    for e, j in enumerate(jobs):
        if j.crew:
            jcrew[e] = engine_of[j.crew[0]]
            parent[find(e)] = find(engine_of[j.crew[0]])
        for pred, lo, hi in j.after:
            if pred in engine_of:  # the pre-check rejected the dependents of a job nobody can serve
                apred.append(engine_of[pred])
                amin.append(lo)
                amax.append(INF_S if hi is None else hi)
                parent[find(e)] = find(engine_of[pred])
        aptr[e + 1] = len(apred)
    # A predecessor need not start before (its dependent's first window opening - max delay -
    # its own duration): starting earlier only leaves the dependent no start within its delay.
    jrel = np.full(n, -INF_S, dtype=np.int64)
    later: dict[int, list[tuple[int, int]]] = {}
    for e, j in enumerate(jobs):
        for pred, lo, hi in j.after:
            if hi is not None and pred in engine_of:
                p = engine_of[pred]
                jrel[p] = max(jrel[p], j.windows[0][0] - hi - max(jobs[p].srv or (jobs[p].duration_s,)))
                later.setdefault(p, []).append((e, hi))
    rptr = np.zeros(n + 1, dtype=np.int64)
    rdep: list[int] = []
    rmax: list[int] = []
    for e in range(n):
        for b, hi in later.get(e, []):
            rdep.append(b)
            rmax.append(hi)
        rptr[e + 1] = len(rdep)
    roots = sorted({find(e) for e in linked})
    gid = np.full(n, -1, dtype=np.int64)
    members: dict[int, list[int]] = {r: [] for r in roots}
    for e in linked:
        members[find(e)].append(e)
    gptr = [0]
    gitem: list[int] = []
    for g, r in enumerate(roots):
        for e in _units_in_order(members[r], jobs, engine_of, jcrew):
            gid[e] = g
            gitem.append(e)
        gptr.append(len(gitem))
    size = MAX_CREW * m * (cap + 1) + 64  # + scratch: counts, common starts, picks
    i64 = np.int64
    return dict(
        links=np.int64(1), gid=gid, gptr=np.array(gptr, dtype=i64), gitem=np.array(gitem, dtype=i64), jcrew=jcrew,
        aptr=aptr, jrel=jrel, rptr=rptr, rdep=np.array(rdep or [0], dtype=i64), rmax=np.array(rmax or [0], dtype=i64), apred=np.array(apred or [0], dtype=i64), amin=np.array(amin or [0], dtype=i64),
        amax=np.array(amax or [0], dtype=i64), dlo=np.full(n, -INF_S, dtype=i64), dhi=np.full(n, INF_S, dtype=i64),
        plj=np.zeros(max(n, 1), dtype=i64), pllo=np.zeros(max(n, 1), dtype=i64), plhi=np.zeros(max(n, 1), dtype=i64),
        plmark=np.zeros(max(n, 1), dtype=i64), plstate=np.array([0, 1], dtype=i64), gmark=np.zeros(len(roots), dtype=i64),
        crr=np.zeros(size, dtype=i64), cri=np.zeros(size, dtype=i64), cre=np.zeros(size, dtype=i64),
        crl=np.zeros(size, dtype=i64), crd=np.zeros(size, dtype=i64),
    )


def _units_in_order(group: list[int], jobs, engine_of: dict[int, int], jcrew: np.ndarray) -> list[int]:
    """The group's jobs with predecessors first (Kahn's order over crews as units, by index
    among equals) and each crew's copies adjacent, in member order."""
    unit_of = {e: int(jcrew[e]) if jcrew[e] >= 0 else e for e in group}
    units = sorted(set(unit_of.values()))
    preds: dict[int, set[int]] = {u: set() for u in units}
    for e in group:
        for pred, _, _ in jobs[e].after:
            if pred in engine_of:
                preds[unit_of[e]].add(unit_of[engine_of[pred]])
    order: list[int] = []
    done: set[int] = set()
    while len(order) < len(units):
        ready = [u for u in units if u not in done and preds[u] <= done]
        u = ready[0]  # the model refuses cycles, so one is always ready
        done.add(u)
        order.append(u)
    out: list[int] = []
    for u in order:
        out.extend(sorted(e for e in group if unit_of[e] == u))
    return out


def _route_capacity(cp: CompiledProblem, jobs, tmaxj: np.ndarray) -> int:
    """An upper bound on any feasible route's length: max_jobs, and how many of the shortest
    services fit into the longest shift."""
    n = len(jobs)
    if n == 0:
        return 1
    longest = max((t.shift_end_s - t.ready_s for t in cp.techs), default=0)
    least = min(min(j.srv) if j.srv else j.duration_s for j in jobs)
    shortest = max(1, least)
    by_time = longest // shortest + 1 if least > 0 else n
    return int(max(1, min(n, int(tmaxj.max()), by_time)))


def neighbours(jobs, dur: np.ndarray, k: int) -> np.ndarray:
    """``k`` nearest jobs of each job by a time-window-aware proximity (travel both ways, plus
    the waiting and lateness the pair implies when served back to back; after Vidal et al.)."""
    n = len(jobs)
    k = max(0, min(k, n - 1))
    if n == 0 or k == 0:
        return np.zeros((n, max(k, 0)), dtype=np.int64)
    pts = np.array([j.point for j in jobs], dtype=np.int64)
    srv = np.array([j.duration_s for j in jobs], dtype=np.float64)
    lo = np.array([j.windows[0][0] for j in jobs], dtype=np.float64)
    hi = np.array([j.windows[-1][1] for j in jobs], dtype=np.float64)
    order = np.empty((n, k), dtype=np.int64)
    step = max(1, 2_000_000 // n)  # rows per block: bounded memory at 5,000+ jobs
    for a in range(0, n, step):
        b = min(n, a + step)
        rows = np.arange(a, b)
        d_out = dur[np.ix_(pts[rows], pts)].astype(np.float64)  # row job first
        d_in = dur[np.ix_(pts, pts[rows])].T.astype(np.float64)  # row job second
        # row i then j: waiting max(0, lo_j - (hi_i + s_i + d_ij)), time warp max(0, lo_i + s_i + d_ij - hi_j)
        first = d_out + 0.2 * np.maximum(0.0, lo[None, :] - (hi[rows, None] + srv[rows, None] + d_out)) \
            + np.maximum(0.0, lo[rows, None] + srv[rows, None] + d_out - hi[None, :])
        second = d_in + 0.2 * np.maximum(0.0, lo[rows, None] - (hi[None, :] + srv[None, :] + d_in)) \
            + np.maximum(0.0, lo[None, :] + srv[None, :] + d_in - hi[rows, None])
        prox = np.minimum(first, second)
        prox[np.arange(b - a), rows] = np.inf
        part = np.argpartition(prox, k - 1, axis=1)[:, :k] if k < n - 1 else np.argsort(prox, axis=1)[:, :k]
        keyed = np.take_along_axis(prox, part, axis=1)
        idx = np.lexsort((part, keyed), axis=1)
        order[a:b] = np.take_along_axis(part, idx, axis=1)
    return np.ascontiguousarray(order, dtype=np.int64)
