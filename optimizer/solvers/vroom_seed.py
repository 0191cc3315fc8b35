"""A starting plan from VROOM (PyPI ``pyvroom``), for the OR-Tools search to improve on.

VROOM's construction and local search are fast on large instances where OR-Tools' own
construction heuristics take most of the time limit, but VROOM cannot express soft SLA
deadlines or workload balance. So it only proposes *who does what in which order*; the OR-Tools
engine then optimises the full objective from there (see :mod:`optimizer.solvers.ortools_engine`).

Mapping of the compiled problem (all integer seconds, matrix row indices):

* vehicle = technician: start/end point, time window ``[ready_s, shift_end_s]``, breaks (start
  window and duration), one capacity per part type, ``max_tasks`` = ``max_jobs``;
* job: point, service ``duration_s``, every start window cut at the latest on-time start when
  the job has an SLA deadline (VROOM has no soft deadlines; a job that cannot be on time keeps
  its windows), one delivery amount per part type, priority in ``0..100`` proportional to the
  job's drop penalty;
* who may serve a job (skills with levels, pinned, excluded, parts, as decided by the
  pre-check) becomes one VROOM skill per distinct set of allowed technicians;
* cost matrix = our integer arc cost (travel time and distance weights) in weight units.

Preferred technicians and the balance term are not in the seed.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Optional

import numpy as np

from optimizer.solvers.compiled import CJob, CompiledProblem
from optimizer.solvers.costs import COST_SCALE, CostModel

_UINT32_MAX = 2**32 - 1


LEVEL_COST_S_PER_JOB2 = {5: 1.5e-4, 3: 4.6e-5, 1: 1.2e-5}
"""Seconds per squared job count that a full VROOM run at each exploration level took on this
machine (single thread; field-service M, 40 x 400 on Milan roads: level 5 23 s, level 3 7.3 s,
level 1 1.8 s). Instances with long routes run slower (Homberger R2, 1000 jobs: level 0 39 s);
the timeout then returns VROOM's best plan so far."""


def exploration_level(n_jobs: int, time_limit_s: float) -> int:
    """VROOM's search depth (0..5): the deepest level whose estimated full run fits in half of
    ``time_limit_s``, else 0."""
    for level, per_job2 in sorted(LEVEL_COST_S_PER_JOB2.items(), reverse=True):
        if per_job2 * n_jobs * n_jobs <= 0.5 * time_limit_s:
            return level
    return 0


def _break_windows(tech) -> Optional[list[tuple[int, int]]]:
    """Each break's start window cut to the shift (start no earlier than ``ready_s``, end no
    later than ``shift_end_s``), or ``None`` when the breaks cannot all be taken in order within
    the shift: then our scheduler cannot time any route with a job for this technician."""
    windows = []
    clock = tech.ready_s
    for b in tech.breaks:
        lo, hi = max(b.earliest_s, tech.ready_s), min(b.latest_s, tech.shift_end_s - b.duration_s)
        clock = max(clock, lo)
        if clock > hi:
            return None
        windows.append((lo, hi))
        clock += b.duration_s
    return windows


def _skills(jobs: list[CJob], n_veh: int) -> tuple[dict[frozenset[int], int], list[set[int]]]:
    """VROOM skills for the allowed-technician sets: one skill per set of allowed technicians
    that is not everyone (``{set: skill id}``), and each technician's skills."""
    everyone = frozenset(range(n_veh))
    skill_of: dict[frozenset[int], int] = {}
    for job in jobs:
        key = frozenset(job.allowed)
        if key != everyone and key not in skill_of:
            skill_of[key] = len(skill_of) + 1
    vehicle_skills: list[set[int]] = [set() for _ in range(n_veh)]
    for key, sid in skill_of.items():
        for v in key:
            vehicle_skills[v].add(sid)
    return skill_of, vehicle_skills


