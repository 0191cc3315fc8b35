"""Behaviour tests: each fails when one rule of the objective or of the timing model is silently
broken, not only when a plan is invalid.

Every problem runs on a hand-given travel matrix (:mod:`tests.explicit`), so each expected time
below is computed by hand from the numbers in the test. Every answer is also checked by the
validator and, where the objective matters, against the independent oracle's cost of the same
plan (:mod:`tests.oracle`).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.solve import solve
from optimizer.validate import assert_valid
from tests import explicit as x
from tests.engines import ENGINES
from tests.oracle import Oracle

pytestmark = pytest.mark.parametrize("engine", ENGINES)


def _solve(p, objective: bool = True):
    solution = solve(p)
    assert_valid(p, solution)
    placed = [s.job_id for r in solution.routes for s in r.stops] + [u.job_id for u in solution.unassigned]
    assert sorted(placed) == sorted(j.id for j in p.jobs)
    if objective:
        assert solution.solver.objective == pytest.approx(Oracle.of(p).solution_cost(solution), abs=0.011)
    return solution


def _stops(solution, tech_id):
    return {s.job_id: s for s in solution.route_of(tech_id).stops}


def _slots(route):
    return sorted((b.start, b.end) for b in route.breaks)


T = x.instant


# --------------------------------------------------------------------------- SLA by priority
def test_urgent_deadline_is_saved_before_a_low_one(engine):
    """Only one of two deadlines can be met. Serving the low job first would be on time for it
    and cost 20 min of urgent lateness (12000); the urgent job first costs 40 min of low
    lateness (2400). Travel is the same either way. With one SLA rate for every priority the
    low job would go first (20 late minutes < 40)."""
    p = x.problem(
        x.uniform(3, 600),
        [x.tech("a", 0)],
        [x.job("low", 1, 30, priority="low", sla_deadline=x.at(8 + 40 / 60)),
         x.job("urgent", 2, 30, priority="urgent", sla_deadline=x.at(9))],
        engine=engine,
    )
    solution = _solve(p)
    route = solution.route_of("a")
    assert [s.job_id for s in route.stops] == ["urgent", "low"]
    stops = _stops(solution, "a")
    assert stops["urgent"].end == T(8 + 40 / 60) and stops["urgent"].sla_met is True
    assert stops["low"].end == T(9 + 20 / 60) and stops["low"].lateness_s == 40 * 60


def test_with_equal_sla_rates_the_smaller_lateness_wins(engine):
    """The same problem with every priority at 120/min: now 20 late minutes beat 40."""
    same = {p: 120.0 for p in ("urgent", "high", "normal", "low")}
    p = x.problem(
        x.uniform(3, 600),
        [x.tech("a", 0)],
        [x.job("low", 1, 30, priority="low", sla_deadline=x.at(8 + 40 / 60)),
         x.job("urgent", 2, 30, priority="urgent", sla_deadline=x.at(9))],
        engine=engine, weights={"sla_lateness_per_min": same},
    )
    assert [s.job_id for s in _solve(p).route_of("a").stops] == ["low", "urgent"]


# --------------------------------------------------------------------------- workload balance
def _balance_problem(engine, **weights):
    # Two technicians at point 0, four one-hour jobs at point 1, 2 minutes away. One technician
    # doing everything drives 240 s; splitting drives 480 s. Fair share: 2 h each. Balance at
    # 0.1/s: one technician costs 240 + 0.1 x 7440 = 984, a 2/2 split 480 + 0.1 x 480 = 528.
    return x.problem(
        [[0, 120], [120, 0]],
        [x.tech("a", 0), x.tech("b", 0)],
        [x.job(f"j{i}", 1, 60) for i in range(4)],
        engine=engine, weights=weights or None,
    )


def test_workload_balance_splits_the_day(engine):
    solution = _solve(_balance_problem(engine))
    assert sorted(len(r.stops) for r in solution.routes) == [2, 2]
    assert solution.solver.objective == pytest.approx(528.0)


def test_without_balance_weight_one_technician_drives_less(engine):
    solution = _solve(_balance_problem(engine, workload_balance_per_s=0.0))
    assert sorted(len(r.stops) for r in solution.routes) == [0, 4]
    assert solution.solver.objective == pytest.approx(240.0)


# --------------------------------------------------------------------------- fixed cost per technician
@pytest.mark.parametrize("fixed, used, objective", [(500.0, 2, 1000.0), (2000.0, 1, 3200.0)])
def test_fixed_cost_decides_how_many_technicians_work(engine, fixed, used, objective):
    """a lives at 0 and b at 1 (600 s apart); j0 is at 0 and j1 at 1. Both working costs
    2 x fixed and no driving; one technician doing both costs fixed + 600 s there + 600 s back.
    Fixed 500: 1000 < 1700, both work. Fixed 2000: 3200 < 4000, one does both."""
    p = x.problem(
        [[0, 600], [600, 0]],
        [x.tech("a", 0), x.tech("b", 1)],
        [x.job("j0", 0), x.job("j1", 1)],
        engine=engine, weights={"technician_fixed_cost": fixed, "workload_balance_per_s": 0.0},
    )
    solution = _solve(p)
    assert sum(1 for r in solution.routes if r.stops) == used
    assert solution.solver.objective == pytest.approx(objective)


# --------------------------------------------------------------------------- preferred technicians
@pytest.mark.parametrize("weight, b_to_job, winner", [(600.0, 500, "b"), (0.0, 500, "a"), (600.0, 700, "a")])
def test_preferred_technician_is_worth_its_weight(engine, weight, b_to_job, winner):
    """b is preferred but further from the job than a (300 s). 2 x 200 s further (plus 40 of
    balance): the default 600 keeps the job with b; a weight of 0 gives it to a. 2 x 400 s
    further: the preference is not worth 800 s of driving, a takes it."""
    p = x.problem(
        [[0, 800, 300], [800, 0, b_to_job], [300, b_to_job, 0]],
        [x.tech("a", 0), x.tech("b", 1)],
        [x.job("x", 2, 30, preferred_technicians=["b"])],
        engine=engine, weights={"non_preferred_technician": weight},
    )
    assert _solve(p).assignment() == {"x": winner}


# --------------------------------------------------------------------------- distance
@pytest.mark.parametrize("per_km, winner", [(0.0, "a"), (100.0, "b")])
def test_distance_weight_prefers_the_shorter_road(engine, per_km, winner):
    """a is 10 min but 10 km from the job, b 15 min but 1 km. By time alone a wins (1200 s vs
    1800 s of driving); at 100 per km, b's 2 km cost 200 and a's 20 km cost 2000, so b wins."""
    p = x.problem(
        [[0, 900, 600], [900, 0, 900], [600, 900, 0]],
        [x.tech("a", 0), x.tech("b", 1)],
        [x.job("j", 2, 30)],
        distances=[[0, 5000, 10000], [5000, 0, 1000], [10000, 1000, 0]],
        engine=engine, weights={"distance_per_km": per_km},
    )
    solution = _solve(p)
    assert solution.assignment() == {"j": winner}
    assert solution.kpis.distance_m == (20000 if winner == "a" else 2000)


def test_distance_decides_the_order_of_a_route(engine):
    """Every leg takes 10 min; the loop 0 -> 1 -> 2 -> 0 is 1 km a leg, the reverse loop 10 km
    a leg (one-way streets): at 100 per km the order is 1 then 2, 300 of distance cost."""
    one_way = [[0, 1000, 10000], [10000, 0, 1000], [1000, 10000, 0]]
    p = x.problem(x.uniform(3, 600), [x.tech("a", 0)], [x.job("j2", 2, 30), x.job("j1", 1, 30)],
                  distances=one_way, engine=engine, weights={"distance_per_km": 100.0})
    solution = _solve(p)
    assert [s.job_id for s in solution.route_of("a").stops] == ["j1", "j2"]
    assert solution.route_of("a").distance_m == 3000


# --------------------------------------------------------------------------- breaks
def test_break_at_a_stop_between_two_services(engine):
    """Two jobs at the same site, 09:00-10:00 and from 10:30; the break must start at 10:00."""
    p = x.problem(
        x.uniform(2, 600),
        [x.tech("a", 0, breaks=[x.brk(10, 10, 30)])],
        [x.job("first", 1, 60, time_windows=[x.window(9, 9)]),
         x.job("second", 1, 30, time_windows=[x.window(10.5, 10.5)])],
        engine=engine,
    )
    route = _solve(p).route_of("a")
    assert [s.job_id for s in route.stops] == ["first", "second"]
    assert _slots(route) == [(T(10), T(10.5))]
    assert route.stops[1].start == T(10.5)


def test_break_while_waiting_at_the_next_site(engine):
    """first ends at 09:00; second is 10 min away and must start at 10:00; the break must
    start at 09:30. Taken at first's site it would make second late: it is taken after
    arriving at second, while waiting."""
    p = x.problem(
        x.uniform(3, 600),
        [x.tech("a", 0, breaks=[x.brk(9.5, 9.5, 30)])],
        [x.job("first", 1, 30, time_windows=[x.window(8.5, 8.5)]),
         x.job("second", 2, 30, time_windows=[x.window(10, 10)])],
        engine=engine,
    )
    route = _solve(p).route_of("a")
    assert [s.job_id for s in route.stops] == ["first", "second"]
    second = route.stops[1]
    assert _slots(route) == [(T(9.5), T(10))]
    assert second.arrival <= T(9.5) and second.start == T(10)
    assert second.waiting_time_s <= 30 * 60


def test_break_en_route_pauses_the_drive(engine):
    """An hour's drive; the break must start at 08:30 and the job at 09:30: only leaving at
    08:00 and pausing the drive for the break works (no waiting anywhere can)."""
    p = x.problem(
        x.uniform(2, 3600),
        [x.tech("a", 0, 8, 12, breaks=[x.brk(8.5, 8.5, 30)])],
        [x.job("far", 1, 30, time_windows=[x.window(9.5, 9.5)])],
        engine=engine,
    )
    solution = _solve(p)
    assert solution.assignment() == {"far": "a"}
    route = solution.route_of("a")
    assert route.start == T(8)
    assert _slots(route) == [(T(8.5), T(9))]
    assert route.stops[0].arrival == T(9.5) and route.stops[0].travel_time_s == 3600


def test_break_en_route_then_serve_on_arrival(engine):
    """The same drive with a job that has no window: the earliest service start is 09:30
    (08:00 + 60 min of driving + the 30 min break on the way), neither earlier (the break does
    not overlap the drive) nor later (it is not postponed to the site)."""
    p = x.problem(
        x.uniform(2, 3600),
        [x.tech("a", 0, 8, 12, breaks=[x.brk(8.5, 8.5, 30)])],
        [x.job("far", 1, 30, priority="urgent", sla_deadline=x.at(10))],
        engine=engine,
    )
    route = _solve(p).route_of("a")
    assert _slots(route) == [(T(8.5), T(9))]
    assert route.stops[0].start == T(9.5) and route.stops[0].sla_met is True


def test_break_after_the_return(engine):
    """A morning job and an afternoon break window: the break falls after the return home."""
    p = x.problem(
        x.uniform(2, 600),
        [x.tech("a", 0, 8, 16, breaks=[x.brk(14, 15, 30)])],
        [x.job("j", 1, 30, time_windows=[x.window(8, 9)])],
        engine=engine,
    )
    route = _solve(p).route_of("a")
    (slot,) = route.breaks
    assert route.end <= slot.start and T(14) <= slot.start <= T(15)
    assert slot.end - slot.start == timedelta(minutes=30)


def test_two_breaks_after_the_return_follow_each_other(engine):
    """A morning job (back home at 08:50) and two afternoon breaks that may both start at 14:00:
    the first 14:00-14:30, the second cannot start before the first ends: 14:30-14:45."""
    p = x.problem(
        x.uniform(2, 600),
        [x.tech("a", 0, 8, 16, breaks=[x.brk(14, 15, 30), x.brk(14, 16, 15)])],
        [x.job("j", 1, 30, time_windows=[x.window(8, 9)])],
        engine=engine,
    )
    route = _solve(p).route_of("a")
    assert _slots(route) == [(T(14), T(14.5)), (T(14.5), T(14.75))]


def test_two_breaks_one_en_route_one_at_a_stop(engine):
    """Coffee must start at 08:20 (15 min), lunch at 12:00 (30 min). a (30 min away) starts at
    09:15; b is 10 min from a and starts when a's service ends plus the drive (10:25); c is at
    b's site and starts at 12:30, so lunch falls between b and c."""
    d = [[0, 1800, 1200], [1800, 0, 600], [1200, 600, 0]]
    p = x.problem(
        d,
        [x.tech("t", 0, 8, 14, breaks=[x.brk(8 + 20 / 60, 8 + 20 / 60, 15), x.brk(12, 12, 30)])],
        [x.job("a", 1, 60, time_windows=[x.window(9.25, 9.25)]),
         x.job("b", 2, 90, time_windows=[x.window(10, 11)], sla_deadline=x.at(12)),
         x.job("c", 2, 30, time_windows=[x.window(12.5, 12.5)])],
        engine=engine,
    )
    route = _solve(p).route_of("t")
    assert [s.job_id for s in route.stops] == ["a", "b", "c"]
    assert [s.start for s in route.stops] == [T(9.25), T(10 + 25 / 60), T(12.5)]
    assert _slots(route) == [(T(8 + 20 / 60), T(8 + 35 / 60)), (T(12), T(12.5))]
    assert route.stops[1].sla_met is True


