"""The oracle's own timing and cost, checked against numbers computed by hand (no solver runs).

If the oracle were wrong the same way as the engine, the comparisons in
``tests/solvers/test_oracle_optimum.py`` would prove nothing; these pin it to the documented
semantics on cases small enough to do on paper.
"""

from __future__ import annotations

import pytest

from tests import explicit as x
from tests.oracle import Oracle

H = 3600


def _oracle(durations, techs, jobs, **kw):
    return Oracle.of(x.problem(durations, techs, jobs, **kw))


def test_break_en_route_pauses_the_drive():
    o = _oracle(x.uniform(2, 3600), [x.tech("a", 0, 8, 12, breaks=[x.brk(8.5, 8.5, 30)])], [x.job("j", 1, 30)])
    t = o.time_route(o.techs[0], o.jobs)
    assert t.breaks == [(1800, 3600)]
    assert t.stops == [(5400, 5400, 7200)]  # arrival 09:30 (origin 08:00), service 09:30-10:00
    assert t.back == 7200 + 3600


def test_break_while_waiting_and_after_return():
    o = _oracle(x.uniform(2, 600), [x.tech("a", 0, 8, 16, breaks=[x.brk(8.5, 8.5, 15), x.brk(14, 15, 30)])],
                [x.job("j", 1, 30, time_windows=[x.window(9, 9.5)])])
    t = o.time_route(o.techs[0], o.jobs)
    assert t.stops == [(600, H, H + 1800)]
    assert t.breaks == [(1800, 2700), (6 * H, 6 * H + 1800)]  # while waiting; after the return
    assert t.back == H + 1800 + 600


def test_infeasible_when_break_cannot_start_in_time():
    # The break must start at 08:30; the job fills 08:10-09:10 and its window allows nothing else.
    o = _oracle(x.uniform(2, 600), [x.tech("a", 0, 8, 16, breaks=[x.brk(8.5, 8.5, 30)])],
                [x.job("j", 1, 60, time_windows=[x.window(8 + 10 / 60, 8 + 10 / 60)])])
    assert o.time_route(o.techs[0], o.jobs) is None


def test_second_window_and_shift_end():
    # Arrival 08:10 misses the first window (08:00-08:06): service 10:00-10:30, home 10:40.
    jobs = [x.job("j", 1, 30, time_windows=[x.window(8, 8.1), x.window(10, 10.5)])]
    o = _oracle(x.uniform(2, 600), [x.tech("a", 0, 8, 11)], jobs)
    t = o.time_route(o.techs[0], o.jobs)
    assert t.stops == [(600, 2 * H, 2 * H + 1800)] and t.back == 2 * H + 2400
    late = _oracle(x.uniform(2, 600), [x.tech("a", 0, 8, 10.5)], jobs)
    assert late.time_route(late.techs[0], late.jobs) is None  # home 10:40 > 10:30


def test_ready_time_and_lateness_priced_by_priority():
    o = _oracle(x.uniform(2, 600), [x.tech("a", 0, 8, 16, available_from=x.at(9))],
                [x.job("j", 1, 30, priority="high", sla_deadline=x.at(9.5))])
    t = o.time_route(o.techs[0], o.jobs)
    assert t.stops == [(H + 600, H + 600, H + 2400)]
    assert t.sla_cost == pytest.approx(300 / 60 * 600)  # 10 min late at 300 per minute


def test_plan_cost_terms():
    # Two technicians at 0; job p (preferred b) at 1 served by a; fair share: (1800 + 0) / 2.
    o = _oracle(x.uniform(2, 600), [x.tech("a", 0), x.tech("b", 0)],
                [x.job("p", 1, 30, preferred_technicians=["b"])], weights={"technician_fixed_cost": 50})
    work = 1200 + 1800
    expected = 1200 + 600 + 50 + 0.1 * (work - 900)
    assert o.plan_cost({"a": ["p"]}) == pytest.approx(expected)
    assert o.plan_cost({"b": ["p"]}) == pytest.approx(1200 + 50 + 0.1 * (work - 900))
    base = 2 * (2 * 600 + 10 * 8 * H * 1 + 0.1 * (1800 + 1200) + 600 + 50) + 1
    assert o.drop_base() == pytest.approx(base)
    assert o.plan_cost({}) == pytest.approx(2 * base)  # normal priority: 2 x the base
