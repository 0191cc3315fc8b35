"""Re-planning on a small real instance (real OR-Tools solves, short time limits): identity
without events, frozen and in-progress work kept, each event type, the changes list, and the
validator on every answer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from benchmarks.simulated_day import advance, fixed_violations, replan_violations
from optimizer.models import Problem
from optimizer.models.job import JobStatus
from optimizer.replan import (
    JobCancelled,
    JobOverrun,
    NewJob,
    ReplanOptions,
    ShiftExtended,
    TechnicianDelayed,
    TechnicianUnavailable,
    replan,
)
from optimizer.solve import solve
from tests import explicit as x
from tests import factories as f
from tests.oracle import Oracle
from tests.replan.conftest import at
from tests.solvers.test_oracle_optimum import KNOWN_MISS

FAST = ReplanOptions(time_limit_s=0.5)


def _check(state, previous, result):
    violations = replan_violations(result)
    assert not violations, violations
    assert not fixed_violations(state, previous, result)
    placed = [s.job_id for r in result.solution.routes for s in r.stops] + [u.job_id for u in result.solution.unassigned]
    assert sorted(placed) == sorted(j.id for j in result.problem.jobs)


def test_no_events_returns_the_identical_plan(day, morning):
    problem, plan = day
    result = replan(problem, plan, [], FAST)
    assert result.solution == plan and result.changes == []
    # Mid-morning, executed as planned: the plan still fits the state.
    state, _ = morning
    current = plan.model_copy(deep=True)
    current.routes = []
    for route in plan.routes:
        kept = [s for s in route.stops if state.job(s.job_id).status != JobStatus.completed]
        current.routes.append(route.model_copy(update={"stops": kept}) if kept else route.model_copy(update={"stops": []}))
    result = replan(state, plan, [], FAST)
    assert result.changes == []
    assert [(r.technician_id, [(s.job_id, s.start) for s in r.stops]) for r in result.solution.routes] == \
        [(r.technician_id, [(s.job_id, s.start) for s in r.stops]) for r in current.routes]


def test_fixed_heads_are_kept(morning):
    state, plan = morning
    result = replan(state, plan, [NewJob(job=f.job("n1", loc=f.point(0.5, 0.5), priority="urgent", sla_deadline=f.at(12)))], FAST)
    _check(state, plan, result)
    heads = {j.id: j for j in state.jobs if j.status in (JobStatus.in_progress, JobStatus.dispatched)}
    assert heads, "the fixture should have work in progress at 10:00"
    new_at = {s.job_id: (r.technician_id, s.start) for r in result.solution.routes for s in r.stops}
    old_at = {s.job_id: (r.technician_id, s.start) for r in plan.routes for s in r.stops}
    for jid, job in heads.items():
        assert new_at[jid][0] == job.technician_id
        if job.status == JobStatus.in_progress:
            assert new_at[jid][1] == old_at[jid][1]
    completed = {j.id for j in state.jobs if j.status == JobStatus.completed}
    assert not completed & set(new_at)
    assert {u.job_id for u in result.solution.unassigned if u.code == "completed"} == completed


def test_urgent_job_meets_its_sla_with_few_changes(morning):
    state, plan = morning
    urgent = f.job("urgent", loc=f.point(0.2, -0.3), duration_min=20, skills={"electrical": 1}, priority="urgent", sla_deadline=f.at(11.5))
    result = replan(state, plan, [NewJob(job=urgent)], FAST)
    _check(state, plan, result)
    stop = next(s for r in result.solution.routes for s in r.stops if s.job_id == "urgent")
    assert stop.sla_met is True
    receiver = result.solution.assignment()["urgent"]
    kinds = [(c.kind, c.job_id) for c in result.changes]
    assert ("assigned", "urgent") in kinds
    # Nothing moves between technicians; only the receiving technician's later stops may shift.
    assert not [c for c in result.changes if c.kind in ("reassigned", "unassigned")]
    for change in result.changes:
        if change.kind == "time_shifted":
            assert change.to_technician == receiver and change.cause == 0
    assert len(result.changes) <= 1 + len(result.solution.route_of(receiver).stops)


def test_cancellation_is_unassigned_and_stays_cancelled(morning):
    state, plan = morning
    victim = next(s.job_id for r in plan.routes for s in r.stops if state.job(s.job_id).status == JobStatus.pending)
    result = replan(state, plan, [JobCancelled(job_id=victim)], FAST)
    _check(state, plan, result)
    entry = next(u for u in result.solution.unassigned if u.job_id == victim)
    assert entry.code == "cancelled"
    assert any(c.job_id == victim and c.kind == "unassigned" and c.cause == 0 for c in result.changes)
    # Next re-plan (later, no events): still cancelled, never routed.
    later = advance(result.problem, result.solution, at(10.5), freeze_min=20)
    again = replan(later, result.solution, [TechnicianDelayed(technician_id="A", minutes=5)], FAST)
    assert next(u for u in again.solution.unassigned if u.job_id == victim).code == "cancelled"


def test_overrun_moves_the_rest_of_the_route(morning):
    state, plan = morning
    running = [j for j in state.jobs if j.status == JobStatus.in_progress]
    assert running
    job = running[0]
    result = replan(state, plan, [JobOverrun(job_id=job.id, minutes=40)], FAST)
    _check(state, plan, result)
    route = result.solution.route_of(job.technician_id)
    assert route.stops[0].job_id == job.id
    assert route.stops[0].end == job.expected_end + timedelta(minutes=40)
    if len(route.stops) > 1:
        assert route.stops[1].start >= route.stops[0].end


def test_delay_pushes_the_next_arrival():
    """Hand-given matrix: A left j2's site at 08:40 for j1 (10 min away, window from 09:00),
    then j3. At 08:45 A reports 25 min of delay: the arrival at j1 moves from 08:50 to 09:15,
    so j1 runs 09:15-09:45 and j3 (10 min further) starts at 09:55."""
    d = [[0, 1800, 600, 1200], [1800, 0, 600, 600], [600, 600, 0, 1200], [1200, 600, 1200, 0]]
    p = x.problem(d, [x.tech("A", 0)], [
        x.job("j1", 1, 30, time_windows=[x.window(9, 12)]),
        x.job("j2", 2, 30, sla_deadline=f.at(8 + 40 / 60)),
        x.job("j3", 3, 30, sla_deadline=f.at(11)),
    ])
    plan = solve(p)
    assert [s.job_id for s in plan.route_of("A").stops] == ["j2", "j1", "j3"]
    old = {s.job_id: s for s in plan.route_of("A").stops}
    assert old["j1"].arrival == at(8 + 50 / 60)
    state = advance(p, plan, at(8.75))
    assert state.job("j1").status == JobStatus.dispatched
    result = replan(state, plan, [TechnicianDelayed(technician_id="A", minutes=25)], FAST)
    _check(state, plan, result)
    new = {s.job_id: s for s in result.solution.route_of("A").stops}
    assert list(new) == ["j1", "j3"]
    assert new["j1"].arrival == old["j1"].arrival + timedelta(minutes=25)
    assert (new["j1"].start, new["j1"].end) == (at(9.25), at(9.75))
    assert new["j3"].start == at(9 + 55 / 60)


def test_sick_technician_loses_its_work(morning):
    state, plan = morning
    tech = max(plan.routes, key=lambda r: len(r.stops)).technician_id
    result = replan(state, plan, [TechnicianUnavailable(technician_id=tech, reason="sick")], FAST)
    _check(state, plan, result)
    assert not result.solution.route_of(tech).stops
    moved = [c for c in result.changes if c.from_technician == tech]
    assert moved and all(c.cause == 0 and c.kind in ("reassigned", "unassigned") for c in moved)


def test_shift_extension_lets_more_work_in():
    """B's shift ends at 10:00: two of three 45-min jobs (5 min away) fit, the low one is left
    out for capacity. At 08:30, with the shift extended to 12:00, all three are served by B,
    who is back after 10:00 and by 12:00."""
    p = x.problem(x.uniform(2, 300), [x.tech("B", 0, 8, 10)],
                  [x.job(f"j{i}", 1, 45, priority=prio) for i, prio in enumerate(["high", "normal", "low"])])
    plan = solve(p)
    assert {u.job_id: u.code for u in plan.unassigned} == {"j2": "capacity"}
    state = advance(p, plan, at(8.5))
    result = replan(state, plan, [ShiftExtended(technician_id="B", new_end=f.at(12))], FAST)
    _check(state, plan, result)
    assert result.problem.technician("B").shift.end == at(12)
    assert result.solution.unassigned == []
    route = result.solution.route_of("B")
    assert sorted(s.job_id for s in route.stops) == ["j0", "j1", "j2"]
    assert at(10) < route.end <= at(12)
    assert any(c.job_id == "j2" and c.kind == "assigned" for c in result.changes)


def test_never_worse_than_the_repaired_previous_plan():
    """The guarantee, checked from outside: the answer costs no more (under the re-plan
    objective, costed by the independent oracle) than the previous plan with the new job at its
    best place. The problem is one where the engine's own search, unseeded, misses the previous
    plan (see ``test_known_miss_a_fixed_break_forces_waiting``; measured 14440 vs 9568), so a
    broken seed shows here."""
    p = Problem.model_validate_json(KNOWN_MISS)
    p.now = at(8)
    previous = solve(p, initial_routes={"t0": ["j0", "j1"], "t1": ["j3", "j2"]})
    before = {r.technician_id: [s.job_id for s in r.stops] for r in previous.routes}
    assert before == {"t0": ["j0", "j1"], "t1": ["j3", "j2"]}
    result = replan(p, previous, [NewJob(job=x.job("n", 4, 15, priority="low"))], FAST)
    _check(p, previous, result)
    oracle = Oracle.of(result.derived)
    options = [before]
    for tid, seq in before.items():
        for k in range(len(seq) + 1):
            options.append({**before, tid: seq[:k] + ["n"] + seq[k:]})
    costs = []
    for plan in options:
        try:
            costs.append(oracle.plan_cost(plan))
        except AssertionError:  # infeasible insertion
            pass
    objective = result.solution.solver.objective
    assert objective == pytest.approx(oracle.solution_cost(result.solution), abs=0.011)
    assert objective <= min(costs) + 0.011
