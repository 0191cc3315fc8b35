"""The pre-check's quick test (:func:`fits_alone_quickly`) only ever says "feasible" when the
scheduler agrees, and a pair it cannot decide still goes to the scheduler."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.solvers.compiled import CBreak, CJob, CTech
from optimizer.solvers.precheck import fits_alone_quickly
from optimizer.solvers.schedule import Infeasible, schedule_route

H = 3600


def _tech(ready_s: int, end_s: int, breaks: list[CBreak]) -> CTech:
    return CTech("t", 0, 0, 0, ready_s, ready_s, end_s, {}, {}, None, breaks)


def _job(duration_s: int, windows: list[tuple[int, int]]) -> CJob:
    return CJob("j", 0, 1, duration_s, windows, None, "normal", {}, {}, None, frozenset(), frozenset())


@st.composite
def pairs(draw):
    ready = draw(st.integers(6 * H, 10 * H))
    end = ready + draw(st.integers(1 * H, 10 * H))
    breaks, lo = [], ready
    for _ in range(draw(st.integers(0, 3))):
        lo = draw(st.integers(lo, lo + 4 * H))
        breaks.append(CBreak(lo, lo + draw(st.integers(0, 2 * H)), draw(st.integers(5, 60)) * 60))
    windows, w = [], ready - H
    for _ in range(draw(st.integers(1, 3))):
        a = draw(st.integers(w, w + 4 * H))
        b = a + draw(st.integers(0, 3 * H))
        windows.append((a, b))
        w = b + 1
    travel = draw(st.integers(0, 2 * H))
    back = draw(st.integers(0, 2 * H))
    durations = np.array([[0, travel], [back, 0]], dtype=np.int64)
    return _tech(ready, end, breaks), _job(draw(st.integers(1, 3 * H)), windows), durations


@settings(max_examples=400, deadline=None)
@given(pairs())
def test_quick_yes_implies_the_scheduler_says_yes(pair):
    tech, job, durations = pair
    if fits_alone_quickly(tech, job, durations):
        assert not isinstance(schedule_route(tech, [job], durations), Infeasible)


def test_a_break_that_must_be_taken_before_the_return_is_left_to_the_scheduler():
    """Shift 08:00-16:00, 30 min away, job 08:30-10:30, back 11:00; a break that must start by
    10:00 cannot follow the return, but fits on the way (08:00) or after the job: the quick test
    says no, the scheduler yes."""
    tech = _tech(8 * H, 16 * H, [CBreak(8 * H, 10 * H, 30 * 60)])
    job = _job(2 * H, [(8 * H, 12 * H)])
    durations = np.array([[0, 1800], [1800, 0]], dtype=np.int64)
    assert not fits_alone_quickly(tech, job, durations)
    assert not isinstance(schedule_route(tech, [job], durations), Infeasible)


def test_the_quick_schedule_by_hand():
    """Ready 08:00, 1 h away, window opens 10:00: serve 10:00-11:00, home 12:00; lunch may start
    12:00-13:00 (30 min): yes. With a 17 s shorter shift (home after 12:00 - 17 s): no."""
    job = _job(H, [(10 * H, 11 * H)])
    durations = np.array([[0, H], [H, 0]], dtype=np.int64)
    lunch = [CBreak(12 * H, 13 * H, 1800)]
    assert fits_alone_quickly(_tech(8 * H, 12 * H, lunch), job, durations)
    assert not fits_alone_quickly(_tech(8 * H, 12 * H - 17, lunch), job, durations)
    assert not fits_alone_quickly(_tech(8 * H, 16 * H, [CBreak(11 * H, 11 * H + 1800, 1800)]), job, durations)
