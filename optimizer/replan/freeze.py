"""Frozen work: the fixed head of each technician's route and its timing.

For each technician the *fixed prefix* is, in this order: its ``in_progress`` job, its
``dispatched`` job (the next stop it is driving to), then every other stop of its previous route
that starts before ``freeze_until``. The prefix keeps its technician and order. Its times are
recomputed from the state, keeping each stop's previous start whenever that is still possible
(so with nothing changed they stay as they were):

- the in-progress job keeps its start (the ``job_started`` event's, else the previous plan's); it ends at ``expected_end`` (after overruns), else at
  start + duration; the route is reported from there (the technician is on site);
- a dispatched job is reached from the point before it in the previous route, leaving when the
  previous route left (or from ``current_location`` at ``now`` when the state gives one), plus
  any ``technician_delayed`` minutes;
- no other stop starts before ``now`` or before its previous start; a break that fits in the
  wait before a stop is taken there, and one whose window would close before a stop ends is
  taken on site before it (or before leaving); breaks of the previous plan that started before
  ``now`` count as taken; a break whose window closed during fixed work (an overrun) is
  postponed to the first free instant (the answered problem says so, with a warning).

A stop that can no longer be timed (time window missed) is released to the pool, as are the
last stops of a prefix that would bring the technician home after the end of its shift.
All arithmetic is in integer seconds from the planning origin (see ``Timebase``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

import numpy as np

from optimizer.geo.matrix import PointIndex, TravelMatrix
from optimizer.models import Break, Job, Location, Problem, Route, Solution, Technician, Timebase
from optimizer.models.job import JobStatus
from optimizer.models.timebase import minutes_to_s
from optimizer.replan.apply import AppliedEvents


@dataclass
class FixedStop:
    job: Job
    arrival_s: int
    start_s: int
    end_s: int
    travel_s: int
    distance_m: int


@dataclass
class FixedHead:
    """What stays of one technician's day, and where and when the rest may begin."""

    tech_id: str
    start_location: Location
    """Where the reported route departs from (the problem's ``current_location`` for it)."""
    departure_s: Optional[int]
    """Departure of the reported route (None when there is no fixed stop)."""
    stops: list[FixedStop] = field(default_factory=list)
    breaks: list[tuple[int, int]] = field(default_factory=list)
    """Break slots already taken or placed inside the prefix, ``(start_s, end_s)``."""
    remaining_breaks: list[Break] = field(default_factory=list)
    ready_s: Optional[int] = None
    """Earliest departure after the prefix (None = the problem's own rules)."""
    released: list[str] = field(default_factory=list)
    """Prefix jobs that could no longer be kept (back to the pool)."""
    effective_duration_s: dict[str, int] = field(default_factory=dict)
    """In-progress jobs whose actual duration differs from ``duration_min`` (start to expected end)."""
    postponed: list[tuple[Break, Break]] = field(default_factory=list)
    """Breaks whose window closed while fixed work ran over: (as given, with ``latest_start``
    moved to the first instant the technician is free)."""

    def postpone(self, index: int, latest: datetime) -> Break:
        old = self.remaining_breaks[index]
        new = old.model_copy(update={"latest_start": latest})
        self.remaining_breaks[index] = new
        self.postponed.append((old, new))
        return new

    @property
    def end_location(self) -> Location:
        return self.stops[-1].job.location if self.stops else self.start_location

    @property
    def job_ids(self) -> list[str]:
        return [s.job.id for s in self.stops]


def _window_start(job: Job, tb: Timebase, ready_s: int) -> Optional[int]:
    if not job.time_windows:
        return ready_s
    for lo, hi in sorted((tb.to_s_ceil(w.start), tb.to_s(w.end)) for w in job.time_windows):
        if ready_s <= hi:
            return max(ready_s, lo)
    return None


def _taken_breaks(tech: Technician, route: Optional[Route], tb: Timebase, now_s: Optional[int],
                  busy: Optional[tuple[int, int]] = None) -> tuple[list[tuple[int, int]], list[Break]]:
    """Break slots of the previous route that started before ``now`` (taken), and the
    technician's breaks not matched by one of them. A slot overlapping ``busy`` (the in-progress
    job as the state now has it, e.g. still running past its planned end) was not taken."""
    remaining = list(tech.breaks)
    taken: list[tuple[int, int]] = []
    if route is None or now_s is None:
        return taken, remaining
    for slot in sorted(route.breaks, key=lambda b: b.start):
        s, e = tb.to_s(slot.start), tb.to_s(slot.end)
        if s >= now_s or (busy is not None and s < busy[1] and e > busy[0]):
            continue
        for brk in remaining:
            if abs((e - s) - minutes_to_s(brk.duration_min)) <= 1 and tb.to_s(brk.earliest_start) - 1 <= s <= tb.to_s(brk.latest_start) + 1:
                remaining.remove(brk)
                taken.append((s, e))
                break
    return taken, remaining


