"""Re-planning: previous plan + events in, new plan + ``changes[]`` out.

Frozen work is a problem transformation, not an engine change:

1. apply the events to the problem state (:mod:`optimizer.replan.apply`);
2. fix each technician's head (in-progress job, dispatched job, stops before ``freeze_until``)
   and time it (:mod:`optimizer.replan.freeze`);
3. derive the problem the engine solves: the other jobs only; each technician available at the
   end of its head, at its last fixed stop, with the breaks it has not taken yet and what is left
   of ``max_jobs`` and van stock; each previously assigned job preferring its previous technician
   at the ``stability`` weight;
4. solve it seeded with the previous plan's remaining routes (``solve(..., initial_routes=...)``:
   the answer is never worse, under the derived objective, than that plan after repair);
5. concatenate head + new suffix per technician; list cancelled and completed jobs as
   unassigned; diff against the previous plan.

With no events and a previous plan that still fits the state, the previous plan is returned
unchanged. ``ReplanResult.problem`` is the state the new plan answers: validate against it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional, Sequence

from optimizer.geo.matrix import PointIndex, TravelMatrix, build_problem_matrix
from optimizer.models import BreakSlot, Problem, Route, Solution, SolverInfo, Stop, Technician, Timebase, Unassigned
from optimizer.models.job import JobStatus
from optimizer.models.timebase import minutes_to_s
from optimizer.progress import ProgressCallback
from optimizer.replan.apply import AppliedEvents, ReplanError, apply_events, validated
from optimizer.replan.changes import Change, diff_plans
from optimizer.replan.events import Event
from optimizer.replan.freeze import FixedHead, HeadBuilder
from optimizer.replan.options import ReplanOptions
from optimizer.replan.state import StateSummary, as_given, derive_state, should_derive


@dataclass
class ReplanResult:
    problem: Problem
    """The state after the events, as answered by ``solution`` (validate against this)."""
    solution: Solution
    changes: list[Change]
    derived: Optional[Problem] = None
    """What the engine solved (None when the previous plan was returned unchanged)."""
    fixed: Optional[dict[str, list[str]]] = None
    """Technician id -> job ids of its fixed head, in order."""
    state: Optional[StateSummary] = None
    """The state of the day the re-plan started from (derived or given), with its warnings."""


def plan_is_current(problem: Problem, plan: Solution) -> bool:
    """Does ``plan`` still describe ``problem``'s state: every job exactly once, nothing completed
    routed, in-progress/dispatched jobs at the head of their technician's route, and nothing
    else starting (or departing) before ``now``?"""
    jobs = {j.id: j for j in problem.jobs}
    techs = {t.id for t in problem.technicians}
    seen: set[str] = set()
    for route in plan.routes:
        if route.technician_id not in techs:
            return False
        head = True
        for k, stop in enumerate(route.stops):
            job = jobs.get(stop.job_id)
            if job is None or job.id in seen or job.status == JobStatus.completed:
                return False
            seen.add(job.id)
            fixed = job.status in (JobStatus.in_progress, JobStatus.dispatched)
            if fixed and (not head or job.technician_id != route.technician_id):
                return False
            head = head and fixed
            if not fixed and problem.now is not None and (stop.start < problem.now or (k == 0 and route.start is not None and route.start < problem.now)):
                return False
    for entry in plan.unassigned:
        if entry.job_id not in jobs or entry.job_id in seen:
            return False
        seen.add(entry.job_id)
    placed = {s.job_id for r in plan.routes for s in r.stops}
    for job in problem.jobs:
        if job.status in (JobStatus.in_progress, JobStatus.dispatched) and job.id not in placed:
            return False
    return seen == set(jobs)


def replan(
    problem: Problem,
    previous: Solution,
    events: Sequence[Event] = (),
    options: Optional[ReplanOptions] = None,
    matrix: Optional[TravelMatrix] = None,
    points: Optional[PointIndex] = None,
    progress: Optional[ProgressCallback] = None,
) -> ReplanResult:
    """Re-plan ``problem`` after ``events`` starting from ``previous`` (``progress``: see
    :mod:`optimizer.progress`; the search covers the open jobs only). Raises
    :class:`ReplanError` (a ValueError) for events naming unknown jobs or technicians.

    The state of the day is first derived from ``previous`` and the status events when
    ``options.derive_state`` says so (see :func:`optimizer.replan.state.derive_state`);
    ``ReplanResult.state`` tells what was taken as completed, in progress and dispatched."""
    t0 = time.perf_counter()
    several = [i for i, t in enumerate(problem.technicians) if t.shifts is not None]
    if several:
        raise ReplanError(f"technicians.{several[0]}.shifts: re-planning a problem with several shifts per technician "
                          "(multi-day horizon) is not supported yet; re-plan the day as a one-shift problem")
    options = options or ReplanOptions()
    events = list(events)
    if should_derive(problem, previous, events, options.derive_state):
        day = derive_state(problem, previous, events, stale_after_min=options.stale_after_min,
                           position_max_age_min=options.position_max_age_min)
        problem, summary = day.problem, day.summary
    else:
        summary = as_given(problem, previous)
    result = _replan(problem, previous, events, options, matrix, points, t0, progress)
    result.state = summary
    result.solution.warnings.extend(w.message for w in summary.warnings)
    return result


def _replan(problem: Problem, previous: Solution, events: list[Event], options: ReplanOptions,
            matrix: Optional[TravelMatrix], points: Optional[PointIndex], t0: float,
            progress: Optional[ProgressCallback] = None) -> ReplanResult:
    from optimizer.kpis import compute_kpis
    from optimizer.solve import solve

    if not events and plan_is_current(problem, previous):
        return ReplanResult(problem, previous.model_copy(deep=True), [])
    applied = apply_events(problem, previous, events)
    state = validated(applied.problem)
    applied.problem = state
    if matrix is None or points is None or not _covers(state, points):
        matrix, points = build_problem_matrix(state)
    builder = HeadBuilder(applied, previous, matrix, points)
    heads = {t.id: builder.build(t) for t in state.technicians}
    answered = _answered_problem(state, heads)
    derived = _derived_problem(state, heads, applied, previous, options, matrix, points)
    if derived is None:  # nobody can work any more: every open job is unassigned
        suffix = Solution(unassigned=[Unassigned(job_id=j.id, reason="no technician is available for the rest of the day", code="capacity") for j in _open_jobs(state, heads, applied)])
    elif not events:
        # Nothing happened: bring the plan up to date (fixed heads, completed work out, stops
        # that can no longer be kept repaired) without searching, so nothing else moves.
        suffix = _repaired_solution(derived, previous, matrix, points)
    else:
        initial = _repaired_seed(derived, previous, matrix, points) if options.seed_previous else None
        suffix = solve(derived, matrix, points, initial_routes=initial, progress=progress)
    solution = _combine(answered, heads, suffix, applied, matrix, points)
    solution.kpis = compute_kpis(answered, solution)
    info = suffix.solver
    solution.solver = SolverInfo(
        engine=info.engine if info else "native",
        wall_time_s=round(time.perf_counter() - t0, 3),
        objective=info.objective if info else None,
        status=("replan: " + info.status) if info else "replan",
        matrix_source=matrix.source,
        matrix_time_s=info.matrix_time_s if info else None,
        iterations=info.iterations if info else None,
        search_time_s=info.search_time_s if info else None,
        compile_time_s=info.compile_time_s if info else None,
    )
    solution.warnings = list(suffix.warnings)
    for h in heads.values():
        for old, new in h.postponed:
            solution.warnings.append(f"{h.tech_id}: break window closed during fixed work; break postponed to start by {new.latest_start.isoformat()}")
    released = [jid for h in heads.values() for jid in h.released]
    if released:
        solution.warnings.append(f"fixed work released back to the pool (no longer feasible as planned): {', '.join(released)}")
    changes = diff_plans(answered, previous, solution, applied, events, options.shift_threshold_min)
    return ReplanResult(answered, solution, changes, derived, {t: h.job_ids for t, h in heads.items() if h.stops})


def _repaired_solution(derived: Problem, previous: Solution, matrix: TravelMatrix, points: PointIndex) -> Solution:
    """The previous plan's remaining routes after the pipeline's repair, as a Solution (no search)."""
    from optimizer.solve import COST_SCALE, assemble, objective

    cp, costs, rejections, plan = _repair(derived, previous, matrix, points)
    solution = assemble(cp, costs, plan, 0)
    solution.solver = SolverInfo(engine="repair", wall_time_s=0.0, objective=objective(cp, costs, plan, rejections) / COST_SCALE,
                                 status="no events: previous plan kept", matrix_source=matrix.source)
    return solution


def _repaired_seed(derived: Problem, previous: Solution, matrix: TravelMatrix, points: PointIndex) -> dict[str, list[str]]:
    """The previous plan's remaining routes, re-timed and repaired by the pipeline's own repair
    step (infeasible stops out, left-out and new jobs inserted at their cheapest feasible
    place): a seed the engine accepts, and the plan the answer is never worse than."""
    plan = _repair(derived, previous, matrix, points)[3]
    return {state.tech.id: [j.id for j in state.jobs] for state in plan.routes}


def _repair(derived: Problem, previous: Solution, matrix: TravelMatrix, points: PointIndex):
    """The previous plan's remaining sequences through the pipeline's public steps."""
    from optimizer.solve import build_cost_model, precheck, prepare, repair

    cp = prepare(derived, matrix, points)
    rejections = precheck(cp)
    costs = build_cost_model(cp)
    rejected = {r.job_id for r in rejections}  # unassigned with the pre-check's reason, not twice
    index = {j.id: j.index for j in cp.jobs if j.id not in rejected}
    sequences = []
    for tech in cp.techs:
        route = previous.route_of(tech.id)
        sequences.append([index[s.job_id] for s in route.stops if s.job_id in index] if route is not None else [])
    return cp, costs, rejections, repair(cp, costs, sequences, rejections)


def _open_jobs(state: Problem, heads: dict[str, FixedHead], applied: AppliedEvents):
    fixed = {jid for h in heads.values() for jid in h.job_ids}
    return [j for j in state.jobs if j.status != JobStatus.completed and j.id not in applied.cancelled and j.id not in fixed]


def _can_work(tech, matrix: TravelMatrix, points: PointIndex, tb: Timebase, now) -> bool:
    """Can the technician leave and still be back by its shift end (else the engine has no
    feasible empty route for it)?"""
    ready = max(x for x in (tech.one_shift.start, tech.available_from, now) if x is not None)
    home = int(matrix.durations_s[points.index_of(tech.route_start_location), points.index_of(tech.route_end_location)])
    return tb.to_s_ceil(ready) + home <= tb.to_s(tech.one_shift.end)


def _covers(problem: Problem, points: PointIndex) -> bool:
    try:
        for _, loc in problem.iter_locations():
            points.index_of(loc)
    except KeyError:
        return False
    return True


def _answered_problem(state: Problem, heads: dict[str, FixedHead]) -> Problem:
    """The state with each technician's route start (``current_location``) and in-progress
    durations set as the new plan reports them."""
    out = state.model_copy(deep=True)
    for tech in out.technicians:
        head = heads[tech.id]
        if head.start_location.key() != tech.route_start_location.key():
            tech.current_location = head.start_location
        for old, new in head.postponed:
            tech.breaks = [new if b == old else b for b in tech.breaks]
    for job in out.jobs:
        for head in heads.values():
            if job.id in head.effective_duration_s:
                job.duration_min = head.effective_duration_s[job.id] / 60.0
    return out


def _after_head(tech: Technician, head: FixedHead, tb: Timebase) -> None:
    """The technician as the engine sees it once its fixed head is done: where and from when it
    is free, the parts and job count left, the breaks still to take."""
    if head.stops:
        tech.current_location = head.end_location
        ready: Optional[int] = head.stops[-1].end_s
        if head.ready_s is not None:
            ready = max(head.stops[-1].end_s, head.ready_s)
        for stop in head.stops:
            for part, units in stop.job.parts.items():
                tech.parts[part] = max(0, tech.parts.get(part, 0) - units)
        if tech.max_jobs is not None:
            tech.max_jobs = max(0, tech.max_jobs - len(head.stops))
    else:
        tech.current_location = head.start_location
        ready = head.ready_s
    if ready is not None:
        instant = tb.to_datetime(ready)
        if tech.available_from is None or instant > tech.available_from:
            tech.available_from = instant
    tech.breaks = list(head.remaining_breaks)


def _derived_problem(state: Problem, heads: dict[str, FixedHead], applied: AppliedEvents, previous: Solution, options: ReplanOptions,
                     matrix: TravelMatrix, points: PointIndex) -> Optional[Problem]:
    """The problem the engine solves (None when no technician can work any more)."""
    tb = Timebase(state.planning_origin())
    fixed = {jid for h in heads.values() for jid in h.job_ids}
    prev_tech = {s.job_id: r.technician_id for r in previous.routes for s in r.stops}
    out = state.model_copy(deep=True)
    out.freeze_until = None
    for tech in out.technicians:
        _after_head(tech, heads[tech.id], tb)
    jobs = []
    for job in out.jobs:
        if job.status == JobStatus.completed or job.id in applied.cancelled or job.id in fixed:
            continue
        job.status, job.technician_id, job.expected_end = JobStatus.pending, None, None
        if options.stability > 0 and job.id in prev_tech and job.pinned_technician is None:
            job.preferred_technicians = [prev_tech[job.id]]
            job.excluded_technicians = [t for t in job.excluded_technicians if t != prev_tech[job.id]]
        jobs.append(job)
    out.jobs = jobs
    out.technicians = [t for t in out.technicians if _can_work(t, matrix, points, tb, out.now)]
    if not out.technicians:
        return None
    working = {t.id for t in out.technicians}
    for job in out.jobs:
        job.preferred_technicians = [t for t in job.preferred_technicians if t in working]
        job.excluded_technicians = [t for t in job.excluded_technicians if t in working]
        if job.pinned_technician is not None and job.pinned_technician not in working:
            job.pinned_technician = None
            job.excluded_technicians = sorted(working)  # nobody else may do it: the pre-check explains
    opts = out.options
    if options.stability > 0:
        opts.weights.non_preferred_technician = options.stability
    if options.time_limit_s is not None:
        opts.time_limit_s = options.time_limit_s
    opts.candidates_per_job = options.candidates_per_job
    return validated(out)


def _fixed_stop(tb: Timebase, fixed, breaks: list[tuple[int, int]]) -> Stop:
    job = fixed.job
    in_gap = sum(min(e, fixed.start_s) - max(s, fixed.arrival_s) for s, e in breaks if s < fixed.start_s and e > fixed.arrival_s)
    deadline = tb.to_s(job.sla_deadline) if job.sla_deadline is not None else None
    return Stop(
        job_id=job.id,
        arrival=tb.to_datetime(fixed.arrival_s),
        start=tb.to_datetime(fixed.start_s),
        end=tb.to_datetime(fixed.end_s),
        travel_time_s=fixed.travel_s,
        distance_m=fixed.distance_m,
        waiting_time_s=max(0, fixed.start_s - fixed.arrival_s - in_gap),
        sla_met=None if deadline is None else fixed.end_s <= deadline,
        lateness_s=0 if deadline is None else max(0, fixed.end_s - deadline),
    )


def _combine(answered: Problem, heads: dict[str, FixedHead], suffix: Solution, applied: AppliedEvents, matrix: TravelMatrix, points: PointIndex) -> Solution:
    tb = Timebase(answered.planning_origin())
    routes = []
    for tech in answered.technicians:
        head = heads[tech.id]
        tail = suffix.route_of(tech.id) or Route(technician_id=tech.id)
        if not head.stops:
            if tail.stops and head.breaks:
                tail = tail.model_copy(update={"breaks": sorted([BreakSlot(start=tb.to_datetime(s), end=tb.to_datetime(e)) for s, e in head.breaks] + tail.breaks, key=lambda b: b.start)})
            routes.append(tail)
            continue
        slots = list(head.breaks)
        stops = [_fixed_stop(tb, f, slots) for f in head.stops] + list(tail.stops)
        if tail.stops:
            end, back_s, back_m = tail.end, tail.return_travel_time_s, tail.return_distance_m
            extra = [(tb.to_s(b.start), tb.to_s(b.end)) for b in tail.breaks]
        else:
            end_s, back_s, back_m, extra = _go_home(tech, head, tb, matrix, points)
            end = tb.to_datetime(end_s)
        slots = sorted(slots + extra)
        travel = sum(s.travel_time_s for s in stops) + back_s
        service = sum(int(round((s.end - s.start).total_seconds())) for s in stops)
        routes.append(Route(
            technician_id=tech.id,
            start=tb.to_datetime(_departure_of(head)),
            end=end,
            stops=stops,
            breaks=[BreakSlot(start=tb.to_datetime(s), end=tb.to_datetime(e)) for s, e in slots],
            travel_time_s=travel,
            distance_m=sum(s.distance_m for s in stops) + back_m,
            work_time_s=travel + service,
            return_travel_time_s=back_s,
            return_distance_m=back_m,
        ))
    unassigned = list(suffix.unassigned)
    for job in answered.jobs:
        if job.id in applied.cancelled:
            idx = applied.cancelled[job.id]
            why = f"cancelled (event #{idx})" if idx is not None else "cancelled in an earlier re-plan"
            unassigned.append(Unassigned(job_id=job.id, reason=why, code="cancelled"))
        elif job.status == JobStatus.completed:
            unassigned.append(Unassigned(job_id=job.id, reason="already completed; not planned again", code="completed"))
    return Solution(routes=routes, unassigned=unassigned)


def _go_home(tech, head: FixedHead, tb: Timebase, matrix: TravelMatrix, points: PointIndex) -> tuple[int, int, int, list[tuple[int, int]]]:
    """Return leg after a fixed head with nothing after it: remaining breaks before leaving
    (when their window opens before the arrival home), the others after arriving."""
    last = points.index_of(head.end_location)
    home = points.index_of(tech.route_end_location)
    drive, meters = int(matrix.durations_s[last, home]), int(matrix.distances_m[last, home])
    clock = head.stops[-1].end_s
    slots = []
    later = []
    for brk in sorted(head.remaining_breaks, key=lambda b: b.earliest_start):
        earliest, length = tb.to_s_ceil(brk.earliest_start), minutes_to_s(brk.duration_min)
        if earliest <= clock + drive:
            start = max(clock, earliest)
            slots.append((start, start + length))
            clock = start + length
        else:
            later.append((earliest, length))
    arrive = clock + drive
    for earliest, length in later:
        start = max(arrive, earliest, slots[-1][1] if slots else arrive)
        slots.append((start, start + length))
    return arrive, drive, meters, slots


def _departure_of(head: FixedHead) -> int:
    """A head with stops has its departure set by the freezing step."""
    assert head.departure_s is not None, "a fixed head with stops has a departure"
    return head.departure_s