def vroom_routes(cp: CompiledProblem, costs: CostModel, time_limit_s: float, level: Optional[int] = None) -> Optional[list[list[int]]]:
    """Job-index sequences per technician from VROOM, or ``None`` when VROOM is not installed,
    fails, or has nothing to plan. Runs single-threaded and stops at ``time_limit_s``."""
    try:
        import vroom
    except ImportError:
        return None
    t0 = time.perf_counter()
    n_veh = len(cp.techs)
    jobs = [j for j in cp.jobs if j.allowed]
    if not jobs or not n_veh:
        return None
    inp = vroom.Input()
    durations = np.minimum(cp.durations, _UINT32_MAX).astype(np.uint32)
    arc = costs.arc_costs(cp.durations, cp.distances) // COST_SCALE
    inp.set_durations_matrix(profile="car", matrix_input=durations)
    inp.set_costs_matrix(profile="car", matrix_input=np.minimum(arc, _UINT32_MAX).astype(np.uint32))

    parts = sorted({p for j in jobs for p in j.parts})
    skill_of, vehicle_skills = _skills(jobs, n_veh)

    top = max(costs.drop_penalty.values()) or 1
    usable = set()
    for tech in cp.techs:
        windows = _break_windows(tech)
        if tech.ready_s > tech.shift_end_s or windows is None:
            continue  # our scheduler cannot give this technician any job either
        breaks = [
            vroom.Break(1000 * tech.index + i + 1, time_windows=[vroom.TimeWindow(lo, hi)], service=b.duration_s)
            for i, (b, (lo, hi)) in enumerate(zip(tech.breaks, windows))
        ]
        inp.add_vehicle(vroom.Vehicle(
            tech.index + 1, start=tech.start_point, end=tech.end_point,
            capacity=[tech.parts.get(p, 0) for p in parts],
            skills=vehicle_skills[tech.index] or None,
            time_window=vroom.TimeWindow(max(0, tech.ready_s), tech.shift_end_s),
            breaks=breaks,
            max_tasks=tech.max_jobs if tech.max_jobs is not None else _UINT32_MAX,
        ))
        usable.add(tech.index)
    if not usable:
        return None
    for job in jobs:
        windows = [(max(0, lo), hi) for lo, hi in job.windows if hi >= 0]
        if job.deadline_s is not None:
            # VROOM has no soft deadlines: ask for an on-time start; if none is possible the
            # job keeps its windows (it will be late anyway). A job VROOM then leaves out is
            # placed by the OR-Tools search or the repair step, late if need be.
            on_time = [(lo, min(hi, job.deadline_s - job.duration_s)) for lo, hi in windows if lo <= job.deadline_s - job.duration_s]
            windows = on_time or windows
        if not windows or not (job.allowed & usable):
            continue
        key = frozenset(job.allowed)
        inp.add_job(vroom.Job(
            job.index + 1, location=job.point, default_service=job.duration_s,
            delivery=vroom.Amount([job.parts.get(p, 0) for p in parts]),
            skills={skill_of[key]} if key in skill_of else None,
            priority=int(round(100 * costs.drop_penalty[job.priority] / top)),
            time_windows=[vroom.TimeWindow(lo, hi) for lo, hi in windows],
        ))
    if level is None:
        level = exploration_level(len(jobs), time_limit_s)
    remaining = max(0.05, time_limit_s - (time.perf_counter() - t0))
    try:
        solution = inp.solve(exploration_level=level, nb_threads=1, timeout=timedelta(seconds=remaining))
    except Exception:  # VROOM's own input errors: fall back to the other starting plans
        return None
    routes: list[list[int]] = [[] for _ in range(n_veh)]
    frame = solution.routes
    for row in frame[frame["type"] == "job"].itertuples():
        routes[int(row.vehicle_id) - 1].append(int(row.id) - 1)
    return routes


def vroom_routes_bounded(cp: CompiledProblem, costs: CostModel, time_limit_s: float) -> Optional[list[list[int]]]:
    """:func:`vroom_routes` that never overruns ``time_limit_s`` by more than a second.

    VROOM checks its timeout only between search steps; its construction is not interrupted
    (measured: Homberger C2_10_2, 1,000 jobs, 145 s for a 12 s share; field-service XL, 5,000
    jobs, 181 s for 60 s). It therefore runs in a forked child process (the child inherits the
    problem, nothing is copied), which is killed at the limit; the caller then starts from its
    own plan. Where ``fork`` is not available VROOM runs in this process, unbounded."""
    import multiprocessing as mp

    try:
        ctx = mp.get_context("fork")
    except ValueError:
        return vroom_routes(cp, costs, time_limit_s)
    receiver, sender = ctx.Pipe(duplex=False)

    def run() -> None:
        try:
            sender.send(vroom_routes(cp, costs, time_limit_s))
        except BaseException:  # noqa: BLE001 - the parent only needs "no plan"
            sender.send(None)

    child: "mp.process.BaseProcess | _RawFork" = ctx.Process(target=run, name="vroom-seed", daemon=False)
    if mp.current_process().daemon:
        # multiprocessing refuses children of a daemonic process (the server's solver workers
        # are daemonic): fork directly, same child.
        child = _RawFork(run)
    child.start()
    sender.close()
    routes: Optional[list[list[int]]] = None
    try:
        if receiver.poll(max(0.0, time_limit_s) + 1.0):
            routes = receiver.recv()
    except (EOFError, OSError):
        routes = None
    finally:
        if child.is_alive():
            child.kill()
        child.join(5)
        receiver.close()
    return routes


class _RawFork:
    """The part of ``multiprocessing.Process`` that :func:`vroom_routes_bounded` uses, on a plain
    ``os.fork`` (allowed in a daemonic process)."""

    def __init__(self, target) -> None:
        self.target = target
        self.pid = 0

    def start(self) -> None:
        import os

        self.pid = os.fork()
        if self.pid == 0:  # the child: run, then leave without the parent's exit handlers
            try:
                self.target()
            finally:
                os._exit(0)

    def is_alive(self) -> bool:
        import os

        if self.pid == 0:
            return False
        done, _ = os.waitpid(self.pid, os.WNOHANG)
        if done:
            self.pid = 0
        return self.pid != 0

    def kill(self) -> None:
        import os
        import signal

        if self.pid:
            os.kill(self.pid, signal.SIGKILL)

    def join(self, timeout: float) -> None:
        import os

        if self.pid:
            os.waitpid(self.pid, 0)
            self.pid = 0
