"""Timing of a whole plan when jobs are linked across routes (crews, dependencies).

Every cross-route rule is a difference constraint on service starts, ``start[x] >= start[y] + c``
(:meth:`CompiledProblem.link_constraints`): the copies of a crew job start together (``c = 0``
both ways); a dependent job starts at least ``min`` after its predecessor's end (``c = duration
+ min``) and at most ``max`` after it (a lower bound on the predecessor: ``c = -(duration +
max)``). Within a route, starting later never makes an earlier stop infeasible and finishing
earlier never hurts a later one, so the earliest plan satisfying all of them is found by
iteration: time every route with the route scheduler, raise the lower bound (``CJob.pin``) of
every job whose rule is broken to what it needs, and re-time the routes that hold such jobs,
until nothing changes (a fixed point: every rule holds) or a route can no longer be timed (a
window closes, the shift ends: the plan of these sequences is infeasible, and the job the
scheduler blames is returned). A positive cycle (two crews met in opposite orders by two
technicians) keeps raising starts until a window or shift closes; a round limit stops it too.

After a fixed point, every linked job is pinned to its start (``pin = (start, start)``), so that
route-local steps that follow (cheapest insertion, ejection chains, candidate ranking) keep the
cross-route rules exact by keeping those starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from optimizer.solvers.compiled import CJob, CompiledProblem, CTech
from optimizer.solvers.schedule import Infeasible, Schedule, schedule_route

UNBOUNDED = 1 << 60


@dataclass
class LinkFailure:
    """The sequences cannot be timed together: ``job`` is the one to take out (with its closure)."""

    job: CJob
    message: str


def clear_pins(jobs: Sequence[CJob]) -> None:
    for job in jobs:
        if job.linked:
            job.pin = None


def time_linked(cp: CompiledProblem, techs: Sequence[CTech], sequences: Sequence[list[CJob]]) -> list[Schedule] | LinkFailure:
    """Earliest schedules of ``sequences[k]`` for ``techs[k]`` meeting every crew and
    dependency rule among the jobs they hold, or the job to blame. On success every linked job
    of the sequences is pinned to its start."""
    present = {j.index for seq in sequences for j in seq}
    for seq in sequences:
        clear_pins(seq)
    route_of = {j.index: r for r, seq in enumerate(sequences) for j in seq}
    rules = [rule for rule in cp.link_constraints() if rule[0] in present and rule[1] in present]
    scheds: list[Optional[Schedule]] = [None] * len(sequences)
    dirty = set(range(len(sequences)))
    rounds = 2 * len({rule[0] for rule in rules}) + 4
    for _ in range(rounds):
        for r in sorted(dirty):
            result = schedule_route(techs[r], sequences[r], cp.durations)
            if isinstance(result, Infeasible):
                return _blame(result, sequences[r])
            scheds[r] = result
        start = {s.job.index: s.start_s for sched in scheds if sched is not None for s in sched.stops}
        service = {s.job.index: s.end_s - s.start_s for sched in scheds if sched is not None for s in sched.stops}
        dirty = set()
        for x, y, c, sy, sx in rules:
            need = start[y] + c + sy * service[y] - sx * service[x]
            if start[x] < need:
                job = cp.jobs[x]
                lo = max(need, job.pin[0] if job.pin is not None else need)
                job.pin = (lo, UNBOUNDED)
                dirty.add(route_of[x])
        if not dirty:
            for seq in sequences:
                for job in seq:
                    if job.linked:
                        job.pin = (start[job.index], start[job.index])
            return [s for s in scheds if s is not None]
    # No fixed point within the rounds: starts keep rising (a cycle of rules across routes).
    stops = {s.job.index: s for sched in scheds if sched is not None for s in sched.stops}
    job = next((cp.jobs[x] for x, y, c, sy, sx in rules
                if stops[x].start_s < stops[y].start_s + c + sy * (stops[y].end_s - stops[y].start_s) - sx * (stops[x].end_s - stops[x].start_s)),
               cp.jobs[rules[0][0]])
    return LinkFailure(job, f"crew and dependency starts of job {job.id} do not settle (conflicting order across routes)")


def _blame(result: Infeasible, seq: list[CJob]) -> LinkFailure:
    job = result.job if result.job is not None and result.job in seq else seq[-1]
    return LinkFailure(job, result.message)


def pin_plan(schedules: Sequence[Schedule]) -> None:
    """Pin every linked job of these schedules to its start (route-local steps then keep it)."""
    for sched in schedules:
        for stop in sched.stops:
            if stop.job.linked:
                stop.job.pin = (stop.start_s, stop.start_s)
