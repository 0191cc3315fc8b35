"""VROOM with skills (levels encoded as one skill id per (skill, level) step), time windows,
shifts, lunch breaks, priorities and part capacities. Times come from VROOM's own schedule."""

from __future__ import annotations

import time
from datetime import timedelta

import numpy as np
import vroom

from benchmarks.fieldservice.convert import TimedRoute, TimedStop, to_solution
from benchmarks.fieldservice.engines import FsRun

PRIORITY = {"urgent": 100, "high": 50, "normal": 10, "low": 1}


def _skill_ids(cp) -> dict[tuple[str, int], int]:
    names = sorted({s for t in cp.techs for s in t.skills} | {s for j in cp.jobs for s in j.skills})
    return {(s, lvl): 1 + k * 10 + lvl for k, s in enumerate(names) for lvl in range(1, 10)}


def solve(problem, cp, time_limit_s: float, seed: int = 0) -> FsRun:
    t0 = time.perf_counter()
    ids = _skill_ids(cp)
    parts = sorted({p for j in cp.jobs for p in j.parts} | {p for t in cp.techs for p in t.parts})
    inp = vroom.Input()
    inp.set_durations_matrix(profile="car", matrix_input=np.asarray(cp.durations, dtype=np.uint32))
    for t in cp.techs:
        skills = {ids[(s, lvl)] for s, top in t.skills.items() for lvl in range(1, top + 1)}
        breaks = [vroom.Break(100 * t.index + i + 1, time_windows=[vroom.TimeWindow(b.earliest_s, b.latest_s)], service=b.duration_s)
                  for i, b in enumerate(t.breaks)]
        inp.add_vehicle(vroom.Vehicle(
            t.index + 1, start=t.start_point, end=t.end_point,
            capacity=[t.parts.get(p, 0) for p in parts], skills=skills or None,
            time_window=vroom.TimeWindow(t.ready_s, t.shift_end_s), breaks=breaks,
            max_tasks=t.max_jobs if t.max_jobs is not None else 2**32 - 1,
        ))
    for j in cp.jobs:
        inp.add_job(vroom.Job(
            j.index + 1, location=j.point, default_service=j.duration_s,
            delivery=[j.parts.get(p, 0) for p in parts],
            skills={ids[(s, lvl)] for s, lvl in j.skills.items()} or None,
            priority=PRIORITY[j.priority],
            time_windows=[vroom.TimeWindow(max(0, lo), hi) for lo, hi in j.windows],
        ))
    remaining = max(0.1, time_limit_s - (time.perf_counter() - t0))
    sol = inp.solve(exploration_level=5, nb_threads=1, timeout=timedelta(seconds=remaining))
    wall = time.perf_counter() - t0
    routes = []
    frame = sol.routes
    for vid, steps in frame.groupby("vehicle_id", sort=True):
        route = TimedRoute(tech=int(vid) - 1, stops=[])
        for row in steps.itertuples():
            begin = int(row.arrival) + int(row.waiting_time) + int(row.setup)
            if row.type == "start":
                route.departure_s = int(row.arrival)
            elif row.type == "end":
                route.end_s = int(row.arrival)
            elif row.type == "job":
                route.stops.append(TimedStop(job=int(row.id) - 1, start_s=begin, arrival_s=int(row.arrival)))
            elif row.type == "break":
                route.breaks.append((begin, begin + int(row.service)))
        routes.append(route)
    return FsRun(to_solution(cp, routes), wall, "solved")
