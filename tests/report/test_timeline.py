"""Gantt segments of a route: hand-made routes with breaks, waiting and an en-route break."""

from __future__ import annotations

from datetime import datetime

from optimizer.models import Route
from optimizer.report.timeline import route_segments, totals_s
from tests import factories as f

ORIGIN = datetime.fromisoformat(f.at(8))


def hours(h: float) -> int:
    return round((h - 8) * 3600)


def make_route(**data) -> Route:
    return Route.model_validate({"technician_id": "A", **data})


def check_cover(route: Route, segments) -> None:
    """Segments inside the route span do not overlap and cover it exactly."""
    inside = sorted((s for s in segments if not (s.kind == "break" and (s.end_s <= hours(8) or s.start_s >= hours(20)))), key=lambda s: s.start_s)
    span = (round((route.start - ORIGIN).total_seconds()), round((route.end - ORIGIN).total_seconds()))
    covered = [s for s in inside if s.start_s >= span[0] and s.end_s <= span[1]]
    assert covered[0].start_s == span[0] and covered[-1].end_s == span[1]
    for a, b in zip(covered, covered[1:]):
        assert a.end_s == b.start_s, (a, b)


def test_travel_service_idle_and_a_break_between_stops():
    route = make_route(
        start=f.at(8), end=f.at(13), travel_time_s=3 * 900, return_travel_time_s=900,
        breaks=[{"start": f.at(10.5), "end": f.at(11)}],
        stops=[
            {"job_id": "a", "arrival": f.at(8.25), "start": f.at(9), "end": f.at(10), "travel_time_s": 900, "distance_m": 1},
            {"job_id": "b", "arrival": f.at(11.25), "start": f.at(11.25), "end": f.at(12.5), "travel_time_s": 900, "distance_m": 1, "sla_met": False},
        ],
    )
    segs = route_segments(route, ORIGIN)
    kinds = [(s.kind, s.start_s, s.end_s) for s in segs]
    assert kinds == [
        ("travel", hours(8), hours(8.25)),
        ("idle", hours(8.25), hours(9)),       # waiting at the site
        ("service", hours(9), hours(10)),
        ("idle", hours(10), hours(10.5)),
        ("break", hours(10.5), hours(11)),
        ("travel", hours(11), hours(11.25)),
        ("service", hours(11.25), hours(12.5)),
        ("idle", hours(12.5), hours(12.75)),
        ("travel", hours(12.75), hours(13)),  # the return drive ends at route.end
    ]
    assert [s.late for s in segs if s.kind == "service"] == [False, True]
    check_cover(route, segs)
    t = totals_s(segs)
    assert t == {"travel": 2700, "service": 8100, "break": 1800, "idle": 5 * 3600 - 2700 - 8100 - 1800}  # the 5 h span exactly


def test_break_en_route_pauses_the_drive():
    # 40 min of driving arriving at 11:10, with a break 10:45-11:00 taken on the way: 10:15-10:45 and 11:00-11:10.
    route = make_route(
        start=f.at(10), end=f.at(12), return_travel_time_s=0,
        breaks=[{"start": f.at(10.75), "end": f.at(11)}],
        stops=[{"job_id": "a", "arrival": f.at(11 + 10 / 60), "start": f.at(11 + 10 / 60), "end": f.at(12), "travel_time_s": 2400, "distance_m": 1}],
    )
    segs = route_segments(route, ORIGIN)
    travel = [(s.start_s, s.end_s) for s in segs if s.kind == "travel"]
    assert travel == [(hours(10.25), hours(10.75)), (hours(11), hours(11 + 10 / 60))]
    assert sum(b - a for a, b in travel) == 2400
    check_cover(route, segs)


def test_idle_technician_and_break_off_the_road():
    assert route_segments(make_route(), ORIGIN) == []
    route = make_route(start=f.at(9), end=f.at(10), breaks=[{"start": f.at(12), "end": f.at(12.5)}],
                       stops=[{"job_id": "a", "arrival": f.at(9.5), "start": f.at(9.5), "end": f.at(10), "travel_time_s": 1800, "distance_m": 1}])
    segs = route_segments(route, ORIGIN)
    assert [s.kind for s in segs] == ["travel", "service", "break"]
