"""Property-based, with the multi-day rules on: random problems where technicians have one to
three shifts over three days (own breaks and start locations), jobs have windows on any day and
durations that depend on the technician (service_factor, durations_by_technician). Every answer
of every engine passes the independent validator and places every job exactly once."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.solve import solve
from tests.engines import ENGINES
from tests.factories import at, job, point, problem, window
from tests.solvers.test_properties import assert_valid_and_complete

SKILLS = ["elec", "hvac"]


@st.composite
def multi_day_problems(draw, engine: str):
    n_techs = draw(st.integers(1, 3))
    techs = []
    for t in range(n_techs):
        days = sorted(draw(st.lists(st.integers(0, 2), min_size=1, max_size=3, unique=True)))
        shifts = []
        for d in days:
            start = 24 * d + draw(st.sampled_from([7, 8, 12]))
            length = draw(st.sampled_from([3, 6, 8]))
            sh = {"start": at(start), "end": at(start + length)}
            if draw(st.booleans()):
                e = start + draw(st.sampled_from([1, 2]))
                sh["breaks"] = [{"earliest_start": at(e), "latest_start": at(e + 1), "duration_min": draw(st.sampled_from([15, 30]))}]
            if draw(st.integers(0, 3)) == 0:
                sh["start_location"] = point(draw(st.integers(-5, 5)), draw(st.integers(-5, 5)))
            shifts.append(sh)
        data = {
            "id": f"t{t}",
            "skills": {s: draw(st.integers(1, 2)) for s in draw(st.lists(st.sampled_from(SKILLS), max_size=2, unique=True))},
            "shifts": shifts,
            "start_location": point(draw(st.integers(-5, 5)), draw(st.integers(-5, 5))),
            "service_factor": draw(st.sampled_from([1.0, 1.0, 0.8, 1.5])),
            "parts": {"filter": draw(st.integers(0, 2))},
        }
        if draw(st.integers(0, 3)) == 0:
            data["max_jobs"] = draw(st.integers(0, 3))
        techs.append(data)
    ids = [t["id"] for t in techs]
    jobs = []
    for j in range(draw(st.integers(0, 14))):
        extra: dict = {"priority": draw(st.sampled_from(["urgent", "high", "normal", "low"]))}
        if draw(st.booleans()):
            day = draw(st.integers(0, 2))
            h = 24 * day + draw(st.sampled_from([8, 10, 13, 15]))
            extra["time_windows"] = [window(h, h + draw(st.sampled_from([1, 3])))]
            if draw(st.booleans()):
                extra["time_windows"].append(window(h + 24, h + 26))
        if draw(st.booleans()):
            extra["sla_deadline"] = at(24 * draw(st.integers(0, 2)) + draw(st.integers(9, 18)))
        if draw(st.integers(0, 3)) == 0:
            extra["parts"] = {"filter": 1}
        if draw(st.booleans()):
            extra["durations_by_technician"] = {tid: draw(st.sampled_from([5, 20, 90])) for tid in
                                                draw(st.lists(st.sampled_from(ids), max_size=len(ids), unique=True))}
        rule = draw(st.integers(0, 6))
        if rule == 0:
            extra["pinned_technician"] = draw(st.sampled_from(ids))
        elif rule == 1:
            extra["excluded_technicians"] = [draw(st.sampled_from(ids))]
        elif rule == 2:
            extra["preferred_technicians"] = [draw(st.sampled_from(ids))]
        jobs.append(job(f"j{j}", loc=point(draw(st.integers(-8, 8)), draw(st.integers(-8, 8))),
                        duration_min=draw(st.sampled_from([10, 30, 60, 120])),
                        skills={s: 1 for s in draw(st.lists(st.sampled_from(SKILLS), max_size=1))}, **extra))
    return problem(techs, jobs, time_limit_s=1.0, candidates_per_job=2, engine=engine, max_iterations=300)


@pytest.mark.parametrize("engine", ENGINES)
def test_every_multi_day_answer_is_valid(engine):
    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(multi_day_problems(engine))
    def check(p):
        solution = solve(p)
        assert_valid_and_complete(p, solution)
        keys = [(r.technician_id, r.shift_index) for r in solution.routes]
        assert len(keys) == len(set(keys)) == sum(len(t.shifts or [1]) for t in p.technicians)
        assert sum(d.jobs_assigned for d in solution.kpis.by_day.values()) == solution.kpis.jobs_assigned

    check()