def test_two_breaks_in_one_wait(engine):
    """The job cannot start before 11:00; both breaks (09:30 and 10:00, 15 min each) are taken
    during that wait, and the day still ends in time."""
    p = x.problem(
        x.uniform(2, 600),
        [x.tech("t", 0, 8, 12, breaks=[x.brk(9.5, 9.5, 15), x.brk(10, 10, 15)])],
        [x.job("j", 1, 30, time_windows=[x.window(11, 11)])],
        engine=engine,
    )
    route = _solve(p).route_of("t")
    assert route.stops[0].start == T(11)
    assert _slots(route) == [(T(9.5), T(9.75)), (T(10), T(10.25))]


def test_breaks_push_a_deadline_and_the_cost_follows(engine):
    """The break must start at 08:30 and the only job (10 min away) takes 60 min, so it cannot
    run from 08:10: the technician arrives, waits, takes the break 08:30-09:00 and works
    09:00-10:00, 30 min after its 09:30 deadline: 30 min of high-priority lateness (9000) plus
    1200 s of driving."""
    p = x.problem(
        x.uniform(2, 600),
        [x.tech("t", 0, 8, 12, breaks=[x.brk(8.5, 8.5, 30)])],
        [x.job("j", 1, 60, priority="high", sla_deadline=x.at(9.5))],
        engine=engine, weights={"workload_balance_per_s": 0.0},
    )
    solution = _solve(p)
    stop = solution.route_of("t").stops[0]
    assert stop.start == T(9) and stop.end == T(10) and stop.lateness_s == 1800
    assert _slots(solution.route_of("t")) == [(T(8.5), T(9))]
    assert solution.solver.objective == pytest.approx(1200 + 9000)


