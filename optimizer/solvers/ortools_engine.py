"""OR-Tools routing engine: technicians are vehicles, jobs are optional visits.

Formulation (all integers; see :mod:`optimizer.solvers.costs` for coefficients):

* Nodes ``0..J-1`` are jobs; vehicle ``v`` starts at node ``J+2v`` and ends at ``J+2v+1``
  (its own start/end location).
* Arc cost: travel-time cost + distance cost (one registered transit matrix, no Python
  callbacks in the search loop).
* ``time`` dimension: transit = service at the origin node + travel; slack = waiting. Vehicle
  start cumul in ``[ready, shift_end]``, end cumul ``<= shift_end``; a job's cumul is its
  service start, restricted to the union of its windows (gaps removed). SLA: soft upper bound
  ``deadline - duration`` on the job's start, cost per second by priority.
* Breaks are NOT in the OR-Tools model by default: with ``SetBreakIntervalsOfVehicle`` every
  neighbour check runs a search for break positions, and local search all but stops (measured on
  the demo, 14 x 120, 5 s: 131 neighbours evaluated instead of 305,000; urgent SLA met 25 %
  instead of 100 %; objective 850,470 instead of 43,828). The scheduler then times each route
  with its breaks, and the repair step re-inserts any job a break pushes out.
  ``OrToolsEngine(model_breaks=True)`` restores the exact break model. To leave room for the
  breaks, each route's end has a steep soft upper bound at the shift end minus the durations of
  the breaks still to take (on the 40 x 400 field-service instance this cut the jobs pushed out
  by break timing from 51 to 3, and served 360 jobs instead of 354).
* Starting plan: from ``VROOM_MIN_JOBS`` jobs on, VROOM's plan (:mod:`optimizer.solvers.vroom_seed`,
  at most ``VROOM_SHARE`` of the time limit) seeds guided local search; without pyvroom, from
  ``WARM_START_MIN_JOBS`` jobs on, our greedy insertion plan; otherwise OR-Tools' construction.
* ``work`` dimension: transit = service + travel, no slack; a soft upper bound at each
  technician's fair share (``CostModel.work_targets``) is the workload-balance term.
* ``jobs`` dimension (count) with per-vehicle capacity ``max_jobs``; one dimension per part type
  with per-vehicle capacity = units carried.
* ``non_preferred`` dimension: per-vehicle unary transit 1 on jobs whose preferred list excludes
  the vehicle; its span cost is the preference penalty.
* Allowed vehicles per job from the pre-check (skills, pinned, excluded, parts); every job is
  optional with a drop penalty by priority (disjunction) that dominates all other costs.

Budget (:class:`optimizer.solvers.budget.Budget`): the search runs until ``budget.remaining_s()``
is spent (VROOM's start takes at most ``VROOM_SHARE`` of it). An iteration limit maps to
OR-Tools' ``solution_limit``: one iteration is one solution the search accepts (the first
solution, then every accepted local-search move), and ``EngineResult.iterations`` counts them.
With ``max_iterations`` set the run is deterministic as long as the deadline, which still
applies, is not reached first (and VROOM's start, when used, finishes inside its share).
Nothing is compiled: ``compile_time_s`` is 0.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from optimizer.solvers.base import EngineResult
from optimizer.solvers.budget import Budget
from optimizer.solvers.compiled import CJob, CompiledProblem
from optimizer.solvers.costs import CostModel
from optimizer.solvers.vroom_seed import vroom_routes_bounded

_STATUS = {  # RoutingModel.status() codes
    0: "not_solved",
    1: "success",
    2: "time_limit",  # partial success: a solution, local optimum not proven
    3: "fail",
    4: "fail_timeout",
    5: "invalid",
    6: "infeasible",
    7: "optimal",
}


class OrToolsEngine:
    """Settings as in :class:`optimizer.solvers.engines.OrToolsParams` (``options.engine_params``)."""

    name = "ortools"

    WARM_START_MIN_JOBS = 800
    """From this many jobs on, without VROOM, the search starts from our greedy insertion plan
    (OR-Tools' own construction heuristics take a large share of the time limit there)."""

    VROOM_MIN_JOBS = 250
    """From this many jobs on, the search starts from VROOM's plan when pyvroom is installed.
    Below it OR-Tools' parallel cheapest insertion is fast and, from there, guided local search
    serves as many jobs or more (demo, 14 x 120: VROOM's start ends one job short)."""

    VROOM_SHARE = 0.35
    """Share of the time limit VROOM may spend on the starting plan (it stops at that timeout
    with its best plan so far); OR-Tools' guided local search gets the rest."""

    def __init__(
        self,
        first_solution: str | None = None,
        metaheuristic: str = "GUIDED_LOCAL_SEARCH",
        warm_start: bool | None = None,
        model_breaks: bool = False,
        vroom_seed: bool | None = None,
        break_reserve: bool = True,
    ):
        self.break_reserve = break_reserve
        self.model_breaks = model_breaks
        self.vroom_seed = vroom_seed
        self.first_solution = first_solution
        self.metaheuristic = metaheuristic
        self.warm_start = warm_start

    def solve(
        self,
        cp: CompiledProblem,
        costs: CostModel,
        budget: Budget,
        seed: int = 0,
        initial: Optional[list[list[int]]] = None,
    ) -> EngineResult:
        """``seed`` is not used: OR-Tools' routing search has no seed (see ``Options.seed``)."""
        t0 = time.perf_counter()
        jobs = [j for j in cp.jobs if j.allowed]
        if not jobs:
            return EngineResult([[] for _ in cp.techs], "trivial", 0.0, time.perf_counter() - t0)
        notes: list[str] = []
        seeded_by_caller = initial is not None
        use_vroom = self.vroom_seed
        if use_vroom is None:
            use_vroom = self.first_solution is None and len(jobs) >= self.VROOM_MIN_JOBS
        if not seeded_by_caller and use_vroom:
            seed_t0 = time.perf_counter()
            initial = vroom_routes_bounded(cp, costs, self.VROOM_SHARE * budget.remaining_s())  # None without pyvroom
            if initial is not None:
                notes.append(f"started from VROOM's plan ({time.perf_counter() - seed_t0:.2f} s)")
        model = _Model.build(cp, costs, jobs)
        time_dim = model.add_time()
        if self.break_reserve and not self.model_breaks:
            model.add_break_reserve(time_dim)
        large = len(jobs) >= self.WARM_START_MIN_JOBS
        if self.model_breaks:
            model.add_break_intervals(time_dim)
        model.add_balance_and_capacities()
        params = self._parameters(len(jobs), budget, large)
        accepted = [0]

        def _count() -> None:
            accepted[0] += 1

        model.routing.AddAtSolutionCallback(_count)

        routing = model.routing
        assignment = None
        warm = initial is not None or (self.warm_start if self.warm_start is not None else large)
        if warm:
            start_routes = model.start_routes(initial)
            routing.CloseModelWithParameters(params)
            start = routing.ReadAssignmentFromRoutes(model.node_routes(start_routes), True)
            if start is not None:
                params.time_limit.FromMilliseconds(int(max(0.1, budget.remaining_s()) * 1000))
                assignment = routing.SolveFromAssignmentWithParameters(start, params)
            if assignment is None and (large or seeded_by_caller):
                # OR-Tools could not complete the warm start (seen on large instances with
                # breaks: it fails to place the breaks), and its own construction heuristics do
                # not finish at this size: return the starting routes rather than nothing.
                notes.append("OR-Tools rejected the warm start; starting routes returned")
                return EngineResult(start_routes, "warm_start_only", None, time.perf_counter() - t0, notes, accepted[0])
        if assignment is None:
            assignment = routing.SolveWithParameters(params)
        status = _STATUS.get(routing.status(), str(routing.status()))
        if status == "time_limit" and budget.max_iterations is not None and accepted[0] >= budget.max_iterations:
            status = "iteration_limit"  # OR-Tools reports a reached solution_limit like a time limit
        objective = None if assignment is None else float(assignment.ObjectiveValue())
        return EngineResult(model.routes(assignment), status, objective, time.perf_counter() - t0, notes, accepted[0])

    def _parameters(self, n_jobs: int, budget: Budget, large: bool):
        params = pywrapcp.DefaultRoutingSearchParameters()
        strategy = self.first_solution or ("PARALLEL_CHEAPEST_INSERTION" if n_jobs <= 300 else "LOCAL_CHEAPEST_INSERTION")
        params.log_search = bool(os.environ.get("DISPATCH_LOG_SEARCH"))  # debugging aid
        params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, strategy)
        params.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, self.metaheuristic)
        if large:
            # Neighbour lists: moves only towards the closest nodes. Without them one search step
            # on ~1000 jobs scanned 4.5 million neighbours and overran a 42 s limit by 28 s (Homberger
            # C1_10_2); with them the run ends on time at the same quality (benchmarks/README.md).
            params.ls_operator_neighbors_ratio = 0.05
            params.ls_operator_min_neighbors = 20
        params.time_limit.FromMilliseconds(int(max(0.1, budget.remaining_s()) * 1000))
        if budget.max_iterations is not None:
            params.solution_limit = max(1, budget.max_iterations)
        return params


