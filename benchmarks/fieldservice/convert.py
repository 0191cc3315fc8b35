"""Timed routes of any engine -> our :class:`~optimizer.models.Solution` (nothing is checked here;
the validator does that). Times are integer seconds from the compiled problem's origin."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from optimizer.models import BreakSlot, Route, Solution, Stop, Unassigned
from optimizer.solvers.compiled import CompiledProblem


@dataclass
class TimedStop:
    job: int
    """Index into ``cp.jobs``."""
    start_s: int
    arrival_s: Optional[int] = None
    """When the engine does not report it: previous end + travel (+ breaks taken on the way)."""


@dataclass
class TimedRoute:
    tech: int
    """Index into ``cp.techs``."""
    stops: list[TimedStop]
    breaks: list[tuple[int, int]] = field(default_factory=list)
    departure_s: Optional[int] = None
    end_s: Optional[int] = None


def _breaks_within(breaks: list[tuple[int, int]], lo: int, hi: int) -> int:
    return sum(e - b for b, e in breaks if b >= lo and e <= hi)


def to_solution(cp: CompiledProblem, routes: list[TimedRoute], unserved_reason: str = "not served by the engine") -> Solution:
    tb = cp.timebase
    by_tech = {r.tech: r for r in routes if r.stops}
    out = []
    served: set[int] = set()
    for tech in cp.techs:
        route = by_tech.get(tech.index)
        if route is None:
            out.append(Route(technician_id=tech.id))
            continue
        brk = sorted(route.breaks)
        first = cp.jobs[route.stops[0].job]
        first_leg = int(cp.durations[tech.start_point, first.point])
        departure = route.departure_s
        if departure is None:
            departure = max(tech.ready_s, route.stops[0].start_s - first_leg - _breaks_within(brk, tech.ready_s, route.stops[0].start_s))
        prev_point, prev_end = tech.start_point, departure
        stops, dist_total, travel_total, service_total = [], 0, 0, 0
        for ts in route.stops:
            job = cp.jobs[ts.job]
            leg = int(cp.durations[prev_point, job.point])
            dist = int(cp.distances[prev_point, job.point])
            arrival = ts.arrival_s
            if arrival is None:
                # Drive from prev_end; a break that starts before we get there pauses the drive.
                arrival = prev_end + leg
                for b, e in brk:
                    if prev_end <= b < arrival:
                        arrival += e - b
            arrival = min(arrival, ts.start_s)
            end = ts.start_s + job.duration_s
            in_gap = _breaks_within(brk, prev_end, ts.start_s)
            stops.append(
                Stop(
                    job_id=job.id,
                    arrival=tb.to_datetime(arrival),
                    start=tb.to_datetime(ts.start_s),
                    end=tb.to_datetime(end),
                    travel_time_s=leg,
                    distance_m=dist,
                    waiting_time_s=max(0, ts.start_s - prev_end - leg - in_gap),
                    sla_met=None if job.deadline_s is None else end <= job.deadline_s,
                    lateness_s=0 if job.deadline_s is None else max(0, end - job.deadline_s),
                )
            )
            served.add(ts.job)
            dist_total += dist
            travel_total += leg
            service_total += job.duration_s
            prev_point, prev_end = job.point, end
        back = int(cp.durations[prev_point, tech.end_point])
        back_dist = int(cp.distances[prev_point, tech.end_point])
        end_s = route.end_s
        if end_s is None:
            end_s = prev_end + back + sum(e - b for b, e in brk if b >= prev_end and b < prev_end + back)
        out.append(
            Route(
                technician_id=tech.id,
                start=tb.to_datetime(departure),
                end=tb.to_datetime(end_s),
                stops=stops,
                breaks=[BreakSlot(start=tb.to_datetime(b), end=tb.to_datetime(e)) for b, e in brk],
                travel_time_s=travel_total + back,
                distance_m=dist_total + back_dist,
                work_time_s=travel_total + back + service_total,
                return_travel_time_s=back,
                return_distance_m=back_dist,
            )
        )
    unassigned = [Unassigned(job_id=j.id, reason=unserved_reason, code="unserved") for j in cp.jobs if j.index not in served]
    return Solution(routes=out, unassigned=unassigned)
