"""Re-planning on a small real instance (real OR-Tools solves, short time limits): identity
without events, frozen and in-progress work kept, each event type, the changes list, and the
validator on every answer."""

from __future__ import annotations

from datetime import timedelta

from benchmarks.simulated_day import advance, fixed_violations, replan_violations
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
from tests import factories as f
from tests.replan.conftest import at

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


def test_delay_pushes_the_next_arrival(morning):
    state, plan = morning
    tech = next(r.technician_id for r in plan.routes if r.stops)
    result = replan(state, plan, [TechnicianDelayed(technician_id=tech, minutes=25)], FAST)
    _check(state, plan, result)
    before = {s.job_id: s.start for s in plan.route_of(tech).stops}
    after = result.solution.route_of(tech)
    first_open = next((s for s in after.stops if state.job(s.job_id).status != JobStatus.in_progress), None)
    if first_open is not None and first_open.job_id in before:
        assert first_open.arrival >= before[first_open.job_id] - timedelta(minutes=60)  # sanity
        assert first_open.start >= min(before[first_open.job_id], first_open.arrival)


def test_sick_technician_loses_its_work(morning):
    state, plan = morning
    tech = max(plan.routes, key=lambda r: len(r.stops)).technician_id
    result = replan(state, plan, [TechnicianUnavailable(technician_id=tech, reason="sick")], FAST)
    _check(state, plan, result)
    assert not result.solution.route_of(tech).stops
    moved = [c for c in result.changes if c.from_technician == tech]
    assert moved and all(c.cause == 0 and c.kind in ("reassigned", "unassigned") for c in moved)


def test_shift_extension_lets_more_work_in(morning):
    state, plan = morning
    result = replan(state, plan, [ShiftExtended(technician_id="B", new_end=f.at(18))], FAST)
    _check(state, plan, result)
    assert result.problem.technician("B").shift.end.hour == 18


def test_never_worse_than_the_repaired_previous_plan(morning):
    """The answer's objective (on the derived problem) is at most that of the previous plan's
    remaining routes after the pipeline's repair, computed independently here."""
    from optimizer.geo.matrix import build_problem_matrix
    from optimizer.solve import prepare
    from optimizer.solvers.costs import COST_SCALE, build_cost_model
    from optimizer.solvers.objective import plan_cost
    from optimizer.solvers.plan import build_plan
    from optimizer.solvers.precheck import precheck

    state, plan = morning
    events = [NewJob(job=f.job("n2", loc=f.point(1, -1), priority="high", sla_deadline=f.at(13))),
              TechnicianDelayed(technician_id="C", minutes=30)]
    result = replan(state, plan, events, FAST)
    derived = result.derived
    cp = prepare(derived, *build_problem_matrix(derived))
    rejections = precheck(cp)
    costs = build_cost_model(cp)
    index = {j.id: j.index for j in cp.jobs}
    seqs = [[index[s.job_id] for s in plan.route_of(t.id).stops if s.job_id in index] for t in cp.techs]
    repaired = build_plan(cp, costs, seqs, rejections)
    dropped = {u.job_id for u in repaired.unassigned} - {r.job_id for r in rejections}
    cost = plan_cost(cp, costs, [r.schedule for r in repaired.routes], [j for j in cp.jobs if j.id in dropped]) / COST_SCALE
    assert result.solution.solver.objective <= cost + 1e-6