@dataclass
class _Model:
    """The OR-Tools routing model of one solve (see the module docstring), built part by part."""

    cp: CompiledProblem
    costs: CostModel
    jobs: list[CJob]
    manager: Any
    routing: Any
    travel: np.ndarray
    dist: np.ndarray
    service: np.ndarray
    horizon: int
    vehicle_service: Optional[np.ndarray] = None
    """``[n_veh, n_nodes]`` service seconds per vehicle when durations differ by technician."""

    @classmethod
    def build(cls, cp: CompiledProblem, costs: CostModel, jobs: list[CJob]) -> "_Model":
        """Nodes, arc costs and fixed costs."""
        n_jobs, n_veh = len(jobs), len(cp.techs)
        n_nodes = n_jobs + 2 * n_veh
        starts = [n_jobs + 2 * v for v in range(n_veh)]
        ends = [n_jobs + 2 * v + 1 for v in range(n_veh)]
        point = np.empty(n_nodes, dtype=np.int64)
        service = np.zeros(n_nodes, dtype=np.int64)
        for k, job in enumerate(jobs):
            point[k] = job.point
            service[k] = job.duration_s
        for v, tech in enumerate(cp.techs):
            point[starts[v]] = tech.start_point
            point[ends[v]] = tech.end_point

        travel = cp.durations[np.ix_(point, point)]
        dist = cp.distances[np.ix_(point, point)]
        manager = pywrapcp.RoutingIndexManager(n_nodes, n_veh, starts, ends)
        routing = pywrapcp.RoutingModel(manager)

        arc_cb = routing.RegisterTransitMatrix(costs.arc_costs(travel, dist).tolist())
        routing.SetArcCostEvaluatorOfAllVehicles(arc_cb)
        if costs.fixed_per_tech:
            routing.SetFixedCostOfAllVehicles(costs.fixed_per_tech)
        vehicle_service = None
        if any(job.srv is not None for job in jobs):
            vehicle_service = np.tile(service, (n_veh, 1))
            for k, job in enumerate(jobs):
                if job.srv is not None:
                    vehicle_service[:, k] = job.srv
        return cls(cp, costs, jobs, manager, routing, travel, dist, service, int(cp.horizon_s), vehicle_service)

    def add_service_dimension(self, name: str, slack: int, capacity: int, fix_start: bool) -> None:
        """A dimension whose transit is the service at the origin node plus travel: one transit
        matrix for every vehicle, or one per distinct service column (durations by technician)."""
        routing = self.routing
        if self.vehicle_service is None:
            cb = routing.RegisterTransitMatrix((self.travel + self.service[:, None]).tolist())
            routing.AddDimension(cb, slack, capacity, fix_start, name)
            return
        registered: dict[bytes, int] = {}
        callbacks = []
        for v in range(self.n_veh):
            column = self.vehicle_service[v]
            key = column.tobytes()
            if key not in registered:
                registered[key] = routing.RegisterTransitMatrix((self.travel + column[:, None]).tolist())
            callbacks.append(registered[key])
        routing.AddDimensionWithVehicleTransits(callbacks, slack, capacity, fix_start, name)

    @property
    def n_veh(self) -> int:
        return len(self.cp.techs)

    def add_time(self):
        """The ``time`` dimension: shifts, windows, SLA soft bounds; allowed vehicles and drop
        penalties per job."""
        routing, horizon, costs = self.routing, self.horizon, self.costs
        self.add_service_dimension("time", horizon, horizon, False)
        time_dim = routing.GetDimensionOrDie("time")
        for v, tech in enumerate(self.cp.techs):
            lo = min(max(tech.ready_s, 0), horizon)
            hi = max(min(tech.shift_end_s, horizon), lo)
            time_dim.CumulVar(routing.Start(v)).SetRange(lo, hi)
            time_dim.CumulVar(routing.End(v)).SetRange(lo, hi)
        for k, job in enumerate(self.jobs):
            index = self.manager.NodeToIndex(k)
            cumul = time_dim.CumulVar(index)
            windows = [(max(lo, 0), min(hi, horizon)) for lo, hi in job.windows if hi >= 0 and lo <= horizon]
            cumul.SetRange(windows[0][0], windows[-1][1])
            for (_, hi), (lo, _) in zip(windows, windows[1:]):
                if lo - hi > 1:
                    cumul.RemoveInterval(hi + 1, lo - 1)
            soft = _soft_start_bound(job, costs)
            if soft is not None:
                time_dim.SetCumulVarSoftUpperBound(index, *soft)
            allowed = sorted(job.allowed)
            if len(allowed) < self.n_veh:
                routing.VehicleVar(index).SetValues([-1] + allowed)
            routing.AddDisjunction([index], costs.drop_penalty[job.priority])
        return time_dim

    def add_break_reserve(self, time_dim) -> None:
        """Breaks are timed after the search (see the module docstring); a route that ends later
        than the shift end minus its breaks' durations usually loses jobs then. A steep soft
        bound keeps room for them: one minute over costs a tenth of a low drop."""
        per_s = max(1, min(self.costs.drop_penalty.values()) // 600)
        for v, tech in enumerate(self.cp.techs):
            reserve = sum(b.duration_s for b in tech.breaks if b.latest_s >= tech.ready_s)
            if reserve:
                lo = min(max(tech.ready_s, 0), self.horizon)
                bound = max(lo, min(tech.shift_end_s, self.horizon) - reserve)
                time_dim.SetCumulVarSoftUpperBound(self.routing.End(v), bound, per_s)

    def add_break_intervals(self, time_dim) -> None:
        """The exact break model (``model_breaks=True``)."""
        solver = self.routing.solver()
        for v, tech in enumerate(self.cp.techs):
            visit = [int(s) for s in (self.service if self.vehicle_service is None else self.vehicle_service[v])]
            if tech.breaks:
                intervals = [
                    solver.FixedDurationIntervalVar(b.earliest_s, b.latest_s, b.duration_s, False, f"break_{v}_{i}")
                    for i, b in enumerate(tech.breaks)
                ]
                time_dim.SetBreakIntervalsOfVehicle(intervals, v, visit)

    def add_balance_and_capacities(self) -> None:
        """``work`` (balance), ``jobs`` (max_jobs), one dimension per part, ``non_preferred``."""
        routing, costs, cp, jobs = self.routing, self.costs, self.cp, self.jobs
        n_jobs, n_veh = len(jobs), self.n_veh
        if costs.balance_per_s:
            self.add_service_dimension("work", 0, 10 * self.horizon + 1, True)
            work_dim = routing.GetDimensionOrDie("work")
            for v in range(n_veh):
                work_dim.SetCumulVarSoftUpperBound(routing.End(v), costs.work_targets[v], costs.balance_per_s)

        if any(t.max_jobs is not None for t in cp.techs):
            ones = [1] * n_jobs + [0] * (2 * n_veh)
            count_cb = routing.RegisterUnaryTransitVector(ones)
            caps = [t.max_jobs if t.max_jobs is not None else n_jobs for t in cp.techs]
            routing.AddDimensionWithVehicleCapacity(count_cb, 0, caps, True, "jobs")

        part_names = sorted({p for j in jobs for p in j.parts})
        for part in part_names:
            demand = [j.parts.get(part, 0) for j in jobs] + [0] * (2 * n_veh)
            cb = routing.RegisterUnaryTransitVector(demand)
            caps = [t.parts.get(part, 0) for t in cp.techs]
            routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, f"part:{part}")

        if costs.non_preferred and any(j.preferred for j in jobs):
            callbacks = []
            for tech in cp.techs:
                miss = [1 if (j.preferred and tech.id not in j.preferred) else 0 for j in jobs]
                callbacks.append(routing.RegisterUnaryTransitVector(miss + [0] * (2 * n_veh)))
            routing.AddDimensionWithVehicleTransits(callbacks, 0, n_jobs, True, "non_preferred")
            routing.GetDimensionOrDie("non_preferred").SetSpanCostCoefficientForAllVehicles(costs.non_preferred)

    def start_routes(self, initial: Optional[list[list[int]]]) -> list[list[int]]:
        """Job indexes per technician to start from: the given routes (only jobs this technician
        may serve: OR-Tools rejects the whole seed otherwise), else our greedy insertion plan."""
        if initial is not None:
            node_of_job = {job.index for job in self.jobs}
            return [[i for i in seq if i in node_of_job and v in self.cp.jobs[i].allowed] for v, seq in enumerate(initial)]
        return [[j.index for j in state.jobs] for state in _greedy_plan(self.cp, self.costs).routes]

    def node_routes(self, routes: list[list[int]]) -> list[list[int]]:
        node_of_job = {job.index: k for k, job in enumerate(self.jobs)}
        return [[node_of_job[i] for i in seq] for seq in routes]

    def routes(self, assignment) -> list[list[int]]:
        """Job indexes per technician in the solution (empty routes without one)."""
        routes: list[list[int]] = [[] for _ in self.cp.techs]
        if assignment is None:
            return routes
        routing = self.routing
        for v in range(self.n_veh):
            index = assignment.Value(routing.NextVar(routing.Start(v)))
            while not routing.IsEnd(index):
                routes[v].append(self.jobs[self.manager.IndexToNode(index)].index)
                index = assignment.Value(routing.NextVar(index))
        return routes


def _greedy_plan(cp: CompiledProblem, costs):
    """Cheapest feasible insertion, most important and least flexible jobs first."""
    from optimizer.solvers.plan import build_plan

    return build_plan(cp, costs, [[] for _ in cp.techs], [])



def _soft_start_bound(job, costs: CostModel) -> Optional[tuple[int, int]]:
    """``(latest start, cost per second later)`` of the job's soft bounds: its SLA deadline and
    its promised start (``costs.promise``). OR-Tools keeps one soft upper bound per node: with
    both, the earlier bound at the sum of both rates (exact when they coincide; above the true
    cost between them, the native engine prices both exactly)."""
    bounds = []
    # One bound per node: with durations by technician, the shortest service (a relaxation).
    service = min(job.srv) if job.srv is not None else job.duration_s
    if job.deadline_s is not None and costs.sla_per_s[job.priority] > 0:
        bounds.append((max(0, job.deadline_s - service), costs.sla_per_s[job.priority]))
    promise = costs.promise.get(job.index)
    if promise is not None:
        bounds.append((max(0, promise[0]), promise[1]))  # a bound on the start itself
    if not bounds:
        return None
    return min(b for b, _ in bounds), sum(c for _, c in bounds)
