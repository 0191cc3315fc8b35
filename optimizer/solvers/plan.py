"""From an engine's job sequences to a checked, repaired plan with reasons for every left-out job.

Steps: time every route with the scheduler (a route the scheduler cannot time loses the
offending jobs, which then go back to the pool); insert every job still unserved wherever a
feasible insertion exists, most important first; explain each job that remains unserved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from optimizer.i18n import Msg
from optimizer.solvers.compiled import CJob, CompiledProblem
from optimizer.solvers.costs import CostModel
from optimizer.solvers.ejection import serve_by_ejection
from optimizer.solvers.insertion import InsertionIndex, RouteState, has_room, parts_used
from optimizer.solvers.precheck import Rejection, tech_names
from optimizer.solvers.schedule import Infeasible, Schedule
from optimizer.solvers.sync import UNBOUNDED, LinkFailure, clear_pins, time_linked

PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


@dataclass
class Plan:
    routes: list[RouteState]
    unassigned: list[Rejection]
    repaired_jobs: int = 0
    evicted_jobs: int = 0


def _timed_route(cp: CompiledProblem, tech, jobs: list[CJob]) -> tuple[RouteState, list[CJob]]:
    """Time the route; drop jobs (from the first one the scheduler blames) until it is feasible."""
    evicted: list[CJob] = []
    jobs = list(jobs)
    while True:
        state = RouteState.build(tech, jobs, cp.durations)
        if not isinstance(state, Infeasible):
            return state, evicted
        if not jobs:
            # Not even the drive home fits the shift (e.g. a shift cut short by `now`): idle.
            return RouteState(tech, [], Schedule(tech, [], [], tech.ready_s, 0, tech.ready_s)), evicted
        victim = state.job if state.job is not None and state.job in jobs else jobs[-1]
        jobs.remove(victim)
        evicted.append(victim)


def build_plan(
    cp: CompiledProblem,
    costs: CostModel,
    sequences: list[list[int]],
    rejections: list[Rejection],
    deadline: Optional[float] = None,
) -> Plan:
    """Time, repair and explain. Until ``deadline`` (a ``time.perf_counter()`` value; None = no
    ejection step) jobs still unserved may displace less important ones (see ejection.py)."""
    if cp.has_links:
        clear_pins(cp.jobs)
    routes: list[RouteState] = []
    per_route: list[list[CJob]] = []
    pool: list[CJob] = []
    routed: set[int] = set()
    taken: set[int] = set()
    for tech, seq in zip(cp.techs, sequences):
        # Static rules first: a job the technician may not serve, one already taken (by an earlier
        # route or earlier in this one) or one over max_jobs or the van stock goes back to the pool.
        jobs: list[CJob] = []
        used: dict[str, int] = {}
        for i in seq:
            job = cp.jobs[i]
            if i in taken:
                continue
            taken.add(i)
            if tech.index in job.allowed and has_room(tech, len(jobs), used, job):
                jobs.append(job)
                for part, units in job.parts.items():
                    used[part] = used.get(part, 0) + units
            else:
                pool.append(job)
        if cp.has_links:
            per_route.append(jobs)
            continue
        state, evicted = _timed_route(cp, tech, jobs)
        pool.extend(evicted)
        routes.append(state)
        routed.update(j.index for j in state.jobs)
    if cp.has_links:
        routes = _timed_linked(cp, per_route, pool)
        routed.update(j.index for state in routes for j in state.jobs)
    evicted_count = len({j.id for j in pool})
    rejected = {r.job_id for r in rejections}
    pool.extend(j for j in cp.jobs if j.index not in routed and j.id not in rejected and j not in pool)
    # Most important first; among equals the least flexible (earliest window close, fewest
    # qualified technicians) first, so that easy jobs fill the gaps that remain.
    pool.sort(key=lambda j: (PRIORITY_ORDER[j.priority], j.windows[-1][1], len(j.allowed), j.index))

    index = InsertionIndex(cp, costs, routes)
    left, repaired = _insert_pool(cp, index, pool)
    if left and deadline is not None:
        left = serve_by_ejection(cp, costs, index, left, deadline)
    served = {j.index for r in index.routes for j in r.jobs}
    reasons: dict[str, Rejection] = {}
    for job in left:
        if job.id not in reasons:
            reasons[job.id] = explain_linked(cp, served, job) if job.crew or job.after else explain_unserved(cp, index.routes, job)
    unassigned = list(rejections) + list(reasons.values())
    return Plan(index.routes, unassigned, repaired, evicted_count)


def _insert_pool(cp: CompiledProblem, index: InsertionIndex, pool: list[CJob]) -> tuple[list[CJob], int]:
    """Insert each job of ``pool`` at its cheapest feasible place, in order; returns the jobs
    left out and how many were inserted. Crews are left out (the engine places them); a job
    with dependencies is inserted only once its predecessors are served, within its delays."""
    repaired = 0
    left: list[CJob] = []

    def insert(job: CJob) -> bool:
        if job.linked and not _pin_dependent(cp, index.routes, job):
            return False
        found = index.best(job, k=1)
        if not found:
            if job.linked:
                job.pin = None
            return False
        ins = found[0]
        built = RouteState.build(ins.route.tech, ins.jobs, cp.durations)
        assert not isinstance(built, Infeasible)
        index.replace_route(index.routes.index(ins.route), built)
        if job.linked:
            _pin_at_start(built, job)
        return True

    for job in pool:
        if insert(job):
            repaired += 1
        else:
            left.append(job)
    for job in [j for j in left if j.after]:  # dependents whose predecessors were placed after them
        if insert(job):
            left.remove(job)
            repaired += 1
    return left, repaired


def _timed_linked(cp: CompiledProblem, per_route: list[list[CJob]], pool: list[CJob]) -> list[RouteState]:
    """Time the routes together (crews start together, dependencies in order and within their
    delays; see :mod:`optimizer.solvers.sync`). Crews split over fewer technicians than members
    and jobs whose predecessor is in no route are taken out first; then, while the routes cannot
    be timed together, the blamed job goes back to the pool with every job linked to it."""
    per_route = [list(seq) for seq in per_route]
    while True:
        placed = {j.index: r for r, seq in enumerate(per_route) for j in seq}
        out: set[int] = set()
        for j, r in placed.items():
            job = cp.jobs[j]
            if job.crew and (any(c not in placed for c in job.crew) or any(placed[c] == r for c in job.crew if c != j)):
                out.update(cp.link_closure(j))
            if any(pred not in placed for pred, _, _ in job.after):
                out.update(cp.link_closure(j))
        if not out:
            break
        _evict(cp, per_route, out, pool)
    while True:
        timed = time_linked(cp, cp.techs, per_route)
        if not isinstance(timed, LinkFailure):
            return [RouteState(t, seq, sched, parts_used(seq)) for t, seq, sched in zip(cp.techs, per_route, timed)]
        victim = timed.job
        _evict(cp, per_route, set(cp.link_closure(victim.index)) if victim.linked else {victim.index}, pool)


def _evict(cp: CompiledProblem, per_route: list[list[CJob]], out: set[int], pool: list[CJob]) -> None:
    for r, seq in enumerate(per_route):
        kept = [j for j in seq if j.index not in out]
        if len(kept) != len(seq):
            pool.extend(j for j in seq if j.index in out)
            per_route[r] = kept
    clear_pins([cp.jobs[i] for i in out])


def _pin_at_start(state: RouteState, job: CJob) -> None:
    start = next(s.start_s for s in state.schedule.stops if s.job is job)
    job.pin = (start, start)


def _pin_dependent(cp: CompiledProblem, routes: list[RouteState], job: CJob) -> bool:
    """For a one-technician job with dependencies whose predecessors are all served (and
    pinned): set its start bounds from their ends and delays, so that a route-local insertion
    is exact. False for crews and when a predecessor is not served."""
    if job.crew:
        return False
    ends = {s.job.index: s.end_s for r in routes for s in r.schedule.stops}
    lo, hi = 0, UNBOUNDED
    for pred, dmin, dmax in job.after:
        if pred not in ends:
            return False
        end = ends[pred]
        lo = max(lo, end + dmin)
        if dmax is not None:
            hi = min(hi, end + dmax)
    if lo > hi:
        return False
    job.pin = (lo, hi)
    return True


def explain_linked(cp: CompiledProblem, served: set[int], job: CJob) -> Rejection:
    """Why a crew job or a job with dependencies is not served."""
    for pred, _, _ in job.after:
        if pred not in served:
            return Rejection(job.id, "dependency", Msg("depends on job {job}, which is not served", job=cp.jobs[pred].id))
    if job.crew:
        first = cp.jobs[job.crew[0]]
        skills = sorted({s for c in job.crew for s in cp.jobs[c].skills})
        if skills:
            return Rejection(job.id, "crew", Msg("no crew of {n} with {skills} available at the same time", n=len(job.crew), skills=skills))
        return Rejection(first.id, "crew", Msg("no crew of {n} available at the same time", n=len(job.crew)))
    deps = [(cp.jobs[p].id, lo, hi) for p, lo, hi in job.after]
    pid, lo, hi = deps[0]
    if hi is None:
        return Rejection(job.id, "dependency", Msg("no qualified technician can start it at least {min} min after job {job} ends",
                                                   min=lo // 60, job=pid))
    return Rejection(job.id, "dependency", Msg("no qualified technician can start it {min} to {max} min after job {job} ends",
                                               min=lo // 60, max=hi // 60, job=pid))


def explain_unserved(cp: CompiledProblem, routes: list[RouteState], job: CJob) -> Rejection:
    """Why a job that some technician could serve alone did not fit into the final plan."""
    states = [r for r in routes if r.tech.index in job.allowed]
    names = tech_names([r.tech.id for r in states])
    if states and all(r.tech.max_jobs is not None and len(r.jobs) >= r.tech.max_jobs for r in states):
        return Rejection(job.id, "capacity", Msg("capacity: every qualified technician ({techs}) already has max_jobs jobs", techs=names))
    short = [p for p, u in job.parts.items() if all(r.parts_used.get(p, 0) + u > r.tech.parts.get(p, 0) for r in states)]
    if states and short:
        p = short[0]
        return Rejection(job.id, "parts", Msg("parts {part}: {needed} needed, but the van stock of every qualified technician ({techs}) "
                                              "is already used by other jobs", part=p, needed=job.parts[p], techs=names))
    return Rejection(job.id, "capacity", Msg("capacity: not enough working time left; no qualified technician ({techs}) can fit it "
                                             "into their day within its time window", techs=names))
