"""PyVRP with what it can express: one vehicle type per technician (own home depot, shift,
part capacities), clients with service time, one time window and delivery of parts, optional
with a prize by priority. Skills, lunch breaks and SLA deadlines cannot be expressed.
Objective: travel time (the duration matrix is also given as the 'distance' matrix)."""

from __future__ import annotations

import time

import numpy as np
import pyvrp
from pyvrp.stop import MaxRuntime

from benchmarks.fieldservice.convert import TimedRoute, TimedStop, to_solution
from benchmarks.fieldservice.engines import FsRun

PRIZE_FACTOR = {"urgent": 8, "high": 4, "normal": 2, "low": 1}


def solve(problem, cp, time_limit_s: float, seed: int = 0) -> FsRun:
    t0 = time.perf_counter()
    parts = sorted({p for j in cp.jobs for p in j.parts} | {p for t in cp.techs for p in t.parts})
    n = cp.matrix.size
    locations = [pyvrp.Location(x=0, y=0) for _ in range(n)]
    depot_points = sorted({t.start_point for t in cp.techs} | {t.end_point for t in cp.techs})
    depot_of = {p: k for k, p in enumerate(depot_points)}
    depots = [pyvrp.Depot(location=p) for p in depot_points]
    vehicles = [
        pyvrp.VehicleType(
            num_available=1, capacity=[t.parts.get(p, 0) for p in parts],
            start_depot=depot_of[t.start_point], end_depot=depot_of[t.end_point],
            tw_early=t.ready_s, tw_late=t.shift_end_s, unit_distance_cost=1, unit_duration_cost=0,
            name=t.id,
        )
        for t in cp.techs
    ]
    base = 4 * int(cp.durations.max()) + 3600
    clients = []
    for j in cp.jobs:
        lo, hi = j.windows[0][0], j.windows[-1][1]  # one window per job in our suite; hull otherwise
        clients.append(pyvrp.Client(
            location=j.point, delivery=[j.parts.get(p, 0) for p in parts], service_duration=j.duration_s,
            tw_early=max(0, lo), tw_late=hi, prize=base * PRIZE_FACTOR[j.priority], required=False, name=j.id,
        ))
    m = np.ascontiguousarray(cp.durations, dtype=np.int64)
    data = pyvrp.ProblemData(locations, clients, depots, vehicles, [m], [m])
    remaining = max(0.1, time_limit_s - (time.perf_counter() - t0))
    result = pyvrp.solve(data, stop=MaxRuntime(remaining), seed=seed, display=False)
    wall = time.perf_counter() - t0
    routes = []
    for route in result.best.routes():
        tr = TimedRoute(tech=route.vehicle_type(), stops=[], departure_s=int(route.start_time()), end_s=int(route.end_time()))
        for act in route:
            if act.is_client():
                tr.stops.append(TimedStop(job=int(act.idx), start_s=int(act.start_time)))
        routes.append(tr)
    status = "feasible" if result.best.is_feasible() else "infeasible"
    return FsRun(to_solution(cp, routes), wall, status)