class HeadBuilder:
    """Builds the fixed heads of every technician for one re-plan."""

    def __init__(self, applied: AppliedEvents, previous: Solution, matrix: TravelMatrix, points: PointIndex):
        self.problem: Problem = applied.problem
        self.applied = applied
        self.previous = previous
        self.durations: np.ndarray = matrix.durations_s
        self.distances: np.ndarray = matrix.distances_m
        self.points = points
        self.tb = Timebase(self.problem.planning_origin())
        self.now_s = self.tb.to_s(self.problem.now) if self.problem.now is not None else None
        self.freeze_s = self.tb.to_s(self.problem.freeze_until) if self.problem.freeze_until is not None else None
        self.jobs = {j.id: j for j in self.problem.jobs}
        self.prev_stop = {s.job_id: (r.technician_id, k, s) for r in previous.routes for k, s in enumerate(r.stops)}

    def _free(self, job: Job) -> bool:
        return job.id not in self.applied.cancelled and job.id not in self.applied.released

    def _prev_start(self, tech_id: str, job_id: str) -> Optional[int]:
        where = self.prev_stop.get(job_id)
        if where is None or where[0] != tech_id:
            return None
        return self.tb.to_s(where[2].start)

    def prefix_jobs(self, tech: Technician, route: Optional[Route]) -> list[Job]:
        def order(job: Job):
            where = self.prev_stop.get(job.id)
            pos = where[1] if where is not None and where[0] == tech.id else 10**6
            return (pos, job.expected_end or job.id)

        mine = [j for j in self.problem.jobs if j.technician_id == tech.id and self._free(j)]
        in_progress = sorted((j for j in mine if j.status == JobStatus.in_progress), key=order)
        dispatched = sorted((j for j in mine if j.status == JobStatus.dispatched), key=order)
        frozen: list[Job] = []
        if route is not None and self.freeze_s is not None:
            for stop in route.stops:
                job = self.jobs.get(stop.job_id)
                if job is None or job.status != JobStatus.pending or not self._free(job):
                    continue
                if self.tb.to_s(stop.start) < self.freeze_s:
                    frozen.append(job)
        return in_progress + dispatched + frozen

    def _resting_point(self, tech: Technician, route: Optional[Route]) -> Location:
        """Where a technician without fixed work is now: ``current_location`` when given, else
        the last completed stop of its previous route, else its start location."""
        if tech.current_location is not None:
            return tech.current_location
        if route is not None:
            done = [self.jobs[s.job_id] for s in route.stops if s.job_id in self.jobs and self.jobs[s.job_id].status == JobStatus.completed]
            if done:
                return done[-1].location
        return tech.start_location

    def build(self, tech: Technician) -> FixedHead:
        route = self.previous.route_of(tech.id)
        jobs = self.prefix_jobs(tech, route)
        taken, remaining = _taken_breaks(tech, route, self.tb, self.now_s, self._in_progress_span(tech, jobs))
        released: list[str] = []
        while True:
            head = self._time(tech, route, jobs, taken, list(remaining))
            bad = head.released
            if not bad:
                bad = self._over_shift(tech, head)
            if not bad:
                head.released = released
                return head
            released.extend(bad)
            jobs = [j for j in jobs if j.id not in bad]

    def _over_shift(self, tech: Technician, head: FixedHead) -> list[str]:
        """The last non-in-progress stop when the prefix cannot be back home by the shift end."""
        if not head.stops:
            return []
        last = head.stops[-1]
        home = self.points.index_of(tech.route_end_location)
        back = last.end_s + int(self.durations[self.points.index_of(last.job.location), home])
        if back <= self.tb.to_s(tech.one_shift.end):
            return []
        movable = [s for s in head.stops if s.job.status != JobStatus.in_progress]
        return [movable[-1].job.id] if movable else []

    def _time(self, tech: Technician, route: Optional[Route], jobs: list[Job], taken: list[tuple[int, int]], remaining: list[Break]) -> FixedHead:
        tb, now_s = self.tb, self.now_s
        delay = self.applied.delay_s.get(tech.id, 0)
        ready_floor = max([tb.to_s_ceil(tech.one_shift.start)] + [tb.to_s_ceil(x) for x in (tech.available_from,) if x is not None] + ([now_s] if now_s is not None else []))
        on_break_until = max([e for s, e in taken if now_s is not None and e > now_s], default=None)
        if not jobs:
            resting = self._resting_point(tech, route)
            ready = None
            if on_break_until is not None:
                ready = on_break_until
            if delay:
                ready = max(ready or ready_floor, ready_floor) + delay
            return FixedHead(tech.id, resting, None, [], list(taken), remaining, ready)
        head = FixedHead(tech.id, jobs[0].location, None, breaks=list(taken), remaining_breaks=remaining)
        rest = jobs
        first = jobs[0]
        if first.status == JobStatus.in_progress:
            duration = minutes_to_s(first.duration_min)
            start = self._started(tech, first, duration, ready_floor)
            end = tb.to_s(first.expected_end) if first.expected_end is not None else start + duration
            end = max(end, start, now_s if now_s is not None else end)
            if end - start != duration:
                head.effective_duration_s[first.id] = end - start
            head.start_location = first.location
            head.departure_s = start
            head.stops.append(FixedStop(first, start, start, end, 0, 0))
            clock, point, pending_delay = end + delay, self.points.index_of(first.location), 0
            rest = jobs[1:]
        else:
            clock, point, loc = self._departure(tech, route, first, ready_floor)
            head.start_location = loc
            head.departure_s = clock
            pending_delay = delay
        for job in rest:
            here = self.points.index_of(job.location)
            travel = int(self.durations[point, here])
            arrival = clock + travel + pending_delay
            for s, e in sorted(head.breaks):
                if clock <= s < arrival:
                    arrival += e - s
            target = arrival if now_s is None else max(arrival, now_s)
            prev = self._prev_start(tech.id, job.id)
            if prev is not None:
                target = max(target, prev)
            duration = minutes_to_s(job.duration_min)
            target = _window_start(job, tb, target) or target
            arrival, target = _take_breaks(head, tb, clock, arrival, target, duration)
            service = _window_start(job, tb, target)
            if service is None:
                head.released.append(job.id)
                return head
            head.stops.append(FixedStop(job, arrival, service, service + duration, travel, int(self.distances[point, here])))
            clock, point, pending_delay = service + duration, here, 0
        for k, brk in enumerate(head.remaining_breaks):
            if tb.to_s(brk.latest_start) < clock:
                head.postpone(k, tb.to_datetime(max(clock, tb.to_s_ceil(brk.earliest_start))))
        return head

    def _in_progress_span(self, tech: Technician, jobs: list[Job]) -> Optional[tuple[int, int]]:
        """``(start_s, end_s)`` of the in-progress job heading ``jobs`` (as :meth:`_time` times it), if any."""
        if not jobs or jobs[0].status != JobStatus.in_progress:
            return None
        job = jobs[0]
        duration = minutes_to_s(job.duration_min)
        floor = self.now_s if self.now_s is not None else self.tb.to_s_ceil(tech.one_shift.start)
        start = self._started(tech, job, duration, floor)
        end = self.tb.to_s(job.expected_end) if job.expected_end is not None else start + duration
        return start, max(end, start, self.now_s if self.now_s is not None else end)

    def _started(self, tech: Technician, job: Job, duration: int, ready_floor: int) -> int:
        """Start of an in-progress job: reported by a job_started event, else the previous plan's,
        else its expected end minus its duration, else now."""
        reported = self.applied.started_at.get(job.id)
        if reported is not None:
            return self.tb.to_s(reported)
        prev = self._prev_start(tech.id, job.id)
        if prev is not None:
            return prev
        if job.expected_end is not None:
            return self.tb.to_s(job.expected_end) - duration
        return self.now_s if self.now_s is not None else ready_floor

    def _departure(self, tech: Technician, route: Optional[Route], first: Job, ready_floor: int) -> tuple[int, int, Location]:
        """``(departure_s, point, location)`` of the leg to the first fixed stop that is not in progress."""
        where = self.prev_stop.get(first.id)
        if first.status == JobStatus.dispatched and tech.current_location is None and where is not None and where[0] == tech.id:
            k = where[1]
            assert route is not None, "a previous stop implies a previous route"
            if k == 0:
                loc, dep = tech.start_location, route.start
            else:
                before = route.stops[k - 1]
                loc = self.jobs[before.job_id].location if before.job_id in self.jobs else tech.start_location
                dep = before.end
            assert dep is not None, "a route with stops has a departure"
            return self.tb.to_s(dep), self.points.index_of(loc), loc
        loc = self._resting_point(tech, route)
        return ready_floor, self.points.index_of(loc), loc