# --------------------------------------------------------------------------- speed factor
@pytest.mark.parametrize("factor, travel", [(1.0, 600), (1.5, 900), (2.0, 1200)])
def test_speed_factor_scales_travel_times(engine, factor, travel):
    p = x.problem(x.uniform(2, 600), [x.tech("a", 0)], [x.job("j", 1, 30, sla_deadline=x.at(8.5))],
                  engine=engine, speed_factor=factor)
    solution = _solve(p)
    route = solution.route_of("a")
    stop = route.stops[0]
    assert stop.travel_time_s == travel and route.return_travel_time_s == travel
    assert route.travel_time_s == 2 * travel
    assert stop.arrival - route.start == timedelta(seconds=travel)
    assert stop.start == T(8) + timedelta(seconds=travel)  # due at 08:30: leaves at 08:00
    assert solution.kpis.travel_time_s == 2 * travel


# --------------------------------------------------------------------------- state: now, available_from, current_location
def test_now_holds_back_new_work(engine):
    p = x.problem(x.uniform(2, 600), [x.tech("a", 0)], [x.job("j", 1, 30, sla_deadline=x.at(10))],
                  engine=engine, now=10)
    route = _solve(p).route_of("a")
    assert route.start >= T(10)
    assert route.stops[0].start == T(10) + timedelta(seconds=600)
    assert route.stops[0].lateness_s == 40 * 60


