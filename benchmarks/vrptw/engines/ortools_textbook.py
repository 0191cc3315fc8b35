"""The textbook OR-Tools VRPTW model, as a user would write it from the OR-Tools VRPTW guide.

Python transit callbacks (``RegisterTransitCallback``) for distance and time, a ``Time``
dimension (transit = travel + service at the origin, slack = waiting) with the customers' windows
on the cumul, the depot window on every vehicle's start and end, a ``Capacity`` dimension with
``AddDimensionWithVehicleCapacity``, ``PATH_CHEAPEST_ARC`` then ``GUIDED_LOCAL_SEARCH`` until
the time limit. Every customer is mandatory (no disjunctions): if no first solution is found
the run reports no routes.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from benchmarks.vrptw.engines import EngineRun
from benchmarks.vrptw.instance import VrptwInstance


def solve(inst: VrptwInstance, matrix: np.ndarray, time_limit_s: float, seed: int = 0) -> EngineRun:
    t0 = time.perf_counter()
    dist = matrix.tolist()
    service = [10 * int(s) for s in inst.service]
    ready = [10 * int(r) for r in inst.ready]
    due = [10 * int(d) for d in inst.due]
    demand = [int(d) for d in inst.demand]
    n = len(dist)
    manager = pywrapcp.RoutingIndexManager(n, inst.fleet, 0)
    routing = pywrapcp.RoutingModel(manager)

    def distance_callback(from_index: int, to_index: int) -> int:
        return dist[manager.IndexToNode(from_index)][manager.IndexToNode(to_index)]

    def time_callback(from_index: int, to_index: int) -> int:
        i = manager.IndexToNode(from_index)
        return dist[i][manager.IndexToNode(to_index)] + service[i]

    def demand_callback(from_index: int) -> int:
        return demand[manager.IndexToNode(from_index)]

    transit = routing.RegisterTransitCallback(distance_callback)
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    time_cb = routing.RegisterTransitCallback(time_callback)
    horizon = due[0]
    routing.AddDimension(time_cb, horizon, horizon, False, "Time")
    time_dim = routing.GetDimensionOrDie("Time")
    for node in range(1, n):
        time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(ready[node], due[node])
    for v in range(inst.fleet):
        time_dim.CumulVar(routing.Start(v)).SetRange(ready[0], due[0])
        time_dim.CumulVar(routing.End(v)).SetRange(ready[0], due[0])
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.Start(v)))
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v)))
    demand_cb = routing.RegisterUnaryTransitCallback(demand_callback)
    routing.AddDimensionWithVehicleCapacity(demand_cb, 0, [inst.capacity] * inst.fleet, True, "Capacity")

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    remaining = max(0.1, time_limit_s - (time.perf_counter() - t0))
    params.time_limit.FromMilliseconds(int(remaining * 1000))
    assignment = routing.SolveWithParameters(params)
    routes: list[list[int]] = []
    if assignment is not None:
        for v in range(inst.fleet):
            index = assignment.Value(routing.NextVar(routing.Start(v)))
            nodes = []
            while not routing.IsEnd(index):
                nodes.append(manager.IndexToNode(index))
                index = assignment.Value(routing.NextVar(index))
            if nodes:
                routes.append(nodes)
    status = "solved" if assignment is not None else f"no solution (status {routing.status()})"
    return EngineRun(routes, time.perf_counter() - t0, status)
