"""Feasible insertions of a job into existing routes, ranked by cost.

Used three ways: to repair a plan (insert jobs the engine left out), to rank alternative
technicians per job (``Solution.candidates``) and to answer recommendations for new jobs.

Cost of inserting a job = arc-cost detour + SLA lateness cost added over the whole route (the
job's own and that of the stops it delays) + the non-preferred penalty + the fixed cost of a
technician not used before. The detour is a lower bound of that cost, so exploring positions in
increasing detour order and stopping once the detour exceeds the k-th best cost found gives the
exact top-k technicians.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from optimizer.solvers.compiled import CJob, CompiledProblem, CTech
from optimizer.solvers.costs import CostModel
from optimizer.solvers.schedule import Infeasible, Schedule, StopTime, schedule_route


@dataclass
class RouteState:
    """One technician's current route and its schedule."""

    tech: CTech
    jobs: list[CJob]
    schedule: Schedule
    parts_used: dict[str, int] = field(default_factory=dict)

    @classmethod
    def build(cls, tech: CTech, jobs: list[CJob], durations: np.ndarray) -> "RouteState | Infeasible":
        sched = schedule_route(tech, jobs, durations)
        if isinstance(sched, Infeasible):
            return sched
        return cls(tech, list(jobs), sched, parts_used(jobs))

    def lateness_cost(self, costs: CostModel) -> int:
        return sum(costs.stop_cost(s.job, s.start_s, s.lateness_s) for s in self.schedule.stops)

    def has_room(self, job: CJob) -> bool:
        """Static capacity: max_jobs and van stock."""
        return has_room(self.tech, len(self.jobs), self.parts_used, job)


def parts_used(jobs: Sequence[CJob]) -> dict[str, int]:
    used: dict[str, int] = {}
    for job in jobs:
        for part, units in job.parts.items():
            used[part] = used.get(part, 0) + units
    return used


def has_room(tech: CTech, n_jobs: int, used: dict[str, int], job: CJob) -> bool:
    """Can ``tech``, already holding ``n_jobs`` jobs using ``used`` parts, take ``job`` too?"""
    if tech.max_jobs is not None and n_jobs + 1 > tech.max_jobs:
        return False
    return all(used.get(p, 0) + u <= tech.parts.get(p, 0) for p, u in job.parts.items())


@dataclass
class Insertion:
    """Insert ``job`` at ``position`` of ``route`` (0 = before the first stop)."""

    route: RouteState
    job: CJob
    position: int
    schedule: Schedule
    cost: int
    extra_travel_s: int

    @property
    def stop(self) -> StopTime:
        return self.schedule.stops[self.position]

    @property
    def jobs(self) -> list[CJob]:
        return self.route.jobs[: self.position] + [self.job] + self.route.jobs[self.position :]


