"""Serve a left-out job by moving or dropping a less important one (ejection chains, depth 2).

Local search keeps a plan where, say, an urgent job occupies the only technician who could do a
high-priority job, while another technician could take the urgent job if it dropped a low one.
That takes two simultaneous moves, which OR-Tools' operators did not find on tiny instances
(found by the exhaustive optimum tests, tests/solvers/test_oracle_optimum.py). For each unserved job ``u``, most important first:

1. eject a job ``e`` from a route of a qualified technician so that ``u`` fits there, and
   re-insert ``e`` elsewhere as is (gain: ``u`` served, nobody dropped); else
2. re-insert ``e`` elsewhere by ejecting a job ``f`` no more important than ``u``; or
3. drop ``e`` if it is no more important than ``u``.

Moves are valued on the full objective (drop penalties, travel, lateness, balance) of the routes
they touch; the one with the largest decrease is applied. Every applied move strictly lowers the
objective, so the procedure terminates; it also stops at ``deadline`` (a ``time.perf_counter()``
value).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Optional

from optimizer.solvers.compiled import CJob, CompiledProblem, CTech
from optimizer.solvers.costs import CostModel
from optimizer.solvers.insertion import InsertionIndex, RouteState, has_room, parts_used
from optimizer.solvers.objective import plan_cost
from optimizer.solvers.schedule import Infeasible, schedule_route


@dataclass
class _Move:
    gain: int
    routes: dict[int, list[CJob]]
    dropped: Optional[CJob]


def insert_anywhere(cp: CompiledProblem, tech: CTech, jobs: list[CJob], job: CJob) -> Optional[list[CJob]]:
    """``jobs`` with ``job`` at the feasible position of least detour, or None."""
    if tech.index not in job.allowed or not has_room(tech, len(jobs), parts_used(jobs), job):
        return None
    d = cp.durations
    pts = [tech.start_point] + [j.point for j in jobs] + [tech.end_point]
    order = sorted(range(len(jobs) + 1), key=lambda p: int(d[pts[p], job.point] + d[job.point, pts[p + 1]] - d[pts[p], pts[p + 1]]))
    for p in order:
        candidate = jobs[:p] + [job] + jobs[p:]
        if not isinstance(schedule_route(tech, candidate, d), Infeasible):
            return candidate
    return None


def _gain(cp: CompiledProblem, costs: CostModel, routes: list[RouteState], u: CJob, changed: dict[int, list[CJob]], dropped: Optional[CJob]) -> int:
    """Objective decrease of serving ``u`` with the routes in ``changed`` (and ``dropped`` left out)."""
    before = plan_cost(cp, costs, [routes[r].schedule for r in changed], [u])
    after_scheds = []
    for r, jobs in changed.items():
        sched = schedule_route(routes[r].tech, jobs, cp.durations)
        if isinstance(sched, Infeasible):
            return 0
        after_scheds.append(sched)
    return before - plan_cost(cp, costs, after_scheds, [dropped] if dropped is not None else [])


def _find_move(cp: CompiledProblem, costs: CostModel, routes: list[RouteState], u: CJob, deadline: float) -> Optional[_Move]:
    """The move of largest objective decrease (full cost: drops, travel, lateness, balance)."""
    best: Optional[_Move] = None

    def consider(changed: dict[int, list[CJob]], dropped: Optional[CJob]) -> None:
        nonlocal best
        gain = _gain(cp, costs, routes, u, changed, dropped)
        if gain > 0 and (best is None or gain > best.gain):
            best = _Move(gain, changed, dropped)

    if u.linked:
        return None  # crews and dependencies are placed together, never one job at a time
    for r, state in enumerate(routes):
        if state.tech.index not in u.allowed:
            continue
        for e in state.jobs:
            if time.perf_counter() > deadline:
                return best
            if e.linked:
                continue
            rest = [j for j in state.jobs if j is not e]
            new_r = insert_anywhere(cp, state.tech, rest, u)
            if new_r is not None:
                _consider_moves_of(cp, costs, routes, u, r, e, new_r, consider)
    return best


def _consider_moves_of(cp: CompiledProblem, costs: CostModel, routes: list[RouteState], u: CJob, r: int, e: CJob,
                       new_r: list[CJob], consider: Callable[[dict[int, list[CJob]], Optional[CJob]], None]) -> None:
    """With ``u`` in route ``r`` in place of ``e`` (``new_r``): move ``e`` to another route, drop
    it, or move it there in place of a job ``f`` that is dropped."""
    drop = costs.drop_penalty
    for s, other in enumerate(routes):
        if s != r:
            new_s = insert_anywhere(cp, other.tech, other.jobs, e)
            if new_s is not None:
                consider({r: new_r, s: new_s}, None)
    if drop[e.priority] <= drop[u.priority]:
        consider({r: new_r}, e)
    for s, other in enumerate(routes):
        if s == r or other.tech.index not in e.allowed:
            continue
        for f in other.jobs:
            if f.linked or drop[f.priority] > drop[u.priority]:
                continue
            new_s = insert_anywhere(cp, other.tech, [j for j in other.jobs if j is not f], e)
            if new_s is not None:
                consider({r: new_r, s: new_s}, f)


def serve_by_ejection(cp: CompiledProblem, costs: CostModel, index: InsertionIndex, pool: list[CJob], deadline: float) -> list[CJob]:
    """Try to serve each job of ``pool`` (most important first); returns the jobs still unserved."""
    pending = list(pool)
    unserved: list[CJob] = []
    while pending:
        u = pending.pop(0)
        if time.perf_counter() > deadline:
            unserved.append(u)
            continue
        move = _find_move(cp, costs, index.routes, u, deadline)
        if move is None:
            unserved.append(u)
            continue
        for r, jobs in move.routes.items():
            state = RouteState.build(index.routes[r].tech, jobs, cp.durations)
            assert not isinstance(state, Infeasible)
            index.replace_route(r, state)
        if move.dropped is not None:
            pending.append(move.dropped)
            pending.sort(key=lambda j: -costs.drop_penalty[j.priority])
    return unserved
