"""Textbook OR-Tools field-service model (guide style: Python callbacks, PATH_CHEAPEST_ARC + GLS):
time windows and shifts on a time dimension, lunch breaks with ``SetBreakIntervalsOfVehicle``
(the guide's breaks example), skills as allowed vehicles, part capacities, optional jobs with a
drop penalty by priority. SLA deadlines are not modelled."""

from __future__ import annotations

import time

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from benchmarks.fieldservice.convert import TimedRoute, TimedStop, to_solution
from benchmarks.fieldservice.engines import FsRun, skill_ok

PENALTY_FACTOR = {"urgent": 8, "high": 4, "normal": 2, "low": 1}


def solve(problem, cp, time_limit_s: float, seed: int = 0) -> FsRun:
    t0 = time.perf_counter()
    jobs, techs = cp.jobs, cp.techs
    n_jobs, n_veh = len(jobs), len(techs)
    starts = [n_jobs + 2 * v for v in range(n_veh)]
    ends = [n_jobs + 2 * v + 1 for v in range(n_veh)]
    point = [j.point for j in jobs] + [p for t in techs for p in (t.start_point, t.end_point)]
    service = [j.duration_s for j in jobs] + [0] * (2 * n_veh)
    durations = cp.durations.tolist()
    manager = pywrapcp.RoutingIndexManager(len(point), n_veh, starts, ends)
    routing = pywrapcp.RoutingModel(manager)

    def travel_callback(from_index: int, to_index: int) -> int:
        return durations[point[manager.IndexToNode(from_index)]][point[manager.IndexToNode(to_index)]]

    def time_callback(from_index: int, to_index: int) -> int:
        i = manager.IndexToNode(from_index)
        return durations[point[i]][point[manager.IndexToNode(to_index)]] + service[i]

    transit = routing.RegisterTransitCallback(travel_callback)
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    time_cb = routing.RegisterTransitCallback(time_callback)
    horizon = int(cp.horizon_s)
    routing.AddDimension(time_cb, horizon, horizon, False, "Time")
    time_dim = routing.GetDimensionOrDie("Time")
    for v, t in enumerate(techs):
        time_dim.CumulVar(routing.Start(v)).SetRange(t.ready_s, t.shift_end_s)
        time_dim.CumulVar(routing.End(v)).SetRange(t.ready_s, t.shift_end_s)
    penalty_base = 4 * int(cp.durations.max()) + 3600
    for k, j in enumerate(jobs):
        index = manager.NodeToIndex(k)
        cumul = time_dim.CumulVar(index)
        cumul.SetRange(max(0, j.windows[0][0]), min(horizon, j.windows[-1][1]))
        for (_, hi), (lo, _) in zip(j.windows, j.windows[1:]):
            cumul.RemoveInterval(hi + 1, lo - 1)
        allowed = [v for v, t in enumerate(techs) if skill_ok(t.skills, j.skills)]
        if len(allowed) < n_veh:
            routing.VehicleVar(index).SetValues([-1] + allowed)
        routing.AddDisjunction([index], penalty_base * PENALTY_FACTOR[j.priority])
    node_visit_transit = [0] * routing.Size()
    for index in range(routing.Size()):
        node_visit_transit[index] = service[manager.IndexToNode(index)]
    solver = routing.solver()
    for v, t in enumerate(techs):
        intervals = [solver.FixedDurationIntervalVar(b.earliest_s, b.latest_s, b.duration_s, False, f"break {v} {i}")
                     for i, b in enumerate(t.breaks)]
        if intervals:
            time_dim.SetBreakIntervalsOfVehicle(intervals, v, node_visit_transit)
    for part in sorted({p for j in jobs for p in j.parts}):
        demand = [j.parts.get(part, 0) for j in jobs] + [0] * (2 * n_veh)
        cb = routing.RegisterUnaryTransitCallback(lambda i, d=demand: d[manager.IndexToNode(i)])
        routing.AddDimensionWithVehicleCapacity(cb, 0, [t.parts.get(part, 0) for t in techs], True, f"part {part}")
    for v in range(n_veh):
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.Start(v)))
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v)))

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(max(0.1, time_limit_s - (time.perf_counter() - t0)) * 1000))
    assignment = routing.SolveWithParameters(params)
    wall = time.perf_counter() - t0
    routes = []
    if assignment is not None:
        breaks_of: dict[int, list[tuple[int, int]]] = {}
        container = assignment.IntervalVarContainer()
        for i in range(container.Size()):
            element = container.Element(i)
            if element.PerformedValue():
                v = int(element.Var().Name().split()[1])
                breaks_of.setdefault(v, []).append((element.StartValue(), element.EndValue()))
        for v in range(n_veh):
            route = TimedRoute(tech=v, stops=[], breaks=breaks_of.get(v, []),
                               departure_s=assignment.Value(time_dim.CumulVar(routing.Start(v))))
            index = assignment.Value(routing.NextVar(routing.Start(v)))
            while not routing.IsEnd(index):
                node = manager.IndexToNode(index)
                route.stops.append(TimedStop(job=node, start_s=assignment.Value(time_dim.CumulVar(index))))
                index = assignment.Value(routing.NextVar(index))
            route.end_s = assignment.Value(time_dim.CumulVar(routing.End(v)))
            routes.append(route)
    status = "solved" if assignment is not None else f"no solution (status {routing.status()})"
    return FsRun(to_solution(cp, routes), wall, status)
