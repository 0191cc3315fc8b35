"""Property-based: on random problems every answer passes the independent validator, every job
appears exactly once (routed or unassigned with a reason), and the time limit is honoured."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.solve import solve
from optimizer.validate import validate
from tests.factories import job, point, problem, tech, window

SKILLS = ["elec", "hvac", "plumb"]


@st.composite
def random_problems(draw):
    n_techs = draw(st.integers(1, 4))
    techs = []
    for t in range(n_techs):
        start = draw(st.sampled_from([7, 8, 9, 12]))
        length = draw(st.sampled_from([2, 4, 8]))
        extra = {}
        if draw(st.booleans()):
            e = start + draw(st.sampled_from([0.5, 1, 1.5])) * length / 2
            extra["breaks"] = [{
                "earliest_start": f"2026-11-24T{int(e):02d}:{int(e % 1 * 60):02d}:00+02:00",
                "latest_start": f"2026-11-24T{int(e) + 1:02d}:{int(e % 1 * 60):02d}:00+02:00",
                "duration_min": draw(st.sampled_from([15, 30, 45])),
            }]
        if draw(st.integers(0, 3)) == 0:
            extra["max_jobs"] = draw(st.integers(0, 4))
        if draw(st.booleans()):
            extra["end_location"] = point(draw(st.integers(-5, 5)), draw(st.integers(-5, 5)))
        techs.append(tech(
            f"t{t}",
            skills={s: draw(st.integers(1, 3)) for s in draw(st.lists(st.sampled_from(SKILLS), max_size=3, unique=True))},
            start=start,
            end=start + length,
            loc=point(draw(st.integers(-5, 5)), draw(st.integers(-5, 5))),
            parts={"filter": draw(st.integers(0, 3))},
            **extra,
        ))
    ids = [t["id"] for t in techs]
    jobs = []
    for j in range(draw(st.integers(0, 14))):
        extra = {"priority": draw(st.sampled_from(["urgent", "high", "normal", "low"]))}
        n_win = draw(st.integers(0, 2))
        if n_win:
            hours = sorted(draw(st.lists(st.sampled_from([7, 8, 9, 10, 12, 14, 16, 19]), min_size=n_win, max_size=n_win, unique=True)))
            extra["time_windows"] = [window(h, h + draw(st.sampled_from([0.25, 1, 3]))) for h in hours]
        if draw(st.booleans()):
            extra["sla_deadline"] = f"2026-11-24T{draw(st.integers(8, 18)):02d}:00:00+02:00"
        if draw(st.integers(0, 3)) == 0:
            extra["parts"] = {"filter": draw(st.integers(1, 3))}
        rule = draw(st.integers(0, 9))
        if rule == 0:
            extra["pinned_technician"] = draw(st.sampled_from(ids))
        elif rule == 1:
            extra["excluded_technicians"] = [draw(st.sampled_from(ids))]
        elif rule == 2:
            extra["preferred_technicians"] = [draw(st.sampled_from(ids))]
        jobs.append(job(
            f"j{j}",
            loc=point(draw(st.integers(-8, 8)), draw(st.integers(-8, 8))),
            duration_min=draw(st.sampled_from([0, 10, 30, 60, 120])),
            skills={s: draw(st.integers(1, 3)) for s in draw(st.lists(st.sampled_from(SKILLS), max_size=2, unique=True))},
            **extra,
        ))
    return problem(techs, jobs, time_limit_s=1.0, candidates_per_job=2)


def assert_valid_and_complete(p, solution) -> list[str]:
    """The validator finds nothing, every job is routed or unassigned exactly once, and every
    unassigned job has a reason. Returns the routed job ids."""
    violations = validate(p, solution)
    assert violations == [], "\n".join(f"{v.rule}: {v.message}" for v in violations)
    routed = [s.job_id for r in solution.routes for s in r.stops]
    unassigned = [u.job_id for u in solution.unassigned]
    assert sorted(routed + unassigned) == sorted(j.id for j in p.jobs)
    assert all(u.reason.strip() for u in solution.unassigned)
    return routed


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_problems())
def test_every_answer_is_valid_and_complete(p):
    solution = solve(p)
    routed = assert_valid_and_complete(p, solution)
    assert solution.solver.wall_time_s <= p.options.time_limit_s + 0.5
    for cands in solution.candidates:
        if cands.job_id in routed:
            assert cands.ranked[0].assigned
        assert len({c.technician_id for c in cands.ranked}) == len(cands.ranked)