class InsertionIndex:
    """Every (route, position) slot of a plan, as arrays for vectorised screening.

    Per slot: the route, the position, the points before and after, the arc cost between them,
    ``ready`` (the earliest moment the technician can leave the previous point: the end of the
    previous service, or the technician's ready time) and ``latest`` (the latest start of the next
    stop that keeps the rest of the route feasible, ignoring breaks; for the end point the shift
    end). Breaks only make things later, so ``arrival <= window close`` and ``start + service +
    travel <= latest`` are necessary conditions: slots failing them are skipped without timing.
    """

    def __init__(self, cp: CompiledProblem, costs: CostModel, routes: Sequence[RouteState], arc: Optional[np.ndarray] = None):
        self.cp = cp
        self.costs = costs
        self.routes = list(routes)
        self.arc = arc if arc is not None else costs.arc_costs(cp.durations, cp.distances)
        self._slots = [self._route_slots(r, state) for r, state in enumerate(self.routes)]
        self.lateness = [s.lateness_cost(costs) for s in self.routes]
        self._concat()

    def _route_slots(self, r: int, state: RouteState) -> np.ndarray:
        """Rows ``(route, position, prev, next, ready, latest)`` for one route."""
        tech, jobs = state.tech, state.jobs
        d = self.cp.durations
        pts = [tech.start_point] + [j.point for j in jobs] + [tech.end_point]
        latest = [0] * (len(jobs) + 1)
        latest[len(jobs)] = tech.shift_end_s
        for k in range(len(jobs) - 1, -1, -1):
            job = jobs[k]
            bound = latest[k + 1] - int(d[job.point, pts[k + 2]]) - job.service_s(tech)
            latest[k] = _latest_in_windows(job, bound)
        ready = [tech.ready_s] + [s.end_s for s in state.schedule.stops]
        rows = np.empty((len(jobs) + 1, 6), dtype=np.int64)
        for p in range(len(jobs) + 1):
            rows[p] = (r, p, pts[p], pts[p + 1], ready[p], latest[p])
        return rows

    def _concat(self) -> None:
        table = np.concatenate(self._slots) if self._slots else np.empty((0, 6), dtype=np.int64)
        self.slot_route, self.slot_pos, self.slot_prev, self.slot_next, self.slot_ready, self.slot_latest = table.T
        self.slot_base = self.arc[self.slot_prev, self.slot_next]
        self.tech_of_route = np.asarray([s.tech.index for s in self.routes], dtype=np.int64)

    def replace_route(self, r: int, state: RouteState) -> None:
        self.routes[r] = state
        self._slots[r] = self._route_slots(r, state)
        self.lateness[r] = state.lateness_cost(self.costs)
        self._concat()

    def _screen(self, job: CJob, slots: np.ndarray) -> np.ndarray:
        """Slots that pass the necessary timing conditions."""
        d = self.cp.durations
        arrive = self.slot_ready[slots] + d[self.slot_prev[slots], job.point]
        first_open = job.windows[0][0]
        last_close = job.windows[-1][1]
        start = np.maximum(arrive, first_open)
        service = job.duration_s if job.srv is None else np.asarray(job.srv, dtype=np.int64)[self.tech_of_route[self.slot_route[slots]]]
        finish = start + service + d[job.point, self.slot_next[slots]]
        ok = (start <= last_close) & (finish <= self.slot_latest[slots])
        return slots[ok]

    def best(self, job: CJob, k: int = 1, exclude_tech: Optional[int] = None) -> list[Insertion]:
        """Best feasible insertion per technician, for the ``k`` cheapest technicians."""
        if k <= 0 or len(self.slot_route) == 0:
            return []
        allowed = np.zeros(len(self.cp.techs) + 1, dtype=bool)
        allowed[list(job.allowed)] = True
        if exclude_tech is not None:
            allowed[exclude_tech] = False
        mask = allowed[self.tech_of_route[self.slot_route]]
        if not mask.any():
            return []
        slots = self._screen(job, np.nonzero(mask)[0])
        if len(slots) == 0:
            return []
        detour = self.arc[self.slot_prev[slots], job.point] + self.arc[job.point, self.slot_next[slots]] - self.slot_base[slots]
        order = np.argsort(detour, kind="stable")
        best: dict[int, Insertion] = {}
        no_room: set[int] = set()
        for o in order:
            bound = int(detour[o])
            if len(best) >= k:
                kth = sorted(ins.cost for ins in best.values())[k - 1]
                if bound >= kth:
                    break
            slot = slots[o]
            r = int(self.slot_route[slot])
            if r in no_room or (r in best and best[r].cost <= bound):
                continue
            state = self.routes[r]
            if not state.has_room(job):
                no_room.add(r)
                continue
            ins = self._evaluate(r, int(self.slot_pos[slot]), job, bound)
            if ins is not None and (r not in best or ins.cost < best[r].cost):
                best[r] = ins
        ranked = sorted(best.values(), key=lambda i: (i.cost, i.route.tech.index))
        return ranked[:k]

    def _evaluate(self, r: int, position: int, job: CJob, detour_cost: int) -> Optional[Insertion]:
        state = self.routes[r]
        jobs = state.jobs[:position] + [job] + state.jobs[position:]
        sched = schedule_route(state.tech, jobs, self.cp.durations)
        if isinstance(sched, Infeasible):
            return None
        late = sum(self.costs.stop_cost(s.job, s.start_s, s.lateness_s) for s in sched.stops)
        cost = detour_cost + late - self.lateness[r]
        if job.preferred and state.tech.id not in job.preferred:
            cost += self.costs.non_preferred
        if not state.jobs:
            cost += self.costs.fixed_per_tech
        d = self.cp.durations
        pts = [state.tech.start_point] + [j.point for j in state.jobs] + [state.tech.end_point]
        extra = int(d[pts[position], job.point] + d[job.point, pts[position + 1]] - d[pts[position], pts[position + 1]])
        return Insertion(state, job, position, sched, int(cost), extra)


def removal_detour_s(durations: np.ndarray, tech: CTech, jobs: Sequence[CJob], position: int) -> int:
    """Travel seconds saved by removing ``jobs[position]`` from the route (the job's detour)."""
    pts = [tech.start_point] + [j.point for j in jobs] + [tech.end_point]
    a, b, c = pts[position], pts[position + 1], pts[position + 2]
    return int(durations[a, b] + durations[b, c] - durations[a, c])


def _latest_in_windows(job: CJob, bound: int) -> int:
    """The latest service start ``<= bound`` inside one of the job's windows (very negative if none)."""
    for lo, hi in reversed(job.windows):
        if lo <= bound:
            return min(hi, bound)
    return -(2**40)