def test_available_from_holds_back_one_technician(engine):
    """a is nearer but only free from 11:00; the job is due at 09:00, so b (further) takes it;
    a's other job starts no earlier than 11:00 plus the drive."""
    p = x.problem(
        [[0, 900, 300, 300], [900, 0, 900, 900], [300, 900, 0, 600], [300, 900, 600, 0]],
        [x.tech("a", 0, available_from=x.at(11)), x.tech("b", 1)],
        [x.job("due", 2, 30, priority="urgent", sla_deadline=x.at(9)),
         x.job("later", 3, 30, pinned_technician="a")],
        engine=engine,
    )
    solution = _solve(p)
    assert solution.assignment() == {"due": "b", "later": "a"}
    a = solution.route_of("a")
    assert a.start >= T(11) and a.stops[0].start == T(11) + timedelta(seconds=300)
    assert _stops(solution, "b")["due"].sla_met is True


def test_current_location_is_where_the_route_starts(engine):
    """a's depot is 20 min from the job but a is now 1 min from it; the route starts at the
    current location and ends at the depot."""
    d = [[0, 1200, 1500], [1200, 0, 60], [1500, 60, 0]]
    p = x.problem(d, [x.tech("a", 0, current_location=x.loc(2))], [x.job("j", 1, 30, sla_deadline=x.at(9.5))],
                  engine=engine, now=9)
    route = _solve(p).route_of("a")
    stop = route.stops[0]
    assert stop.travel_time_s == 60 and route.return_travel_time_s == 1200
    assert stop.start == T(9) + timedelta(seconds=60)
    assert route.travel_time_s == 1260


