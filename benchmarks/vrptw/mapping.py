"""A VRPTW instance as our public :class:`~optimizer.models.Problem`, and routes back as a
:class:`~optimizer.models.Solution`, so that every engine is checked by the same validator.

Mapping (same code path as production):

* matrix: ``options.matrix = "explicit"``; ``durations_s = distances_m = floor(10 * euclid)``
  (DIMACS, scaled by 10); every Location carries ``index`` = node number;
* time: 1 instance time unit = 10 seconds from :data:`ORIGIN`;
* depot -> one technician per vehicle of the file's fleet, start/end at node 0, shift =
  depot ``[ready, due]``;
* customer ``c`` -> job ``c<c>`` with one time window ``[ready, due]`` on the start of service and
  ``duration_min = 10 * service / 60``;
* capacity/demand -> one part type ``load``: each technician carries ``capacity`` units, each job
  needs ``demand`` units;
* weights: pure distance (``distance_per_km = 1000``: one cost unit per metre-unit), no travel
  time, balance, SLA or preference terms.

The reported cost is ``sum(route.distance_m) / 10`` in instance units (one decimal).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Sequence

import numpy as np

from benchmarks.vrptw.instance import SCALE, VrptwInstance
from optimizer.models import (
    ExplicitMatrix,
    Job,
    Location,
    Options,
    Problem,
    Route,
    Solution,
    Stop,
    Technician,
    TimeWindow,
    Unassigned,
    Weights,
)

ORIGIN = datetime(2026, 1, 5, tzinfo=timezone.utc)
"""Instant that instance time 0 stands for (arbitrary)."""

LOAD = "load"
"""The one part type that carries VRPTW capacity and demand."""


def at(units_x10: int | float) -> datetime:
    """Datetime of an instant given in deci-units (= seconds) after :data:`ORIGIN`."""
    return ORIGIN + timedelta(seconds=float(units_x10))


def tech_id(v: int) -> str:
    return f"v{v + 1}"


def job_id(node: int) -> str:
    return f"c{node}"


def node_of(job: str) -> int:
    return int(job[1:])


def pure_distance_weights() -> Weights:
    zero = {"urgent": 0.0, "high": 0.0, "normal": 0.0, "low": 0.0}
    return Weights(
        travel_time_per_s=0.0,
        distance_per_km=1000.0,
        workload_balance_per_s=0.0,
        sla_lateness_per_min=zero,
        non_preferred_technician=0.0,
    )


def to_problem(inst: VrptwInstance, time_limit_s: float, matrix: np.ndarray | None = None, seed: int = 0) -> Problem:
    """The Problem of ``inst`` (see module docstring). ``matrix``: the DIMACS matrix if already built."""
    m = inst.dimacs_matrix() if matrix is None else matrix
    rows = m.tolist()
    depot = Location(index=0)
    shift = TimeWindow(start=at(SCALE * int(inst.ready[0])), end=at(SCALE * int(inst.due[0])))
    techs = [
        Technician(id=tech_id(v), shift=shift, start_location=depot, end_location=depot, parts={LOAD: inst.capacity})
        for v in range(inst.fleet)
    ]
    jobs = [
        Job(
            id=job_id(c),
            location=Location(index=c),
            duration_min=SCALE * int(inst.service[c]) / 60.0,
            time_windows=[TimeWindow(start=at(SCALE * int(inst.ready[c])), end=at(SCALE * int(inst.due[c])))],
            parts={LOAD: int(inst.demand[c])} if inst.demand[c] else {},
        )
        for c in range(1, inst.n_customers + 1)
    ]
    options = Options(
        time_limit_s=time_limit_s,
        seed=seed,
        candidates_per_job=0,
        matrix="explicit",
        explicit_matrix=ExplicitMatrix(durations_s=rows, distances_m=rows),
        weights=pure_distance_weights(),
    )
    return Problem(technicians=techs, jobs=jobs, options=options)


def routes_to_solution(inst: VrptwInstance, routes: Sequence[Sequence[int]], matrix: np.ndarray | None = None) -> Solution:
    """Time ordered customer-node routes from the instance data and return our Solution.

    Each route leaves the depot at its opening time; service starts at ``max(arrival, ready)``.
    Nothing is checked here (that is the validator's job): late arrivals are rendered as they are.
    Routes beyond the fleet size raise ``ValueError``; customers in no route are unassigned.
    """
    m = inst.dimacs_matrix() if matrix is None else matrix
    if len([r for r in routes if r]) > inst.fleet:
        raise ValueError(f"{len(routes)} routes for a fleet of {inst.fleet}")
    out_routes = []
    served: set[int] = set()
    for v, nodes in enumerate([r for r in routes if r]):
        t = SCALE * int(inst.ready[0])
        depart = t
        prev = 0
        stops = []
        dist_total = 0
        service_total = 0
        for c in nodes:
            leg = int(m[prev, c])
            arrival = t + leg
            start = max(arrival, SCALE * int(inst.ready[c]))
            end = start + SCALE * int(inst.service[c])
            stops.append(
                Stop(
                    job_id=job_id(c),
                    arrival=at(arrival),
                    start=at(start),
                    end=at(end),
                    travel_time_s=leg,
                    distance_m=leg,
                    waiting_time_s=start - arrival,
                )
            )
            dist_total += leg
            service_total += SCALE * int(inst.service[c])
            served.add(c)
            t, prev = end, c
        back = int(m[prev, 0])
        dist_total += back
        out_routes.append(
            Route(
                technician_id=tech_id(v),
                start=at(depart),
                end=at(t + back),
                stops=stops,
                travel_time_s=dist_total,
                distance_m=dist_total,
                work_time_s=dist_total + service_total,
                return_travel_time_s=back,
                return_distance_m=back,
            )
        )
    for v in range(len(out_routes), inst.fleet):
        out_routes.append(Route(technician_id=tech_id(v)))
    unassigned = [
        Unassigned(job_id=job_id(c), reason="not served by the engine", code="unserved")
        for c in range(1, inst.n_customers + 1)
        if c not in served
    ]
    return Solution(routes=out_routes, unassigned=unassigned)


def solution_routes(solution: Solution) -> list[list[int]]:
    """Customer-node routes (non-empty only) of one of our Solutions."""
    return [[node_of(s.job_id) for s in r.stops] for r in solution.routes if r.stops]


def routes_cost(routes: Sequence[Sequence[int]], matrix: np.ndarray) -> int:
    """Total deci-unit distance of depot-to-depot routes."""
    total = 0
    for nodes in routes:
        if not nodes:
            continue
        path = [0, *nodes, 0]
        total += int(matrix[path[:-1], path[1:]].sum())
    return total
