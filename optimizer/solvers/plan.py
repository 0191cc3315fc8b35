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
from optimizer.solvers.insertion import InsertionIndex, RouteState, has_room
from optimizer.solvers.precheck import Rejection, tech_names
from optimizer.solvers.schedule import Infeasible, Schedule

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
    routes: list[RouteState] = []
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
        state, evicted = _timed_route(cp, tech, jobs)
        pool.extend(evicted)
        routes.append(state)
        routed.update(j.index for j in state.jobs)
    evicted_count = len(pool)
    rejected = {r.job_id for r in rejections}
    pool.extend(j for j in cp.jobs if j.index not in routed and j.id not in rejected and j not in pool)
    # Most important first; among equals the least flexible (earliest window close, fewest
    # qualified technicians) first, so that easy jobs fill the gaps that remain.
    pool.sort(key=lambda j: (PRIORITY_ORDER[j.priority], j.windows[-1][1], len(j.allowed), j.index))

    index = InsertionIndex(cp, costs, routes)
    repaired = 0
    left: list[CJob] = []
    for job in pool:
        found = index.best(job, k=1)
        if found:
            ins = found[0]
            r = index.routes.index(ins.route)
            built = RouteState.build(ins.route.tech, ins.jobs, cp.durations)
            assert not isinstance(built, Infeasible)
            index.replace_route(r, built)
            repaired += 1
        else:
            left.append(job)
    if left and deadline is not None:
        left = serve_by_ejection(cp, costs, index, left, deadline)
    unassigned = list(rejections) + [explain_unserved(cp, index.routes, job) for job in left]
    return Plan(index.routes, unassigned, repaired, evicted_count)


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
