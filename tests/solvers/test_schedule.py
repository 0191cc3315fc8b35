"""The scheduler: earliest feasible timing of a fixed route, breaks included."""

import numpy as np

from optimizer.solvers.compiled import CBreak, CJob, CTech
from optimizer.solvers.schedule import Infeasible, schedule_route

# Points: 0 = home, 1 = A, 2 = B. Travel 600 s between any two distinct points.
D = np.full((3, 3), 600, dtype=np.int64)
np.fill_diagonal(D, 0)


def _tech(breaks=(), ready=0, end=10 * 3600):
    return CTech("t", 0, 0, 0, 0, ready, end, {}, {}, None, list(breaks))


def _job(jid, point, duration=1800, windows=((0, 10 * 3600),), deadline=None):
    return CJob(jid, 0, point, duration, list(windows), deadline, "normal", {}, {}, None, frozenset(), frozenset())


def test_times_follow_travel_and_windows():
    a = _job("a", 1, windows=[(3600, 7200)])
    b = _job("b", 2)
    sched = schedule_route(_tech(), [a, b], D)
    assert not isinstance(sched, Infeasible)
    assert [s.start_s for s in sched.stops] == [3600, 3600 + 1800 + 600]
    assert sched.departure_s == 3600 - 600  # leaves as late as possible
    assert sched.stops[0].arrival_s == 3600
    assert sched.end_s == 3600 + 1800 + 600 + 1800 + 600
    assert sched.travel_s == 1800


def test_break_taken_where_it_fits_and_never_during_service():
    brk = CBreak(earliest_s=2000, latest_s=2500, duration_s=1800)
    a = _job("a", 1)
    b = _job("b", 2)
    sched = schedule_route(_tech([brk]), [a, b], D)
    assert not isinstance(sched, Infeasible)
    (bs, be), = sched.breaks
    assert 2000 <= bs <= 2500 and be - bs == 1800
    for s in sched.stops:
        assert be <= s.start_s or bs >= s.end_s


def test_second_window_used_when_first_is_missed():
    a = _job("a", 1, windows=[(0, 300), (5000, 6000)])
    sched = schedule_route(_tech(), [a], D)
    assert sched.stops[0].start_s == 5000


def test_infeasible_when_back_after_shift_end():
    a = _job("a", 1, duration=3 * 3600)
    result = schedule_route(_tech(end=3 * 3600), [a], D)
    assert isinstance(result, Infeasible) and result.code == "shift"


def test_infeasible_when_window_closed():
    a = _job("a", 1, windows=[(0, 100)])
    result = schedule_route(_tech(ready=1000), [a], D)
    assert isinstance(result, Infeasible) and result.code == "time_window"


def test_break_after_return_is_allowed():
    brk = CBreak(earliest_s=9000, latest_s=9500, duration_s=1800)
    a = _job("a", 1)
    sched = schedule_route(_tech([brk]), [a], D)
    assert not isinstance(sched, Infeasible)
    assert sched.breaks[0][0] >= sched.end_s


def test_lateness_measured_at_service_end():
    a = _job("a", 1, duration=1800, deadline=2000)
    sched = schedule_route(_tech(), [a], D)
    assert sched.stops[0].end_s == 2400 and sched.stops[0].lateness_s == 400
