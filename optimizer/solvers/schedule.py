"""Timing of one technician's ordered route: the earliest feasible schedule, breaks included.

Semantics (the same the validator checks): the technician leaves the start point at or after
``ready_s``; each stop's service starts inside one of its windows, at or after arrival, and lasts
``job.service_s(tech)`` (the job's duration for this technician); breaks are taken in order, each starting within ``[earliest_s, latest_s]``, at a
stop, while waiting, or en route (driving pauses), never during service; a break may also
fall after the return to the end point (the technician is off the road). The route must arrive
at the end point by ``shift_end_s``.

For a fixed order, waiting is allowed, so finishing each stop as early as possible never hurts
what follows. The only choice is in which gap each break is taken; a small dynamic programme over
"how many breaks taken so far" keeps, for each count, the earliest finishing state.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional, Sequence

import numpy as np

from optimizer.solvers.compiled import CBreak, CJob, CTech


@dataclass
class StopTime:
    job: CJob
    travel_s: int
    arrival_s: int
    start_s: int
    end_s: int

    @property
    def lateness_s(self) -> int:
        if self.job.deadline_s is None:
            return 0
        return max(0, self.end_s - self.job.deadline_s)


@dataclass
class Schedule:
    """An earliest feasible schedule of a route. ``breaks`` holds ``(start_s, end_s)`` pairs."""

    tech: CTech
    stops: list[StopTime]
    breaks: list[tuple[int, int]]
    departure_s: int
    return_travel_s: int
    end_s: int

    @property
    def travel_s(self) -> int:
        return sum(s.travel_s for s in self.stops) + self.return_travel_s

    @property
    def service_s(self) -> int:
        return sum(s.end_s - s.start_s for s in self.stops)

    @property
    def lateness(self) -> list[int]:
        return [s.lateness_s for s in self.stops]


@dataclass
class Infeasible:
    """Why a route cannot be timed: ``code`` is one of time_window, shift, break."""

    code: str
    message: str
    job: Optional[CJob] = None


@dataclass
class _State:
    time_s: int
    breaks: list[tuple[int, int]] = field(default_factory=list)
    stops: list[StopTime] = field(default_factory=list)
    lateness_s: int = 0


def _drive_with_breaks(clock: int, travel: int, brks: Sequence[CBreak]) -> Optional[tuple[int, list[tuple[int, int]]]]:
    """Drive ``travel`` seconds from ``clock`` taking ``brks`` on the way (pausing), or after
    arriving (waiting). Returns (ready time at destination, break slots) or None if a break
    would start after its latest start."""
    remaining = travel
    slots = []
    for b in brks:
        if b.earliest_s <= clock:
            start = clock
        elif b.earliest_s <= clock + remaining:
            remaining -= b.earliest_s - clock
            start = b.earliest_s
        else:
            clock += remaining
            remaining = 0
            start = b.earliest_s
        if start > b.latest_s:
            return None
        slots.append((start, start + b.duration_s))
        clock = start + b.duration_s
    return clock + remaining, slots


def _earliest_start(job: CJob, ready: int) -> Optional[int]:
    """Earliest start at or after ``ready`` inside a window and inside ``job.pin`` (the
    cross-route bounds of crews and dependencies), or None."""
    pin = job.pin
    if pin is not None and ready < pin[0]:
        ready = pin[0]
    for lo, hi in job.windows:
        if ready <= hi:
            start = max(ready, lo)
            return None if pin is not None and start > pin[1] else start
    return None


def schedule_route(tech: CTech, jobs: Sequence[CJob], durations: np.ndarray) -> Schedule | Infeasible:
    """Earliest feasible schedule of ``jobs`` in this order for ``tech``, or why there is none."""
    n_breaks = len(tech.breaks) if jobs else 0
    states: dict[int, _State] = {0: _State(tech.ready_s)}
    prev = tech.start_point
    for job in jobs:
        travel = int(durations[prev, job.point])
        service = job.service_s(tech)
        new_states: dict[int, _State] = {}
        for taken, state in states.items():
            for extra in range(0, n_breaks - taken + 1):
                driven = _drive_with_breaks(state.time_s, travel, tech.breaks[taken : taken + extra])
                if driven is None:
                    break  # taking even more breaks here only starts them later
                ready, slots = driven
                start = _earliest_start(job, ready)
                if start is None:
                    continue
                end = start + service
                arrival = _arrival(state.time_s, travel, slots)
                stop = StopTime(job, travel, arrival, start, end)
                cand = _State(end, state.breaks + slots, state.stops + [stop], state.lateness_s + stop.lateness_s)
                key = taken + extra
                best = new_states.get(key)
                if best is None or (cand.time_s, cand.lateness_s) < (best.time_s, best.lateness_s):
                    new_states[key] = cand
        if not new_states:
            return _explain(tech, job, states, travel)
        states = new_states
        prev = job.point
    return _finish(tech, jobs, states, prev, durations)


def _arrival(clock: int, travel: int, slots: list[tuple[int, int]]) -> int:
    """Arrival time at the destination: driving pauses for breaks that start before arrival."""
    remaining = travel
    for start, end in slots:
        if start < clock + remaining:
            remaining -= max(0, start - clock)
            clock = end
        else:
            break
    return clock + remaining


def _finish(tech: CTech, jobs: Sequence[CJob], states: dict[int, _State], prev: int, durations: np.ndarray) -> Schedule | Infeasible:
    travel = int(durations[prev, tech.end_point])
    n_breaks = len(tech.breaks) if jobs else 0
    best: Optional[Schedule] = None
    best_key = None
    late_home = False
    for taken, state in states.items():
        rest = tech.breaks[taken:n_breaks]
        # Breaks during the drive home (first k of the rest), the others after arriving.
        for k in range(len(rest) + 1):
            driven = _drive_with_breaks(state.time_s, travel, rest[:k])
            if driven is None:
                break
            arrive, slots = driven
            clock = arrive
            after = []
            ok = True
            for b in rest[k:]:
                start = max(clock, b.earliest_s)
                if start > b.latest_s:
                    ok = False
                    break
                after.append((start, start + b.duration_s))
                clock = start + b.duration_s
            if arrive > tech.shift_end_s:
                late_home = True
            if not ok or arrive > tech.shift_end_s:
                continue
            key = (state.lateness_s, arrive)
            if best_key is None or key < best_key:
                departure, stops = _departure(tech, state)
                best = Schedule(tech, stops, state.breaks + slots + after, departure, travel, arrive)
                best_key = key
    if best is None:
        last = jobs[-1] if jobs else None
        if late_home:
            return Infeasible("shift", f"technician {tech.id} cannot be back at the end location by shift end", last)
        return Infeasible("break", f"technician {tech.id} cannot take its breaks in time around its jobs", last)
    return best


def _departure(tech: CTech, state: _State) -> tuple[int, list[StopTime]]:
    """Leave as late as possible without delaying the first stop (only when no break precedes
    it); returns the departure and the stops with the first arrival moved accordingly."""
    if not state.stops:
        return tech.ready_s, state.stops
    first = state.stops[0]
    if any(start < first.start_s for start, _ in state.breaks):
        return tech.ready_s, state.stops
    departure = max(tech.ready_s, first.start_s - first.travel_s)
    moved = replace(first, arrival_s=departure + first.travel_s)
    return departure, [moved] + state.stops[1:]


def _explain(tech: CTech, job: CJob, states: dict[int, _State], travel: int) -> Infeasible:
    earliest = min(s.time_s for s in states.values()) + travel
    if earliest > job.windows[-1][1]:
        return Infeasible("time_window", f"technician {tech.id} cannot reach job {job.id} before its time window closes", job)
    return Infeasible("break", f"technician {tech.id} cannot fit its breaks around job {job.id}", job)
