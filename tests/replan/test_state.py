"""The state of the day at ``now`` from the previous plan and status events (job_started,
job_completed, technician_position): hand-built plans with hand-computed statuses, the shipped
11:00 sample of the demo day (expectations read off data/replan/morning_plan.json by hand), and
real re-plans on top, each checked by the independent validator."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from optimizer.models import Problem, Route, Solution, Stop
from optimizer.models.job import JobStatus
from optimizer.replan import (
    EVENT_LIST,
    JobCompleted,
    JobStarted,
    ReplanError,
    ReplanOptions,
    TechnicianPosition,
    derive_state,
    replan,
)
from optimizer.validate import validate
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]


def t(hours: float) -> datetime:
    return datetime.fromisoformat(f.at(hours))


def _stop(jid: str, arrival: float, start: float, end: float, travel_min: float) -> Stop:
    return Stop(job_id=jid, arrival=t(arrival), start=t(start), end=t(end), travel_time_s=int(travel_min * 60), distance_m=1000)


def tiny() -> tuple[Problem, Solution]:
    """Two technicians, a plan written by hand (times in hours of the test day):
    A: a1 08:10-09:00, a2 09:20-10:00, a3 10:30-11:00 (arrives 10:20 after 10 min: leaves 10:10)
    B: b1 08:30-09:30, b2 10:15-11:00 (15 min drive: leaves 10:00), b3 11:30-12:00; u1 unassigned."""
    techs = [f.tech("A"), f.tech("B", loc=f.point(1, 0))]
    jobs = [f.job(j, loc=f.point(i * 0.4, 0.3), duration_min=d)
            for i, (j, d) in enumerate([("a1", 50), ("a2", 40), ("a3", 30), ("b1", 60), ("b2", 45), ("b3", 30), ("u1", 20)])]
    problem = f.problem(techs, jobs, max_iterations=200, candidates_per_job=0)
    plan = Solution(routes=[
        Route(technician_id="A", start=t(8), end=t(11.5), stops=[
            _stop("a1", 8 + 10 / 60, 8 + 10 / 60, 9, 10), _stop("a2", 9 + 20 / 60, 9 + 20 / 60, 10, 10), _stop("a3", 10 + 20 / 60, 10.5, 11, 10)]),
        Route(technician_id="B", start=t(8.25), end=t(12.5), stops=[
            _stop("b1", 8.5, 8.5, 9.5, 15), _stop("b2", 10.25, 10.25, 11, 15), _stop("b3", 11.5, 11.5, 12, 20)]),
    ], unassigned=[{"job_id": "u1", "reason": "no time", "code": "capacity"}])
    return problem, plan


def statuses(problem: Problem) -> dict[str, str]:
    return {j.id: j.status.value for j in problem.jobs}


def test_state_from_the_plan_alone():
    problem, plan = tiny()
    day = derive_state(problem, plan, now=t(10 + 5 / 60))
    # a1, a2 ended by 10:05; a3's drive starts at 10:10; b1 done, B left for b2 at 10:00.
    assert statuses(day.problem) == {"a1": "completed", "a2": "completed", "a3": "pending", "b1": "completed",
                                     "b2": "dispatched", "b3": "pending", "u1": "pending"}
    assert day.problem.job("b2").technician_id == "B"
    assert [(d.job_id, d.technician_id, d.end, d.source) for d in day.summary.completed] == [
        ("a1", "A", t(9), "plan"), ("a2", "A", t(10), "plan"), ("b1", "B", t(9.5), "plan")]
    # a1 (09:00) and b1 (09:30) ended more than 30 min before 10:05 without a completion event.
    assert [(w.code, w.job_ids) for w in day.summary.warnings] == [("assumed_completed", ["a1", "b1"])]
    # At 10:30 a3 has started as planned.
    later = derive_state(problem, plan, now=t(10.5))
    assert later.problem.job("a3").status == JobStatus.in_progress and later.problem.job("a3").expected_end == t(11)
    assert later.summary.in_progress == ["a3", "b2"]


def test_events_override_the_plan():
    problem, plan = tiny()
    events = [
        JobCompleted(job_id="a1", at=t(9 + 5 / 60)),
        JobStarted(job_id="a3", at=t(9 + 50 / 60)),            # A went to a3 early: a2 (before it) is done
        JobStarted(job_id="b1", technician_id="B", at=t(8 + 40 / 60)),  # no completion yet: B is still on site
        TechnicianPosition(technician_id="A", location=f.point(0.8, 0.3), at=t(10)),
        TechnicianPosition(technician_id="B", location=f.point(1, 0), at=t(9)),
    ]
    day = derive_state(problem, plan, events, now=t(10 + 5 / 60))
    assert statuses(day.problem) == {"a1": "completed", "a2": "completed", "a3": "in_progress", "b1": "in_progress",
                                     "b2": "pending", "b3": "pending", "u1": "pending"}
    a3, b1 = day.problem.job("a3"), day.problem.job("b1")
    assert (a3.technician_id, a3.expected_end) == ("A", t(9 + 50 / 60 + 0.5))
    # b1 started 08:40 for 60 min: expected 09:40, already past: kept running until now.
    assert (b1.technician_id, b1.expected_end) == ("B", t(10 + 5 / 60))
    assert {d.job_id: d.source for d in day.summary.completed} == {"a1": "event", "a2": "plan"}
    assert day.summary.completed[0].end == t(9 + 5 / 60)
    assert day.problem.technician("A").current_location.lat == f.point(0.8, 0.3)["lat"]
    # B's position is 65 min old; b1's expected end (09:40) is 25 min ago, under the 30 min threshold.
    assert [(w.code, w.technician_id) for w in day.summary.warnings] == [("stale_position", "B")]
    at_1020 = derive_state(problem, plan, events, now=t(10 + 20 / 60))
    assert [(w.code, w.job_ids) for w in at_1020.summary.warnings][0] == ("overdue_in_progress", ["b1"])


@pytest.mark.parametrize("event, field", [
    ({"type": "job_completed", "job_id": "a1", "at": f.at(11)}, "events[0].at"),
    ({"type": "job_started", "job_id": "ghost", "at": f.at(9)}, "events[0].job_id"),
    ({"type": "job_started", "job_id": "u1", "at": f.at(9)}, "events[0].technician_id"),
    ({"type": "technician_position", "technician_id": "Z", "location": f.point(), "at": f.at(9)}, "events[0].technician_id"),
])
def test_bad_status_events_name_the_field(event, field):
    problem, plan = tiny()
    with pytest.raises(ReplanError, match=field.replace("[", r"\[").replace("]", r"\]")):
        derive_state(problem, plan, EVENT_LIST.validate_python([event]), now=t(10))
    with pytest.raises(ReplanError):
        derive_state(problem, plan, [])  # no now at all


def _placed(solution: Solution) -> list[str]:
    return sorted([s.job_id for r in solution.routes for s in r.stops] + [u.job_id for u in solution.unassigned])


def test_replan_from_status_events_keeps_work_done_and_under_way():
    problem, plan = tiny()
    problem = problem.model_copy(update={"now": t(10 + 5 / 60)})
    events = [JobCompleted(job_id="a1", at=t(9 + 5 / 60)), JobStarted(job_id="a3", at=t(9 + 50 / 60))]
    result = replan(problem, plan, events, ReplanOptions(time_limit_s=5))
    assert not validate(result.problem, result.solution)
    assert _placed(result.solution) == sorted(j.id for j in problem.jobs)
    routed = {s.job_id: (r.technician_id, s) for r in result.solution.routes for s in r.stops}
    assert not {"a1", "a2", "b1"} & set(routed)                      # done: not planned again
    assert result.solution.route_of("A").stops[0].job_id == "a3"      # under way: head of A ...
    assert (routed["a3"][1].start, routed["a3"][1].end) == (t(9 + 50 / 60), t(10 + 20 / 60))  # ... at its reported times
    assert result.solution.route_of("B").stops[0].job_id == "b2"      # on the way: kept
    assert [d.job_id for d in result.state.completed] == ["a1", "a2", "b1"]
    assert result.state.derived and result.state.in_progress == ["a3"] and result.state.dispatched == ["b2"]


def test_auto_derivation_and_the_stale_warning_when_not_derived():
    problem, plan = tiny()
    problem = problem.model_copy(update={"now": t(10 + 5 / 60)})
    derived = replan(problem, plan, [], ReplanOptions(time_limit_s=5))  # nothing marked: derived from the plan
    assert derived.state.derived and {d.job_id for d in derived.state.completed} == {"a1", "a2", "b1"}
    assert not validate(derived.problem, derived.solution)
    given = replan(problem, plan, [], ReplanOptions(time_limit_s=5, derive_state=False))
    assert not given.state.derived
    warning = [w for w in given.state.warnings if w.code == "plan_not_current"]
    assert warning and warning[0].job_ids == ["a1", "a2", "b1"]
    assert any("a1, a2, b1" in m for m in given.solution.warnings)


def sample_day() -> tuple[Problem, Solution, list, datetime]:
    problem = Problem.model_validate_json((ROOT / "data/demo_problem.json").read_text())
    plan = Solution.model_validate_json((ROOT / "data/replan/morning_plan.json").read_text())
    doc = json.loads((ROOT / "data/replan/events_1100.json").read_text())
    return problem, plan, EVENT_LIST.validate_python(doc["events"]), datetime.fromisoformat(doc["now"])


# Read off morning_plan.json by hand (stop times around 11:00), see data/replan/make_sample.py.
IN_PROGRESS_AT_11 = {"J015": "T09", "J041": "T11", "J046": "T08", "J049": "T05", "J075": "T06", "J087": "T03",
                     "J103": "T01", "J108": "T13", "J114": "T02", "J115": "T10"}
ON_THE_WAY_AT_11 = {"J027": "T12", "J028": "T07", "J030": "T14", "J080": "T04"}  # left, waiting for a 12:00 window
DONE_FROM_THE_PLAN = {"J003", "J024", "J034", "J056", "J101"}  # ended 10:45-11:00, or J101 (no event sent)


def test_sample_day_state_at_1100():
    problem, plan, events, now = sample_day()
    day = derive_state(problem, plan, events, now)
    running = {j.id: j.technician_id for j in day.problem.jobs if j.status == JobStatus.in_progress}
    assert running == IN_PROGRESS_AT_11
    assert {j.id: j.technician_id for j in day.problem.jobs if j.status == JobStatus.dispatched} == ON_THE_WAY_AT_11
    # J091 was planned to start at 10:53 but T02 is still on J114 (started late, 10:15).
    assert day.problem.job("J091").status == JobStatus.pending
    assert day.problem.job("J114").expected_end == datetime.fromisoformat("2026-11-24T11:15:00+02:00")
    by_source = {d.job_id: d.source for d in day.summary.completed}
    assert {j for j, s in by_source.items() if s == "plan"} == DONE_FROM_THE_PLAN
    assert sum(1 for s in by_source.values() if s == "event") == 43
    assert [(w.code, w.job_ids, w.technician_id) for w in day.summary.warnings] == [
        ("assumed_completed", ["J101"], None), ("stale_position", [], "T09")]


def test_sample_day_replan_at_1100():
    problem, plan, events, now = sample_day()
    problem = problem.model_copy(update={"now": now})
    problem.options.max_iterations = 300
    result = replan(problem, plan, events, ReplanOptions(time_limit_s=30))
    assert not validate(result.problem, result.solution)
    assert _placed(result.solution) == sorted([j.id for j in problem.jobs] + ["N1"])
    routed = {s.job_id: (r.technician_id, k, s) for r in result.solution.routes for k, s in enumerate(r.stops)}
    done = {d.job_id for d in result.state.completed}
    assert len(done) == 48 and not done & set(routed)
    for jid, tid in IN_PROGRESS_AT_11.items():  # the new plan does not touch work under way
        assert routed[jid][:2] == (tid, 0), jid
        if jid != "J114":
            old = next(s for r in plan.routes for s in r.stops if s.job_id == jid)
            assert routed[jid][2].start == old.start and routed[jid][2].end == old.end, jid
    assert routed["J114"][2].start == datetime.fromisoformat("2026-11-24T10:15:00+02:00")
    for jid, tid in ON_THE_WAY_AT_11.items():  # nor work a technician is on the way to (J080 is cancelled)
        if jid != "J080":
            assert routed[jid][:2] == (tid, 0), jid
    assert result.fixed is not None and all(result.fixed[t][0] == j for j, t in {**IN_PROGRESS_AT_11, **ON_THE_WAY_AT_11}.items() if j != "J080")
    assert "N1" in routed and "J080" not in routed
    causes = {c.job_id: c.cause_type for c in result.changes}
    assert causes["N1"] == "new_job" and causes["J080"] == "job_cancelled"
    assert not set(causes) & done
    codes = {u.job_id: u.code for u in result.solution.unassigned}
    assert all(codes[j] == "completed" for j in done) and codes["J080"] == "cancelled"


def test_chained_replans_derive_the_state_again_at_1200():
    """The answer of the 11:00 re-plan (its state and plan) is the input of a 12:00 re-plan with no
    new event: the state is derived again from the 11:00 plan (work it finished by 12:00 is done,
    what it has under way at 12:00 is in progress, not the 11:00 statuses), the jobs assumed done
    long ago are warned about, and nothing done is planned again."""
    problem, plan, events, now = sample_day()
    problem = problem.model_copy(update={"now": now})
    problem.options.max_iterations = 300
    first = replan(problem, plan, events, ReplanOptions(time_limit_s=30))
    noon = datetime.fromisoformat("2026-11-24T12:00:00+02:00")
    state = first.problem.model_copy(update={"now": noon})
    second = replan(state, first.solution, [], ReplanOptions(time_limit_s=30, derive_state=True))
    assert not validate(second.problem, second.solution)
    # Oracle: read off the 11:00 answer's routes directly.
    ended, running = set(), {}
    for route in first.solution.routes:
        for stop in route.stops:
            if stop.end <= noon:
                ended.add(stop.job_id)
                continue
            if stop.start <= noon:
                running[stop.job_id] = route.technician_id
            break
    done_before = {d.job_id for d in first.state.completed}
    assert {d.job_id for d in second.state.completed} == done_before | ended
    assert {j: second.problem.job(j).technician_id for j in second.state.in_progress} == running
    late = sorted(j for r in first.solution.routes for s in r.stops for j in [s.job_id] if s.end < noon - timedelta(minutes=30))
    warned = [w.job_ids for w in second.state.warnings if w.code == "assumed_completed"]
    assert sorted(warned[0] if warned else []) == late
    routed = {s.job_id for r in second.solution.routes for s in r.stops}
    assert not routed & (done_before | ended)
    assert all(second.solution.route_of(t).stops[0].job_id == j for j, t in running.items())
