"""PyVRP: ProblemData built from the instance with the same DIMACS deci-unit matrix
(``pyvrp.read(..., round_func="dimacs")`` gives the same numbers for VRPLIB files, but it does not
read Solomon text files), hybrid genetic search with ``MaxRuntime``."""

from __future__ import annotations

import time

import numpy as np
import pyvrp
from pyvrp.stop import MaxRuntime

from benchmarks.vrptw.engines import EngineRun
from benchmarks.vrptw.instance import VrptwInstance


def build_data(inst: VrptwInstance, matrix: np.ndarray) -> pyvrp.ProblemData:
    n1 = len(inst.demand)
    locations = [pyvrp.Location(x=int(x), y=int(y)) for x, y in inst.coords]
    depot = pyvrp.Depot(location=0, tw_early=10 * int(inst.ready[0]), tw_late=10 * int(inst.due[0]))
    clients = [
        pyvrp.Client(
            location=c,
            delivery=[int(inst.demand[c])],
            service_duration=10 * int(inst.service[c]),
            tw_early=10 * int(inst.ready[c]),
            tw_late=10 * int(inst.due[c]),
        )
        for c in range(1, n1)
    ]
    vehicle = pyvrp.VehicleType(
        num_available=inst.fleet,
        capacity=[inst.capacity],
        tw_early=10 * int(inst.ready[0]),
        tw_late=10 * int(inst.due[0]),
    )
    m = np.ascontiguousarray(matrix, dtype=np.int64)
    return pyvrp.ProblemData(locations, clients, [depot], [vehicle], [m], [m])


def solve(inst: VrptwInstance, matrix: np.ndarray, time_limit_s: float, seed: int = 0) -> EngineRun:
    t0 = time.perf_counter()
    data = build_data(inst, matrix)
    remaining = max(0.1, time_limit_s - (time.perf_counter() - t0))
    result = pyvrp.solve(data, stop=MaxRuntime(remaining), seed=seed, display=False)
    best = result.best
    clients = data.clients()
    # Activities index data.clients(); a client's location is its node number.
    routes = [[int(clients[a.idx].location) for a in route if a.is_client()] for route in best.routes()]
    status = "feasible" if best.is_feasible() else "infeasible"
    return EngineRun(routes, time.perf_counter() - t0, status)
