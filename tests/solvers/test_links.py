"""Crews and job dependencies, end to end on hand-given matrices (every expected time below is
computed by hand from the numbers in the test), plus the input rules (422 / exit 2 naming the
field) and the validator catching each deliberately wrong plan.

Matrix used by most tests (seconds; index 0 = depot of A, 1 = depot of B, 2 and 3 = sites)::

         0     1     2     3
    0    0  3600   600  1200
    1 3600     0  1800  1200
    2  600  1800     0   600
    3 1200  1200   600     0
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from optimizer.models import Problem
from optimizer.solve import solve
from optimizer.validate import validate
from tests import explicit as x

M = [[0, 3600, 600, 1200], [3600, 0, 1800, 1200], [600, 1800, 0, 600], [1200, 1200, 600, 0]]


def _solve(p):
    solution = solve(p)
    assert validate(p, solution) == []
    routed = {s.job_id for r in solution.routes for s in r.stops}
    assert routed.isdisjoint({u.job_id for u in solution.unassigned})
    assert routed | {u.job_id for u in solution.unassigned} == {j.id for j in p.jobs}
    return solution


def _p(techs, jobs, **kw):
    return x.problem(M, techs, jobs, engine="native", max_iterations=300, time_limit_s=5, **{"candidates_per_job": 3, **kw})


def _stop(solution, tech_id, job_id):
    return next(s for s in solution.route_of(tech_id).stops if s.job_id == job_id)


def test_crew_meets_at_the_later_arrival():
    """A (depot 0) could reach site 2 at 08:10, B (depot 1) at 08:30: both start at 08:30 and
    both stay 60 min (A leaves as late as that allows, 08:20). The crew needs an electrician
    level 3 and a helper: A is the electrician."""
    p = _p([x.tech("A", 0, skills={"elec": 3}), x.tech("B", 1)],
           [x.job("J", 2, 60, crew=[{"skills": {"elec": 3}}, {"skills": {}}])])
    s = _solve(p)
    a, b = _stop(s, "A", "J"), _stop(s, "B", "J")
    assert b.arrival == x.instant(8.5) and s.route_of("A").start == x.instant(8 + 20 / 60)
    assert a.start == b.start == x.instant(8.5)
    assert a.end == b.end == x.instant(9.5)
    assert s.kpis.jobs_assigned == 1 and s.kpis.jobs_total == 1
    assert len({c.technician_id for c in s.candidates[0].ranked}) == 2


def test_crew_needs_distinct_qualified_technicians():
    """Two members need elec 3, only A has it: the crew cannot be formed (reason names the crew)."""
    p = _p([x.tech("A", 0, skills={"elec": 3}), x.tech("B", 1)],
           [x.job("J", 2, 60, crew=[{"skills": {"elec": 3}}, {"skills": {"elec": 3}}])])
    s = _solve(p)
    assert [u.code for u in s.unassigned] == ["crew"]
    assert "crew of 2" in s.unassigned[0].reason


def test_crew_not_available_at_the_same_time():
    """A works 08-09, B 12-16: no common start; the reason says so."""
    p = _p([x.tech("A", 0, end=9), x.tech("B", 1, start=12)],
           [x.job("J", 2, 30, crew=[{}, {}])])
    s = _solve(p)
    assert [(u.job_id, u.code) for u in s.unassigned] == [("J", "crew")]
    assert "at the same time" in s.unassigned[0].reason


def test_dependency_waits_for_end_plus_min_delay():
    """A does J1 at site 2 (08:10-08:40); J2 at site 3 depends on J1 with 45 min: B, reaching
    site 3 at 08:20, waits until 08:40 + 45 min = 09:25."""
    p = _p([x.tech("A", 0, skills={"x": 1}), x.tech("B", 1)],
           [x.job("J1", 2, 30, skills={"x": 1}),
            x.job("J2", 3, 30, pinned_technician="B", after=[{"job": "J1", "min_delay_min": 45}])])
    s = _solve(p)
    j1, j2 = _stop(s, "A", "J1"), _stop(s, "B", "J2")
    assert j1.start == x.instant(8 + 10 / 60) and j1.end == x.instant(8 + 40 / 60)
    assert j2.start == x.instant(9 + 25 / 60)


def test_max_delay_makes_the_dependent_unserved():
    """J1 can only start at 12:00 (window), J2 only until 10:00 and must follow J1: unserved
    with a reason naming J1."""
    p = _p([x.tech("A", 0), x.tech("B", 1)],
           [x.job("J1", 2, 30, time_windows=[x.window(12, 13)]),
            x.job("J2", 3, 30, time_windows=[x.window(8, 10)], after=[{"job": "J1", "max_delay_min": 60}])])
    s = _solve(p)
    assert [u.job_id for u in s.unassigned] == ["J2"]
    assert s.unassigned[0].code == "dependency" and "J1" in s.unassigned[0].reason


def test_max_delay_holds_when_served():
    """J2 (pinned to B, window from 11:00) at most 15 min after J1 ends: J1 may not finish
    before 10:45 even though A could do it at 08:10."""
    p = _p([x.tech("A", 0), x.tech("B", 1)],
           [x.job("J1", 2, 30, pinned_technician="A"),
            x.job("J2", 3, 30, pinned_technician="B", time_windows=[x.window(11, 12)], after=[{"job": "J1", "max_delay_min": 15}])])
    s = _solve(p)
    j1, j2 = _stop(s, "A", "J1"), _stop(s, "B", "J2")
    assert j2.start == x.instant(11)
    assert j2.start - j1.end <= timedelta(minutes=15)
    assert j1.end <= j2.start


def test_unserved_predecessor_unserves_the_dependent():
    p = _p([x.tech("A", 0)],
           [x.job("J1", 2, 30, skills={"nobody": 1}), x.job("J2", 3, 30, after=[{"job": "J1"}])])
    s = _solve(p)
    reasons = {u.job_id: u for u in s.unassigned}
    assert reasons["J2"].code == "dependency" and "J1" in reasons["J2"].reason


def test_same_technician_dependency_in_order():
    """One technician: J2 depends on J1, J1 has a late window; the route must be J1 then J2."""
    p = _p([x.tech("A", 0)],
           [x.job("J1", 3, 30, time_windows=[x.window(10, 11)]), x.job("J2", 2, 30, after=[{"job": "J1"}])])
    s = _solve(p)
    stops = [st.job_id for st in s.route_of("A").stops]
    assert stops == ["J1", "J2"]


def test_crew_with_dependency_and_other_jobs_validates():
    techs = [x.tech("A", 0, skills={"e": 2}), x.tech("B", 1), x.tech("C", 0, skills={"e": 1})]
    jobs = [x.job("K", 2, 45, crew=[{"skills": {"e": 2}}, {}, {}]),
            x.job("L", 3, 20, after=[{"job": "K", "min_delay_min": 10}]),
            x.job("M", 3, 20), x.job("N", 2, 20)]
    s = _solve(_p(techs, jobs))
    assert s.kpis.jobs_assigned == 4
    starts = {_stop(s, t, "K").start for t in ("A", "B", "C")}
    assert len(starts) == 1


# -- input rules -------------------------------------------------------------------------------


@pytest.mark.parametrize("jobs, field, text", [
    ([x.job("J1", 2, after=[{"job": "J9"}])], "jobs.0.after.0.job", "unknown job 'J9'"),
    ([x.job("J1", 2, after=[{"job": "J1"}])], "jobs.0.after.0.job", "itself"),
    ([x.job("J1", 2, after=[{"job": "J2"}]), x.job("J2", 2, after=[{"job": "J1"}])], "jobs.0.after", "cycle"),
    ([x.job("J1", 2, crew=[{}])], "jobs.0", "2 to 8 members"),
    ([x.job("J1", 2, crew=[{}, {}], skills={"e": 1})], "jobs.0", "per member"),
    ([x.job("J1", 2, after=[{"job": "J1", "min_delay_min": 10, "max_delay_min": 5}])], "jobs.0.after.0", "below"),
])
def test_bad_links_are_field_errors(jobs, field, text):
    with pytest.raises(ValidationError) as err:
        x.problem(M, [x.tech("A", 0)], jobs, engine="native")
    locs = [".".join(str(p) for p in e["loc"]) for e in err.value.errors()]
    assert any(loc.startswith(field) for loc in locs), locs
    assert text in str(err.value)


def test_ortools_refuses_crews_naming_the_feature():
    with pytest.raises(ValidationError) as err:
        x.problem(M, [x.tech("A", 0), x.tech("B", 1)], [x.job("J", 2, crew=[{}, {}])], engine="ortools")
    assert "options.engine" in ".".join(str(p) for p in err.value.errors()[0]["loc"]) or err.value.errors()[0]["loc"] == ("options", "engine")
    assert "crew" in str(err.value)


# -- the validator catches each wrong plan -----------------------------------------------------


def _base():
    p = _p([x.tech("A", 0, skills={"elec": 3}), x.tech("B", 1)],
           [x.job("J", 2, 60, crew=[{"skills": {"elec": 3}}, {}]),
            x.job("K", 3, 30, after=[{"job": "J", "min_delay_min": 30, "max_delay_min": 120}])])
    s = _solve(p)
    assert s.kpis.jobs_assigned == 2
    return p, s


def _rules(p, s):
    return {v.rule for v in validate(p, s)}


def test_validator_catches_crew_start_mismatch():
    p, s = _base()
    bad = s.model_copy(deep=True)
    stop = next(st for st in bad.route_of("B").stops if st.job_id == "J")
    stop.start += timedelta(minutes=5)
    stop.end += timedelta(minutes=5)
    assert "crew_start" in _rules(p, bad)


def test_validator_catches_a_missing_member():
    p, s = _base()
    bad = s.model_copy(deep=True)
    route = bad.route_of("B")
    route.stops = [st for st in route.stops if st.job_id != "J"]
    assert "crew_size" in _rules(p, bad)


def test_validator_catches_crew_skills_and_same_technician_twice():
    p, s = _base()
    data = p.model_dump(mode="json")
    data["jobs"][0]["crew"] = [{"skills": {"elec": 3}}, {"skills": {"elec": 3}}]
    p2 = Problem.model_validate(data)
    assert "crew_skills" in _rules(p2, s)
    bad = s.model_copy(deep=True)
    bad.route_of("B").technician_id = "A"
    assert "crew_size" in _rules(p, bad)


def test_validator_catches_dependency_order_delay_and_unserved():
    p, s = _base()
    j_end = max(st.end for r in s.routes for st in r.stops if st.job_id == "J")
    for shift, rule in ((timedelta(minutes=-20), "dependency_order"), (timedelta(minutes=200), "dependency_delay")):
        data = p.model_dump(mode="json")
        k = next(st for r in s.routes for st in r.stops if st.job_id == "K")
        target = j_end + timedelta(minutes=30) + shift
        bad = s.model_copy(deep=True)
        k2 = next(st for r in bad.routes for st in r.stops if st.job_id == "K")
        k2.start, k2.end = target, target + (k.end - k.start)
        assert rule in _rules(Problem.model_validate(data), bad)
    bad = s.model_copy(deep=True)
    for route in bad.routes:
        route.stops = [st for st in route.stops if st.job_id != "J"]
    assert "dependency_unserved" in _rules(p, bad)


def test_report_shows_a_crew_job_on_every_members_row():
    from optimizer.report.html import render_page
    from optimizer.report.payload import report_payload

    p = _p([x.tech("A", 0, skills={"elec": 3}), x.tech("B", 1), x.tech("C", 1)],
           [x.job("J", 2, 60, crew=[{"skills": {"elec": 3}}, {"skills": {}}]), x.job("K", 3, 30)])
    s = _solve(p)
    payload = report_payload([("plan", p, s)])
    rows = {r["technician_id"]: r for r in payload["plans"][0]["routes"]}
    with_j = {tid for tid, r in rows.items() if any(seg[0] == "service" and seg[3] == "J" for seg in r["segments"])}
    assert with_j == {"A", "B"} or len(with_j) == 2
    assert {t for t in with_j} == {r.technician_id for r in s.routes if any(st.job_id == "J" for st in r.stops)}
    assert "J" in render_page(payload)
