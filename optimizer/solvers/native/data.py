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
    ],
)


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
