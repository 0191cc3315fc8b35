"""A technician's day as Gantt segments: travel, service, break and idle intervals.

Times are integer seconds from an origin instant. Invariants of :func:`route_segments`: segments
do not overlap, lie within ``[route.start, route.end]`` (breaks may also lie outside it, when
the technician takes them off the road), and every second of ``[route.start, route.end]`` is
covered by exactly one segment. Travel of a leg ends at the stop's arrival (at the end location
for the return leg) and runs backwards around breaks (a break taken en route pauses the drive);
whatever is left between two activities is idle (including waiting at a site).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from optimizer.models import Route

KINDS = ("travel", "service", "break", "idle")


@dataclass(frozen=True)
class Segment:
    kind: str
    start_s: int
    end_s: int
    job_id: Optional[str] = None
    late: bool = False
    """Service that ends after the job's SLA deadline."""


def _s(moment: datetime, origin: datetime) -> int:
    return int(round((moment - origin).total_seconds()))


def _travel_backwards(end_s: int, duration_s: int, breaks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Intervals of ``duration_s`` seconds of driving that end at ``end_s``, skipping breaks."""
    out: list[tuple[int, int]] = []
    t, rest = end_s, duration_s
    for b_start, b_end in sorted(breaks, reverse=True):
        if rest <= 0:
            break
        if b_start >= t:
            continue
        if b_end < t:
            take = min(rest, t - b_end)
            out.append((t - take, t))
            rest -= take
            t -= take
            if rest <= 0:
                break
        t = min(t, b_start)
    if rest > 0:
        out.append((t - rest, t))
    return sorted(out)


def route_segments(route: Route, origin: datetime) -> list[Segment]:
    """Gantt segments of ``route`` (see the module invariants); empty for an idle technician."""
    breaks = [(_s(b.start, origin), _s(b.end, origin)) for b in route.breaks]
    busy: list[Segment] = [Segment("break", a, b) for a, b in breaks]
    if route.start is None or route.end is None or not route.stops:
        return sorted(busy, key=lambda s: s.start_s)
    for stop in route.stops:
        for a, b in _travel_backwards(_s(stop.arrival, origin), stop.travel_time_s, breaks):
            busy.append(Segment("travel", a, b, stop.job_id))
        busy.append(Segment("service", _s(stop.start, origin), _s(stop.end, origin), stop.job_id, stop.sla_met is False))
    for a, b in _travel_backwards(_s(route.end, origin), route.return_travel_time_s, breaks):
        busy.append(Segment("travel", a, b, None))
    busy = [s for s in busy if s.end_s > s.start_s]
    busy.sort(key=lambda s: (s.start_s, s.end_s))
    out: list[Segment] = []
    cursor = _s(route.start, origin)
    end = _s(route.end, origin)
    for seg in busy:
        if seg.start_s > cursor and cursor < end:
            out.append(Segment("idle", cursor, min(seg.start_s, end)))
        out.append(seg)
        cursor = max(cursor, seg.end_s)
    if cursor < end:
        out.append(Segment("idle", cursor, end))
    return out


def totals_s(segments: list[Segment]) -> dict[str, int]:
    """Seconds per kind (all four kinds present)."""
    out = {k: 0 for k in KINDS}
    for seg in segments:
        out[seg.kind] += seg.end_s - seg.start_s
    return out
