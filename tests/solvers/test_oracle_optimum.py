"""The engine against an independent exhaustive oracle (:mod:`tests.oracle`), breaks included.

On tiny problems with hand-given travel matrices, ``solve`` must (1) return a plan whose cost,
recomputed by the oracle's own timing and cost code, equals ``solution.solver.objective``, and
(2) reach the oracle's optimum. Nothing of ``optimizer.solvers`` is used to score: a change to
the engine's scheduler, cost model or matrix handling shows up as a difference here.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from optimizer.solve import solve
from optimizer.validate import assert_valid
from tests import explicit as x
from tests.engines import ENGINES
from tests.oracle import Oracle

# 8 points: two depots (0, 7) and six job sites; hand-written, asymmetric nowhere, triangle
# inequality holds.
D8 = [
    [0, 600, 900, 1200, 300, 1500, 900, 600],
    [600, 0, 600, 900, 600, 1200, 1200, 900],
    [900, 600, 0, 600, 900, 600, 1500, 1200],
    [1200, 900, 600, 0, 1200, 600, 1800, 1500],
    [300, 600, 900, 1200, 0, 1200, 600, 300],
    [1500, 1200, 600, 600, 1200, 0, 1800, 1500],
    [900, 1200, 1500, 1800, 600, 1800, 0, 600],
    [600, 900, 1200, 1500, 300, 1500, 600, 0],
]


def _check_against_oracle(p, exact_optimum: bool = True):
    """``exact_optimum=False`` only requires the plan to be no better than the optimum (a lower
    cost would mean the two cost models disagree) and its cost to match the objective."""
    solution = solve(p)
    assert_valid(p, solution)
    oracle = Oracle.of(p)
    best, best_plan = oracle.optimum()
    ours = oracle.solution_cost(solution)
    plan = {(r.technician_id if r.shift_index is None else (r.technician_id, r.shift_index)): [s.job_id for s in r.stops]
            for r in solution.routes}
    detail = f"\nengine plan {plan} (oracle cost {ours}), optimum {best_plan} ({best})\n{p.model_dump_json(exclude_none=True)}"
    assert solution.solver.objective == pytest.approx(ours, abs=0.011), "objective differs from the oracle's cost of the same plan" + detail
    assert ours >= best - 0.011, "the engine beats the exhaustive optimum: the cost models disagree" + detail
    if exact_optimum:
        assert ours == pytest.approx(best, abs=0.011), "the engine misses the optimum" + detail
    return solution, oracle


@pytest.mark.parametrize("engine", ENGINES)
def test_two_technicians_six_jobs_with_breaks(engine):
    """Windows (two on one job), deadlines by priority, a skill, a preference, one technician
    with one break and one with two."""
    p = x.problem(
        D8,
        [x.tech("A", 0, 8, 13, skills=["hvac"], breaks=[x.brk(10, 11, 30)]),
         x.tech("B", 7, 8, 12, breaks=[x.brk(9.5, 10, 15), x.brk(11, 11.5, 20)])],
        [x.job("j1", 1, 45, priority="urgent", sla_deadline=x.at(9.25)),
         x.job("j2", 2, 60, time_windows=[x.window(8, 8.5), x.window(11, 11.5)]),
         x.job("j3", 3, 30, skills=["hvac"], sla_deadline=x.at(10)),
         x.job("j4", 4, 30, priority="low", preferred_technicians=["B"]),
         x.job("j5", 5, 45, priority="high", sla_deadline=x.at(11)),
         x.job("j6", 6, 60, time_windows=[x.window(9, 10)])],
        engine=engine,
    )
    solution, oracle = _check_against_oracle(p)
    assert not solution.unassigned


@pytest.mark.parametrize("engine", ENGINES)
def test_short_day_drops_the_least_important_and_meets_urgent_deadlines(engine):
    """Not everything fits: what is dropped, and which deadlines slip, is priced by priority."""
    p = x.problem(
        D8,
        [x.tech("A", 0, 8, 11, breaks=[x.brk(9.5, 10.5, 30)]),
         x.tech("B", 7, 8, 10.5, breaks=[x.brk(9, 9.5, 20)])],
        [x.job("j1", 1, 60, priority="urgent", sla_deadline=x.at(9.5)),
         x.job("j2", 2, 60, priority="low", sla_deadline=x.at(9.5)),
         x.job("j3", 3, 45, priority="high", sla_deadline=x.at(10)),
         x.job("j4", 4, 45, priority="normal"),
         x.job("j5", 5, 60, priority="low"),
         x.job("j6", 6, 30, priority="urgent", time_windows=[x.window(8.5, 9)])],
        engine=engine,
    )
    solution, oracle = _check_against_oracle(p)
    assert solution.unassigned, "the day is too short for every job (the test would not test drops)"


@pytest.mark.parametrize("engine", ENGINES)
def test_state_now_available_from_current_location_and_speed(engine):
    p = x.problem(
        D8,
        [x.tech("A", 0, 8, 14, current_location=x.loc(3), breaks=[x.brk(11, 12, 30)]),
         x.tech("B", 7, 8, 14, available_from=x.at(10.5))],
        [x.job("j1", 1, 30, priority="high", sla_deadline=x.at(10)),
         x.job("j2", 2, 30, sla_deadline=x.at(10.5)),
         x.job("j4", 4, 60, priority="urgent", sla_deadline=x.at(11.5)),
         x.job("j5", 5, 30, time_windows=[x.window(9, 12)]),
         x.job("j6", 6, 45, priority="low")],
        engine=engine, now=9, speed_factor=1.5,
    )
    _check_against_oracle(p)


# --------------------------------------------------------------------------- random tiny problems
@st.composite
def tiny_explicit_problems(draw):
    n_jobs = draw(st.integers(3, 5))
    n_points = n_jobs + 2
    xy = [(draw(st.integers(0, 6)), draw(st.integers(0, 6))) for _ in range(n_points)]
    unit = draw(st.sampled_from([60, 120, 180]))
    durations = [[unit * (abs(a[0] - b[0]) + abs(a[1] - b[1])) for b in xy] for a in xy]
    techs = []
    for t in range(2):
        start = draw(st.sampled_from([8, 9]))
        end = draw(st.sampled_from([11, 12, 14]))
        extra = {}
        if draw(st.booleans()):
            e = draw(st.sampled_from([h for h in (9.5, 10, 11, 11.5) if h < end - 0.5]))
            extra["breaks"] = [x.brk(e, e + draw(st.sampled_from([0, 0.5, 1])), draw(st.sampled_from([15, 30])))]
            if e + 1.5 < end and draw(st.integers(0, 2)) == 0:
                extra["breaks"].append(x.brk(e + 1.5, e + 2, 15))
        if draw(st.integers(0, 3)) == 0:
            extra["max_jobs"] = 2
        if draw(st.integers(0, 4)) == 0:
            extra["available_from"] = x.at(start + 1)
        techs.append(x.tech(f"t{t}", t, start, end, skills=draw(st.sampled_from([["a"], ["b"], ["a", "b"]])),
                            parts={"p": draw(st.integers(0, 2))}, **extra))
    jobs = []
    for j in range(n_jobs):
        extra = {"priority": draw(st.sampled_from(["urgent", "high", "normal", "low"]))}
        if draw(st.booleans()):
            h = draw(st.sampled_from([8, 9, 10, 11]))
            extra["time_windows"] = [x.window(h, h + draw(st.sampled_from([0.5, 1, 2])))]
            if draw(st.integers(0, 2)) == 0:
                extra["time_windows"].append(x.window(h + 2.5, h + 3))
        if draw(st.booleans()):
            extra["sla_deadline"] = x.at(draw(st.sampled_from([9, 9.5, 10, 11, 12])))
        if draw(st.integers(0, 3)) == 0:
            extra["parts"] = {"p": 1}
        if draw(st.integers(0, 3)) == 0:
            extra["preferred_technicians"] = [draw(st.sampled_from(["t0", "t1"]))]
        jobs.append(x.job(f"j{j}", j + 2, draw(st.sampled_from([20, 30, 60, 90])), skills=draw(st.sampled_from([[], ["a"], ["b"]])), **extra))
    speed = draw(st.sampled_from([1.0, 1.0, 1.5]))
    now = draw(st.sampled_from([None, None, None, 8.5]))
    return x.problem(durations, techs, jobs, engine=draw(st.sampled_from(ENGINES)), time_limit_s=0.5, speed_factor=speed, now=now)


# No shrinking: each example is a full solve; a failure prints the problem and both plans.
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(tiny_explicit_problems())
def test_random_tiny_problems_reach_the_oracle_optimum(p):
    """Exact optimum required without breaks; with breaks, the search (which leaves breaks out,
    see ortools_engine.py) may miss it (see the known miss below), so only the cost identity
    and the lower bound are required there."""
    has_breaks = any(t.breaks for t in p.technicians)
    _check_against_oracle(p, exact_optimum=not has_breaks)


KNOWN_MISS = """{"technicians":[{"id":"t0","skills":{"a":1,"b":1},"shift":{"start":"2026-11-24T08:00:00+02:00","end":"2026-11-24T14:00:00+02:00"},"start_location":{"index":0},"breaks":[{"earliest_start":"2026-11-24T09:30:00+02:00","latest_start":"2026-11-24T09:30:00+02:00","duration_min":30.0}],"max_jobs":2,"parts":{"p":1}},{"id":"t1","skills":{"b":1},"shift":{"start":"2026-11-24T09:00:00+02:00","end":"2026-11-24T12:00:00+02:00"},"start_location":{"index":1},"breaks":[{"earliest_start":"2026-11-24T10:00:00+02:00","latest_start":"2026-11-24T11:00:00+02:00","duration_min":15.0}],"parts":{"p":0}}],"jobs":[{"id":"j0","location":{"index":2},"duration_min":20.0,"skills":{},"time_windows":[],"priority":"urgent","parts":{},"preferred_technicians":[],"excluded_technicians":[],"status":"pending"},{"id":"j1","location":{"index":3},"duration_min":90.0,"skills":{},"time_windows":[],"priority":"urgent","parts":{},"preferred_technicians":[],"excluded_technicians":[],"status":"pending"},{"id":"j2","location":{"index":4},"duration_min":20.0,"skills":{},"time_windows":[{"start":"2026-11-24T11:00:00+02:00","end":"2026-11-24T13:00:00+02:00"}],"priority":"normal","parts":{},"preferred_technicians":[],"excluded_technicians":[],"status":"pending"},{"id":"j3","location":{"index":5},"duration_min":90.0,"skills":{},"time_windows":[],"sla_deadline":"2026-11-24T09:00:00+02:00","priority":"low","parts":{},"preferred_technicians":[],"excluded_technicians":[],"status":"pending"}],"options":{"time_limit_s":0.5,"seed":0,"candidates_per_job":0,"matrix":"explicit","explicit_matrix":{"durations_s":[[0.0,480.0,600.0,360.0,240.0,360.0],[480.0,0.0,600.0,360.0,240.0,840.0],[600.0,600.0,0.0,240.0,840.0,480.0],[360.0,360.0,240.0,0.0,600.0,720.0],[240.0,240.0,840.0,600.0,0.0,600.0],[360.0,840.0,480.0,720.0,600.0,0.0]]},"engine":"ortools","engine_params":{},"weights":{"travel_time_per_s":1.0,"distance_per_km":0.0,"sla_lateness_per_min":{"urgent":600.0,"high":300.0,"normal":120.0,"low":60.0},"unassigned_penalty":{"urgent":8.0,"high":4.0,"normal":2.0,"low":1.0},"workload_balance_per_s":0.1,"non_preferred_technician":600.0,"technician_fixed_cost":0.0},"speed_factor":1.0}}"""


_ORTOOLS_MISS = pytest.mark.xfail(
    reason="found by the oracle: the ortools engine's search leaves breaks out and returns a plan costing 11740 "
    "where 9508 is valid (t0 takes j0, waits for its fixed 09:30 break, then j1); more search time does not help",
    strict=True)


@pytest.mark.parametrize("engine", [pytest.param(e, marks=_ORTOOLS_MISS) if e == "ortools" else e for e in ENGINES])
def test_known_miss_a_fixed_break_forces_waiting(engine):
    from optimizer.models import Problem

    p = Problem.model_validate_json(KNOWN_MISS)
    p.options.engine = engine
    _check_against_oracle(p)


@pytest.mark.parametrize("engine", ENGINES)
def test_two_days_of_one_technician_with_technician_durations(engine):
    """One technician, two shifts (the second from another depot, with its own break): the
    oracle times each shift as its own route; jobs with windows on either day, one job that the
    technician does in 20 instead of 60 minutes (durations_by_technician), service_factor 1.5."""
    t = x.tech("A", 0, skills=["hvac"], service_factor=1.5)
    del t["shift"]
    t["shifts"] = [{"start": x.at(8), "end": x.at(12), "breaks": [x.brk(10, 11, 30)]},
                   {"start": x.at(32), "end": x.at(36), "start_location": x.loc(7), "breaks": [x.brk(33, 33.5, 20)]}]
    p = x.problem(
        D8,
        [t],
        [x.job("j1", 1, 40, priority="urgent", sla_deadline=x.at(9.5)),
         x.job("j2", 2, 60, time_windows=[x.window(8, 9), x.window(32, 33)], durations_by_technician={"A": 20}),
         x.job("j3", 3, 30, time_windows=[x.window(33, 35)]),
         x.job("j4", 4, 30, priority="low", sla_deadline=x.at(34)),
         x.job("j5", 6, 45, time_windows=[x.window(32.5, 34)])],
        engine=engine,
    )
    # The ortools engine leaves breaks out of its search and here keeps j5 on day 2 instead of
    # j3 (seen: 12128837 against 12120932); its plan must still cost what the oracle says.
    _check_against_oracle(p, exact_optimum=engine == "native")


@pytest.mark.parametrize("engine", ENGINES)
def test_the_senior_takes_the_long_job_the_oracle_agrees(engine):
    """Two technicians whose service times differ per job: the optimum pairs jobs and people."""
    p = x.problem(
        D8,
        [x.tech("junior", 0, 8, 12, service_factor=2.0), x.tech("senior", 7, 8, 12, service_factor=0.75)],
        [x.job("j1", 1, 60, priority="high", sla_deadline=x.at(10)),
         x.job("j2", 2, 90, durations_by_technician={"junior": 30}),
         x.job("j3", 4, 30),
         x.job("j4", 6, 120, priority="urgent", sla_deadline=x.at(11)),
         x.job("j5", 5, 20, durations_by_technician={"senior": 60})],
        engine=engine,
        # guided local search needs about 1,500 solutions (0.5 s on an idle core) to leave the
        # first local optimum here (23115, senior doing j4 j5 j3): room for a loaded machine
        time_limit_s=3.0 if engine == "ortools" else 0.5,
    )
    _check_against_oracle(p)
