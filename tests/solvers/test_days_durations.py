"""Multi-day horizon (technicians[].shifts) and durations by technician (durations_by_technician,
service_factor), hand-computed on explicit matrices, on every engine.

Times are hours after midnight of the test day (+02:00); day 2 is ``24 + h``. Every answer goes
through the independent validator as well.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from optimizer.models import Problem
from optimizer.solve import solve
from optimizer.validate import validate
from tests.engines import ENGINES
from tests.explicit import brk, instant, job, loc, problem, tech, uniform, window


def shift(start: float, end: float, **extra) -> dict:
    from tests.factories import at

    return {"start": at(start), "end": at(end), **extra}


def multi(tid: str, shifts: list[dict], **extra) -> dict:
    data = tech(tid, **extra)
    del data["shift"]
    data["shifts"] = shifts
    return data


def stops_of(solution, tid: str, shift_index=None) -> list[str]:
    return [s.job_id for r in solution.routes if r.technician_id == tid and r.shift_index == shift_index for s in r.stops]


def checked(p: Problem):
    s = solve(p)
    assert validate(p, s) == [], validate(p, s)
    return s


# -- durations by technician ---------------------------------------------------------------------

@pytest.mark.parametrize("engine", ENGINES)
def test_job_too_long_for_the_junior_goes_to_the_senior(engine):
    # Travel 600 s each way. The job's window closes at 08:30 (start), the shifts end at 10:00.
    # Junior (factor 2): 08:10 + 120 min = 10:10 + 10 min home = 10:20 > 10:00: cannot.
    # Senior (explicit 60 min): 08:10 + 60 min = 09:10, home 09:20: fits.
    p = problem(uniform(2, 600), [tech("junior", end=10, service_factor=2.0), tech("senior", end=10)],
                [job("J", 1, duration_min=90, time_windows=[window(8, 8.5)], durations_by_technician={"senior": 60})],
                engine=engine)
    s = checked(p)
    assert stops_of(s, "senior") == ["J"]
    stop = s.routes[1].stops[0]
    assert (stop.start, stop.end) == (instant(8 + 10 / 60), instant(9 + 10 / 60))


@pytest.mark.parametrize("engine", ENGINES)
def test_only_the_junior_cannot_fit_it_and_the_reason_says_so(engine):
    p = problem(uniform(2, 600), [tech("junior", end=10, service_factor=2.0)],
                [job("J", 1, duration_min=90, time_windows=[window(8, 8.5)])], engine=engine)
    s = checked(p)
    assert [u.job_id for u in s.unassigned] == ["J"]
    assert s.unassigned[0].code in ("shift", "time_window")


@pytest.mark.parametrize("engine", ENGINES)
def test_service_factor_sets_the_stop_length(engine):
    p = problem(uniform(2, 600), [tech("T", service_factor=1.5)], [job("J", 1, duration_min=40)], engine=engine)
    s = checked(p)
    stop = s.routes[0].stops[0]
    assert (stop.end - stop.start).total_seconds() == 60 * 60
    assert s.kpis.service_time_s == 3600
    assert s.routes[0].work_time_s == 3600 + 1200


def test_validator_catches_the_plain_duration_on_a_technician_specific_job():
    p = problem(uniform(2, 600), [tech("T")], [job("J", 1, duration_min=30, durations_by_technician={"T": 50})], engine="native")
    s = checked(p)
    bad = s.model_copy(deep=True)
    stop = bad.routes[0].stops[0]
    stop.end = stop.start.__class__.fromtimestamp(stop.start.timestamp() + 30 * 60, stop.start.tzinfo)
    rules = {v.rule for v in validate(p, bad)}
    assert "timing" in rules


def test_unknown_technician_in_durations_is_refused_by_name():
    with pytest.raises(ValidationError) as exc:
        problem(uniform(2, 600), [tech("T")], [job("J", 1, durations_by_technician={"X": 50})])
    assert "jobs.0.durations_by_technician.X" in str(exc.value).replace("\n", " ").replace(" ", ".") or "X" in str(exc.value)
    assert exc.value.errors()[0]["loc"] == ("jobs", 0, "durations_by_technician", "X")


# -- multi-day horizon -----------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ENGINES)
def test_day_two_job_goes_to_the_day_two_shift(engine):
    t = multi("T", [shift(8, 16), shift(24 + 8, 24 + 16)])
    p = problem(uniform(3, 600), [t], [job("D1", 1, time_windows=[window(9, 10)]), job("D2", 2, time_windows=[window(24 + 9, 24 + 10)])],
                engine=engine)
    s = checked(p)
    assert [(r.technician_id, r.shift_index, str(r.day)) for r in s.routes] == [("T", 0, "2026-11-24"), ("T", 1, "2026-11-25")]
    assert stops_of(s, "T", 0) == ["D1"]
    assert stops_of(s, "T", 1) == ["D2"]
    assert s.routes[1].stops[0].start == instant(24 + 9)
    assert set(s.kpis.by_day) == {"2026-11-24", "2026-11-25"}
    assert s.kpis.by_day["2026-11-25"].jobs_assigned == 1
    assert s.kpis.by_day["2026-11-25"].shift_time_s == 8 * 3600


@pytest.mark.parametrize("engine", ENGINES)
def test_break_per_shift(engine):
    # Day 1: break 12:00 sharp, 30 min; day 2: break 13:00 sharp, 60 min. Jobs at 11:30 (60 min)
    # would overlap 12:00 on day 1: the service starts at 12:30 after the break instead.
    t = multi("T", [shift(8, 16, breaks=[brk(12, 12, 30)]), shift(24 + 8, 24 + 16, breaks=[brk(24 + 13, 24 + 13, 60)])])
    p = problem(uniform(3, 600), [t], [job("A", 1, duration_min=60, time_windows=[window(11.5, 13)]),
                                        job("B", 2, duration_min=60, time_windows=[window(24 + 12.5, 24 + 14)])], engine=engine)
    s = checked(p)
    r0, r1 = s.routes
    assert [(b.start, b.end) for b in r0.breaks] == [(instant(12), instant(12.5))]
    assert [(b.start, b.end) for b in r1.breaks] == [(instant(24 + 13), instant(24 + 14))]
    assert r0.stops[0].start == instant(12.5)
    # B: 12:30 + 60 min would overlap the 13:00 break, so after it at 14:00.
    assert r1.stops[0].start == instant(24 + 14)


@pytest.mark.parametrize("engine", ENGINES)
def test_max_jobs_and_van_stock_are_per_shift(engine):
    t = multi("T", [shift(8, 16), shift(24 + 8, 24 + 16)], max_jobs=1, parts={"f": 1})
    jobs = [job("A", 1, parts={"f": 1}), job("B", 2, parts={"f": 1})]
    s = checked(problem(uniform(3, 600), [t], jobs, engine=engine))
    assert len(stops_of(s, "T", 0)) == 1 and len(stops_of(s, "T", 1)) == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_shift_locations_and_pinned_apply_to_every_shift(engine):
    # Day 2 starts at point 2 (a hotel) and ends at point 0; the pinned job must go to T.
    t = multi("T", [shift(8, 16), shift(24 + 8, 24 + 16, start_location=loc(2))])
    p = problem(uniform(3, 600), [t, tech("U")], [job("P", 1, pinned_technician="T", time_windows=[window(24 + 9, 24 + 10)])],
                engine=engine)
    s = checked(p)
    assert stops_of(s, "T", 1) == ["P"]
    r1 = next(r for r in s.routes if r.shift_index == 1)
    assert r1.stops[0].travel_time_s == 600 and r1.return_travel_time_s == 600


@pytest.mark.parametrize("engine", ENGINES)
def test_no_shift_overlaps_the_window_says_why(engine):
    t = multi("T", [shift(8, 16), shift(24 + 8, 24 + 16)])
    s = checked(problem(uniform(2, 600), [t], [job("N", 1, time_windows=[window(18, 22)])], engine=engine))
    assert [(u.job_id, u.code) for u in s.unassigned] == [("N", "time_window")]
    assert "shift" in s.unassigned[0].reason


def test_shift_and_shifts_together_are_refused_naming_the_field():
    t = multi("T", [shift(8, 16)])
    t["shift"] = shift(8, 16)
    with pytest.raises(ValidationError) as exc:
        problem(uniform(2, 600), [t], [])
    err = exc.value.errors()[0]
    assert err["loc"][:2] == ("technicians", 0) and "shift or shifts" in err["msg"]


def test_overlapping_shifts_and_breaks_outside_a_shift_are_refused():
    with pytest.raises(ValidationError, match="must not overlap"):
        problem(uniform(2, 600), [multi("T", [shift(8, 16), shift(15, 20)])], [])
    with pytest.raises(ValidationError) as exc:
        problem(uniform(2, 600), [multi("T", [shift(8, 16), shift(32, 40, breaks=[brk(12, 12, 30)])])], [])
    assert exc.value.errors()[0]["loc"] == ("technicians", 0, "shifts", 1, "breaks", 0)


def test_current_location_applies_to_the_first_shift_not_ended():
    # now = day 2, 07:00: day 1 has ended, so day 2 starts from the current location (point 2).
    t = multi("T", [shift(8, 16), shift(24 + 8, 24 + 16)], current_location=loc(2))
    p = problem([[0, 600, 300], [600, 0, 900], [300, 900, 0]], [t], [job("J", 1, time_windows=[window(24 + 9, 24 + 10)])],
                engine="native", now=24 + 7)
    s = checked(p)
    r1 = next(r for r in s.routes if r.shift_index == 1)
    assert r1.stops[0].travel_time_s == 900  # from point 2, not from home (600)


# -- the validator on multi-shift plans --------------------------------------------------------------

def _two_day_plan():
    t = multi("T", [shift(8, 16, breaks=[brk(12, 13, 30)]), shift(24 + 8, 24 + 16)], max_jobs=2)
    p = problem(uniform(3, 600), [t], [job("D1", 1, time_windows=[window(9, 10)]), job("D2", 2, time_windows=[window(24 + 9, 24 + 10)])],
                engine="native")
    return p, checked(p)


def test_validator_rejects_a_route_without_its_shift_index():
    p, s = _two_day_plan()
    bad = s.model_copy(deep=True)
    bad.routes[1].shift_index = None
    assert "shift_index" in {v.rule for v in validate(p, bad)}
    bad.routes[1].shift_index = 5
    assert "shift_index" in {v.rule for v in validate(p, bad)}


def test_validator_rejects_two_routes_for_one_shift():
    p, s = _two_day_plan()
    bad = s.model_copy(deep=True)
    bad.routes[1].shift_index = 0
    assert "duplicate_route" in {v.rule for v in validate(p, bad)}


def test_validator_checks_each_route_against_its_own_shift():
    # Swapping the days' labels: day-2 stops checked against the day-1 shift end (and vice versa).
    p, s = _two_day_plan()
    bad = s.model_copy(deep=True)
    bad.routes[0].shift_index, bad.routes[1].shift_index = 1, 0
    rules = {v.rule for v in validate(p, bad)}
    assert {"shift_end", "shift_start"} <= rules
    # And the day-1 break is required on day 1 only.
    bad = s.model_copy(deep=True)
    bad.routes[0].breaks = []
    assert {v.rule for v in validate(p, bad)} == {"break_missing"}
