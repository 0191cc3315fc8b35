"""VROOM (PyPI ``pyvroom``): custom duration/cost matrix, one vehicle per fleet slot with the depot
window and capacity, jobs with service, delivery and one time window; single thread, timeout."""

from __future__ import annotations

import time
from datetime import timedelta

import numpy as np
import vroom

from benchmarks.vrptw.engines import EngineRun
from benchmarks.vrptw.instance import VrptwInstance

EXPLORATION_LEVEL = 5
"""VROOM's highest exploration level; the timeout bounds the run."""


def solve(inst: VrptwInstance, matrix: np.ndarray, time_limit_s: float, seed: int = 0) -> EngineRun:
    t0 = time.perf_counter()
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=matrix)
    problem.set_costs_matrix(profile="car", matrix_input=matrix)
    depot_tw = vroom.TimeWindow(10 * int(inst.ready[0]), 10 * int(inst.due[0]))
    for v in range(inst.fleet):
        problem.add_vehicle(vroom.Vehicle(v + 1, start=0, end=0, capacity=[inst.capacity], time_window=depot_tw))
    for c in range(1, inst.n_customers + 1):
        problem.add_job(
            vroom.Job(
                c,
                location=c,
                default_service=10 * int(inst.service[c]),
                delivery=[int(inst.demand[c])],
                time_windows=[vroom.TimeWindow(10 * int(inst.ready[c]), 10 * int(inst.due[c]))],
            )
        )
    remaining = max(0.1, time_limit_s - (time.perf_counter() - t0))
    solution = problem.solve(exploration_level=EXPLORATION_LEVEL, nb_threads=1, timeout=timedelta(seconds=remaining))
    frame = solution.routes
    routes: list[list[int]] = []
    jobs = frame[frame["type"] == "job"]
    for _, group in jobs.groupby("vehicle_id", sort=True):
        routes.append([int(x) for x in group["id"]])
    return EngineRun(routes, time.perf_counter() - t0, "solved")
