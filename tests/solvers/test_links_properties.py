"""Property-based: random problems with crews and dependencies switched on (next to breaks,
windows, skills, parts, max_jobs, deadlines): every answer passes the independent validator
(which checks common crew starts, distinct technicians, crew skills, dependency order and
delays), every job is routed (a crew job on exactly its crew's technicians) or unassigned with
a reason, and a dependent is never served without its predecessor."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.solve import solve
from optimizer.validate import validate
from tests.factories import job, point, problem, tech, window

SKILLS = ["elec", "hvac"]


@st.composite
def linked_problems(draw):
    n_techs = draw(st.integers(2, 4))
    techs = []
    for t in range(n_techs):
        start = draw(st.sampled_from([7, 8, 9]))
        length = draw(st.sampled_from([4, 8]))
        extra = {}
        if draw(st.booleans()):
            e = start + length / 2
            extra["breaks"] = [{"earliest_start": f"2026-11-24T{int(e):02d}:00:00+02:00",
                                "latest_start": f"2026-11-24T{int(e) + 1:02d}:00:00+02:00",
                                "duration_min": draw(st.sampled_from([15, 30]))}]
        if draw(st.integers(0, 4)) == 0:
            extra["max_jobs"] = draw(st.integers(1, 4))
        techs.append(tech(f"t{t}", skills={s: draw(st.integers(1, 3)) for s in draw(st.lists(st.sampled_from(SKILLS), max_size=2, unique=True))},
                          start=start, end=start + length, loc=point(draw(st.integers(-5, 5)), draw(st.integers(-5, 5))),
                          parts={"filter": draw(st.integers(0, 3))}, **extra))
    jobs = []
    n_jobs = draw(st.integers(1, 12))
    for j in range(n_jobs):
        extra: dict = {"priority": draw(st.sampled_from(["urgent", "high", "normal", "low"]))}
        if draw(st.booleans()):
            h = draw(st.sampled_from([8, 9, 10, 12, 14]))
            extra["time_windows"] = [window(h, h + draw(st.sampled_from([0.5, 1, 3])))]
        if draw(st.integers(0, 3)) == 0:
            extra["sla_deadline"] = f"2026-11-24T{draw(st.integers(9, 16)):02d}:00:00+02:00"
        kind = draw(st.integers(0, 3))
        if kind == 0 and n_techs >= 2:
            size = draw(st.integers(2, min(3, n_techs)))
            extra["crew"] = [{"skills": {s: draw(st.integers(1, 2)) for s in draw(st.lists(st.sampled_from(SKILLS), max_size=1))}}
                             for _ in range(size)]
            skills = {}
        else:
            skills = {s: draw(st.integers(1, 2)) for s in draw(st.lists(st.sampled_from(SKILLS), max_size=1))}
            if draw(st.integers(0, 4)) == 0:
                extra["parts"] = {"filter": 1}
        if j > 0 and draw(st.integers(0, 2)) == 0:
            pred = draw(st.integers(0, j - 1))  # only earlier jobs: no cycles
            dep = {"job": f"j{pred}", "min_delay_min": draw(st.sampled_from([0, 15, 60]))}
            if draw(st.booleans()):
                dep["max_delay_min"] = dep["min_delay_min"] + draw(st.sampled_from([0, 30, 120]))
            extra["after"] = [dep]
        jobs.append(job(f"j{j}", loc=point(draw(st.integers(-6, 6)), draw(st.integers(-6, 6))),
                        duration_min=draw(st.sampled_from([10, 30, 60])), skills=skills, **extra))
    return problem(techs, jobs, time_limit_s=2.0, candidates_per_job=2, max_iterations=draw(st.sampled_from([50, 300])),
                   seed=draw(st.integers(0, 5)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(linked_problems())
def test_every_linked_answer_validates(p):
    solution = solve(p)
    violations = validate(p, solution)
    assert violations == [], "\n".join(f"{v.rule}: {v.message}" for v in violations)
    routed: dict[str, list[str]] = {}
    for r in solution.routes:
        for s in r.stops:
            routed.setdefault(s.job_id, []).append(r.technician_id)
    unassigned = [u.job_id for u in solution.unassigned]
    assert sorted(list(routed) + unassigned) == sorted(j.id for j in p.jobs)
    assert all(u.reason.strip() for u in solution.unassigned)
    for j in p.jobs:
        if j.id in routed:
            assert len(routed[j.id]) == max(1, len(j.crew))
            for dep in j.after:
                assert dep.job in routed
    assert solution.kpis.jobs_assigned == len(routed)