# --------------------------------------------------------------------------- served when servable
@st.composite
def ample_problems(draw, engine="ortools"):
    """Two technicians with long shifts and plenty of stock; at most five short jobs with wide
    windows (4 h), travel at most 15 min: whatever one technician could serve alone fits."""
    n_jobs = draw(st.integers(2, 5))
    xy = [(draw(st.integers(0, 5)), draw(st.integers(0, 5))) for _ in range(n_jobs + 2)]
    durations = [[90 * (abs(a[0] - b[0]) + abs(a[1] - b[1])) for b in xy] for a in xy]  # <= 15 min
    lunch = [x.brk(12, 13.5, 30)]
    techs = [
        x.tech("t0", 0, 8, 18, skills=["a", "b"], breaks=lunch, parts={"p": 10}),
        x.tech("t1", 1, 8, 18, skills=draw(st.sampled_from([["a"], ["b"], ["c"]])), breaks=lunch, parts={"p": 10}),
    ]
    jobs = []
    for j in range(n_jobs):
        extra = {"priority": draw(st.sampled_from(["urgent", "high", "normal", "low"]))}
        kind = draw(st.sampled_from(["plain", "plain", "window", "skill_c", "no_one", "outside", "pinned"]))
        skills = draw(st.sampled_from([[], ["a"], ["b"]]))
        if kind == "window":
            h = draw(st.sampled_from([8, 9, 10, 11]))
            extra["time_windows"] = [x.window(h, h + 4)]
        elif kind == "skill_c":
            skills = ["c"]  # only t1, when it has c
        elif kind == "no_one":
            skills = ["z"]
        elif kind == "outside":
            extra["time_windows"] = [x.window(19, 20)]
        elif kind == "pinned":
            extra["pinned_technician"] = "t1"
        if draw(st.booleans()):
            extra["sla_deadline"] = x.at(draw(st.sampled_from([9, 10, 12])))
        if draw(st.booleans()):
            extra["parts"] = {"p": 1}
        jobs.append(x.job(f"j{j}", j + 2, draw(st.sampled_from([10, 20, 30])), skills=skills, **extra))
    return x.problem(durations, techs, jobs, engine=engine, time_limit_s=0.3)


@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_job_someone_could_serve_is_served_when_capacity_is_ample(engine, data):
    p = data.draw(ample_problems(engine))
    solution = _solve(p, objective=False)
    oracle = Oracle.of(p)
    servable = {j.id for j in oracle.jobs if oracle.servable(j)}
    assert set(solution.assignment()) == servable, solution.unassigned
