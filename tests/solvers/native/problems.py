"""Random small problems for the native engine's tests, every rule switched on, and helpers
that rebuild the engine's arrays and recompute costs with the Python reference code
(:func:`optimizer.solvers.schedule.schedule_route`, :func:`optimizer.solvers.objective.plan_cost`).

Problems use a hand-given (explicit) matrix so that the whole set-up is a few milliseconds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Optional

import numpy as np
from hypothesis import strategies as st

from optimizer.solve import build_cost_model, precheck, prepare
from optimizer.solvers.native.data import build_data
from optimizer.solvers.objective import plan_cost
from optimizer.solvers.schedule import Infeasible, schedule_route
from tests import explicit as x

PRIORITIES = ["urgent", "high", "normal", "low"]
NO_SLA = {p: 0.0 for p in PRIORITIES}


@st.composite
def problems(draw, fast: bool = False, max_jobs: int = 8, max_techs: int = 3,
             engine: str = "native", max_iterations: Optional[int] = None, time_limit_s: float = 5.0):
    """A random problem: several windows per job, SLA deadlines by priority, 0-2 breaks per
    technician, parts, max_jobs, skills with levels, pinned / excluded / preferred technicians,
    balance weight, fixed cost, distance cost, ``now``, ``available_from``, other end points, and
    durations by technician (``service_factor``, ``durations_by_technician``).

    ``fast=True``: no costed SLA deadline (none, or SLA weights zero) and no breaks, every
    technician ending at point 0 at the same shift end, so that the compiled search takes its
    O(1) timing path (``Data.fast == 1``) on every candidate route. Travel times are whole minutes
    (so that arrivals often meet a window's end or a latest start to the second), or get one
    second of noise here and there (one second too late), or up to a unit of noise (the triangle
    inequality may fail; the timing must still agree)."""
    n_jobs = draw(st.integers(1, max_jobs))
    n_techs = draw(st.integers(1, max_techs))
    # a quarter of the problems: every job's deadline at the planning origin, so that its
    # lateness is its end time and every stop's timing shows in the cost; breaks at fixed times
    # and long drives, so that where a break falls (en route, waiting, at a stop) matters
    timed = not fast and draw(st.integers(0, 3)) == 0
    n_points = n_techs + n_jobs
    xy = [(draw(st.integers(0, 8)), draw(st.integers(0, 8))) for _ in range(n_points)]
    unit = draw(st.sampled_from([300, 600] if timed else [60, 120, 300]))
    rng = random.Random(draw(st.integers(0, 2**31)))
    noise = draw(st.sampled_from(["none", "second"] if fast else ["none", "second", "unit"]))
    span = {"none": 0, "second": 1, "unit": unit}[noise]
    durations = [[0 if a == b else unit * (abs(xy[a][0] - xy[b][0]) + abs(xy[a][1] - xy[b][1]))
                  + rng.randint(0, span) for b in range(n_points)] for a in range(n_points)]
    distances = [[0 if a == b else int(1000 * ((xy[a][0] - xy[b][0]) ** 2 + (xy[a][1] - xy[b][1]) ** 2) ** 0.5) + 37
                  for b in range(n_points)] for a in range(n_points)]
    ids = [f"t{t}" for t in range(n_techs)]
    common_end = draw(st.sampled_from([13, 15, 17]))
    techs = []
    for t in range(n_techs):
        start = draw(st.sampled_from([7, 8, 9]))
        end = common_end if fast else draw(st.sampled_from([12, 14, 17]))
        extra: dict = {}
        n_breaks = 0 if fast else draw(st.integers(0, 2))
        if n_breaks:
            e = draw(st.sampled_from([9.5, 10, 11]))
            brks = [x.brk(e, e + (0 if timed else draw(st.sampled_from([0, 0.25, 1, 2]))), draw(st.sampled_from([10, 30, 45])))]
            e2 = e + draw(st.sampled_from([0.5, 1.5, 2.5]))
            if n_breaks == 2 and e2 < end:
                brks.append(x.brk(e2, e2 + draw(st.sampled_from([0, 0.5, 1.5])), draw(st.sampled_from([10, 15]))))
            extra["breaks"] = brks
        if draw(st.integers(0, 2)) == 0:
            extra["max_jobs"] = draw(st.integers(1, 4))
        if fast:
            extra["end_location"] = x.loc(0)
        elif draw(st.integers(0, 2)) == 0:
            extra["end_location"] = x.loc(draw(st.integers(0, n_points - 1)))
        if draw(st.integers(0, 4)) == 0:
            extra["available_from"] = x.at(start + draw(st.sampled_from([0.5, 1])))
        if draw(st.integers(0, 2)) == 0:
            extra["service_factor"] = draw(st.sampled_from([0.5, 0.75, 1.5]))
        techs.append(x.tech(ids[t], t, start, end,
                            skills={s: draw(st.integers(1, 2)) for s in draw(st.lists(st.sampled_from("abc"), max_size=3, unique=True))},
                            parts={"p": draw(st.integers(0, 3)), "q": draw(st.integers(0, 2))}, **extra))
    sla_off = fast and draw(st.booleans())
    now = draw(st.sampled_from([None, None, None, 8.5]))
    origin = min([float(t["shift"]["start"][11:13]) for t in techs] + ([now] if now is not None else []))
    jobs = []
    for j in range(n_jobs):
        extra = {"priority": draw(st.sampled_from(PRIORITIES))}
        n_win = 0 if timed and draw(st.booleans()) else draw(st.integers(0, 3))
        if n_win:
            hours = sorted(draw(st.lists(st.sampled_from([7.5, 8, 9, 10, 11.5, 13, 14.5, 16]), min_size=n_win, max_size=n_win, unique=True)))
            wins = []
            for a, h in enumerate(hours):
                nxt = hours[a + 1] if a + 1 < len(hours) else 18
                wins.append(x.window(h, min(nxt - 0.25, h + draw(st.sampled_from([0, 0.25, 0.5, 1.5])))))
            extra["time_windows"] = wins
        if timed:
            extra["sla_deadline"] = x.at(origin)
        elif (not fast or sla_off) and draw(st.booleans()):
            # 8:30 may be before the planning origin (an overdue job: negative solver time)
            extra["sla_deadline"] = x.at(draw(st.sampled_from([8.5, 9, 9.5, 10, 11, 13])))
        if draw(st.integers(0, 2)) == 0:
            extra["parts"] = {draw(st.sampled_from("pq")): draw(st.integers(1, 2))}
        rule = draw(st.integers(0, 7))
        if rule == 0:
            extra["pinned_technician"] = draw(st.sampled_from(ids))
        elif rule == 1:
            extra["excluded_technicians"] = [draw(st.sampled_from(ids))]
        elif rule in (2, 3):
            extra["preferred_technicians"] = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True))
        if draw(st.integers(0, 2)) == 0:
            extra["durations_by_technician"] = {tid: draw(st.sampled_from([0, 5, 45, 150])) for tid in
                                                draw(st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids), unique=True))}
        skills = {s: draw(st.integers(1, 2)) for s in draw(st.lists(st.sampled_from("abc"), max_size=1, unique=True))}
        jobs.append(x.job(f"j{j}", n_techs + j, draw(st.sampled_from([0, 15, 30, 60, 120])), skills=skills, **extra))
    weights = {
        "workload_balance_per_s": draw(st.sampled_from([0.0, 0.1, 0.7])),
        "technician_fixed_cost": draw(st.sampled_from([0.0, 0.0, 450.0])),
        "distance_per_km": draw(st.sampled_from([0.0, 0.5, 3.0])),
        "non_preferred_technician": draw(st.sampled_from([600.0, 50.0])),
    }
    if sla_off:
        weights["sla_lateness_per_min"] = NO_SLA
    opts = {"seed": draw(st.integers(0, 3))}
    if max_iterations is not None:
        opts["max_iterations"] = max_iterations
    return x.problem(durations, techs, jobs, engine=engine, time_limit_s=time_limit_s, weights=weights, now=now,
                     distances=distances, **opts)


@dataclass
class Built:
    """A problem as the native engine sees it."""

    cp: object
    costs: object
    D: object
    job_index: np.ndarray

    @property
    def n(self) -> int:
        return len(self.job_index)

    @property
    def m(self) -> int:
        return len(self.cp.techs)

    def work(self) -> np.ndarray:
        nb = int(np.max(np.diff(self.D.bptr))) if self.m else 0
        return np.zeros(6 * (nb + 1) + 16, dtype=np.int64)

    def cjobs(self, seq) -> list:
        return [self.cp.jobs[int(self.job_index[e])] for e in seq]

    def schedule(self, t: int, seq):
        return schedule_route(self.cp.techs[t], self.cjobs(seq), self.cp.durations)

    def reference_cost(self, t: int, seq) -> int:
        """Python reference: -1 when the scheduler finds the route infeasible, else its plan cost."""
        sched = self.schedule(t, seq)
        if isinstance(sched, Infeasible):
            return -1
        return plan_cost(self.cp, self.costs, [sched], [])

    def allowed(self, e: int) -> list[int]:
        return [t for t in range(self.m) if self.D.allowed[e, t]]

    def statically_ok(self, t: int, seq) -> bool:
        """Rules the compiled candidate evaluation checks besides timing: allowed, max_jobs,
        route capacity, van stock."""
        if len(seq) > self.D.tmaxj[t] or len(seq) > self.D.cap:
            return False
        if any(not self.D.allowed[e, t] for e in seq):
            return False
        load = np.zeros(self.D.jdem.shape[1], dtype=np.int64)
        for e in seq:
            load += self.D.jdem[e]
        return bool(np.all(load <= self.D.tcap[t]))

    def plan_objective(self, routes: list[list[int]]) -> int:
        """Objective of engine routes (engine job indices per technician): plan cost of the
        routes plus the drop penalties of the engine jobs left out."""
        scheds = []
        for t, seq in enumerate(routes):
            sched = self.schedule(t, seq)
            assert not isinstance(sched, Infeasible), f"route {t} {seq} is infeasible: {sched}"
            scheds.append(sched)
        served = {e for seq in routes for e in seq}
        dropped = [self.cp.jobs[int(self.job_index[e])] for e in range(self.n) if e not in served]
        return plan_cost(self.cp, self.costs, scheds, dropped)


def build(problem, n_neighbours: int = 6) -> Built:
    cp = prepare(problem)
    precheck(cp)
    costs = build_cost_model(cp)
    D, job_index = build_data(cp, costs, n_neighbours)
    return Built(cp, costs, D, job_index)


def medium(instance: int, n_jobs: int = 40, n_techs: int = 4, **options):
    """A seeded mid-size problem (every rule on, loose enough that most jobs fit) for tests that
    need more than a handful of jobs: the time limit, seeds, starting plans."""
    rng = random.Random(instance)
    n_points = n_techs + n_jobs
    xy = [(rng.randint(0, 20), rng.randint(0, 20)) for _ in range(n_points)]
    durations = [[60 * (abs(a[0] - b[0]) + abs(a[1] - b[1])) for b in xy] for a in xy]
    ids = [f"t{t}" for t in range(n_techs)]
    techs = []
    for t in range(n_techs):
        breaks = [x.brk(11.5, 13, 30)] + ([x.brk(15, 15.5, 15)] if t % 2 else [])
        techs.append(x.tech(ids[t], t, 8, 17, skills={"a": 1 + t % 2, "b": 1}, breaks=breaks,
                            parts={"p": 4, "q": 2}, **({"max_jobs": 9} if t == 0 else {})))
    jobs = []
    for j in range(n_jobs):
        extra: dict = {"priority": rng.choice(PRIORITIES)}
        if rng.random() < 0.4:
            h = rng.choice([8, 9, 10, 13, 14])
            extra["time_windows"] = [x.window(h, h + 2)] + ([x.window(h + 3, h + 3.5)] if rng.random() < 0.3 else [])
        if rng.random() < 0.3:
            extra["sla_deadline"] = x.at(rng.choice([10, 12, 15]))
        if rng.random() < 0.2:
            extra["parts"] = {rng.choice("pq"): 1}
        if rng.random() < 0.2:
            extra["preferred_technicians"] = [rng.choice(ids)]
        if rng.random() < 0.05:
            extra["pinned_technician"] = rng.choice(ids)
        skills = {"a": rng.choice([1, 2])} if rng.random() < 0.3 else {}
        jobs.append(x.job(f"j{j}", n_techs + j, rng.choice([15, 20, 30, 45]), skills=skills, **extra))
    return x.problem(durations, techs, jobs, engine="native", weights={"technician_fixed_cost": 100.0},
                     **{"time_limit_s": 5.0, **options})