def _take_breaks(head: FixedHead, tb: Timebase, clock: int, arrival: int, target: int, duration: int) -> tuple[int, int]:
    """Place the head's remaining breaks around the service of the next fixed job (departure at
    ``clock``, arrival ``arrival``, service wanted from ``target`` for ``duration``); returns the
    arrival and service target after them."""
    # A break that fits in the wait before the service costs nothing: take it there.
    while head.remaining_breaks:
        brk = head.remaining_breaks[0]
        b_start = max(arrival, tb.to_s_ceil(brk.earliest_start))
        if b_start > tb.to_s(brk.latest_start) or b_start + minutes_to_s(brk.duration_min) > target:
            break
        head.breaks.append((b_start, b_start + minutes_to_s(brk.duration_min)))
        head.remaining_breaks.pop(0)
    while head.remaining_breaks and tb.to_s(head.remaining_breaks[0].latest_start) < target + duration:
        brk = head.remaining_breaks[0]
        b_len = minutes_to_s(brk.duration_min)
        b_start = max(arrival, tb.to_s_ceil(brk.earliest_start))
        if b_start > tb.to_s(brk.latest_start):
            b_start = max(clock, tb.to_s_ceil(brk.earliest_start))  # before leaving / en route
            if b_start > tb.to_s(brk.latest_start):
                head.postpone(0, tb.to_datetime(b_start))  # fixed work ran over its window
            arrival += b_len
        head.breaks.append((b_start, b_start + b_len))
        head.remaining_breaks.pop(0)
        target = max(target, arrival, b_start + b_len)
    return arrival, target
