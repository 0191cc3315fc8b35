"""Recommend technicians for new (urgent) jobs without re-solving the plan.

Given the problem (which holds the plan's jobs and the new ones), the current plan (routes as
returned by ``solve``) and the ids of new jobs, return for each new job the ranked feasible
insertions: technician, position, arrival/start/end, extra travel, SLA, and the delay it causes
to the technician's later stops. Each new job is evaluated against the current plan on its own.
"""

from __future__ import annotations

from typing import Optional, Sequence

from optimizer.geo.matrix import PointIndex, TravelMatrix
from optimizer.i18n import Msg, translate
from optimizer.models import Problem, Solution
from optimizer.models.recommendation import JobRecommendation, RecommendationOption, ShiftedStop
from optimizer.solve import prepare
from optimizer.solvers.costs import COST_SCALE, build_cost_model
from optimizer.solvers.insertion import Insertion, InsertionIndex, RouteState
from optimizer.solvers.plan import explain_unserved
from optimizer.solvers.precheck import precheck
from optimizer.solvers.schedule import Infeasible


class RecommendationError(ValueError):
    """The request does not fit the problem (unknown job, job already planned, bad plan)."""


def recommend(
    problem: Problem,
    plan: Solution,
    job_ids: Sequence[str],
    max_results: int = 5,
    matrix: Optional[TravelMatrix] = None,
    points: Optional[PointIndex] = None,
) -> list[JobRecommendation]:
    cp = prepare(problem, matrix, points)
    jobs = cp.job_by_id()
    techs = cp.tech_by_id()
    planned = plan.assignment()
    for jid in job_ids:
        if jid not in jobs:
            raise RecommendationError(f"job_ids: unknown job {jid!r} (it must be in problem.jobs)")
        if jid in planned:
            raise RecommendationError(f"job_ids: job {jid!r} is already in the plan (technician {planned[jid]})")
    routes: list[RouteState] = []
    by_key = {(r.technician_id, r.shift_index): r for r in plan.routes}
    for tech in cp.techs:
        route = by_key.get(tech.key)
        seq = [jobs[s.job_id] for s in route.stops] if route is not None else []
        for s in route.stops if route is not None else []:
            if s.job_id not in jobs:
                raise RecommendationError(f"plan: route of {tech.id} holds unknown job {s.job_id!r}")
        state = RouteState.build(tech, seq, cp.durations)
        if isinstance(state, Infeasible):
            raise RecommendationError(f"plan: the route of technician {tech.id} is not feasible: {state.message}")
        routes.append(state)
    for route in plan.routes:
        if route.technician_id not in techs:
            raise RecommendationError(f"plan: unknown technician {route.technician_id!r}")

    new_jobs = [jobs[jid] for jid in job_ids]
    rejected = {r.job_id: r for r in precheck(cp, new_jobs)}
    costs = build_cost_model(cp)
    language = cp.problem.options.language
    index = InsertionIndex(cp, costs, routes)
    out = []
    for job in new_jobs:
        if job.id in rejected:
            out.append(JobRecommendation(job_id=job.id, reason=translate(rejected[job.id].reason, language)))
            continue
        found = index.best(job, k=max_results)
        if not found:
            out.append(JobRecommendation(job_id=job.id, reason=translate(explain_unserved(cp, routes, job).reason, language)))
            continue
        out.append(JobRecommendation(job_id=job.id, options=[_option(cp, ins, rank, costs.units_per_weight) for rank, ins in enumerate(found, 1)]))
    return out


def _option(cp, ins: Insertion, rank: int, units_per_weight: int = COST_SCALE) -> RecommendationOption:
    tb = cp.timebase
    stop = ins.stop
    old = ins.route.schedule.stops
    shifted = []
    for before, after in zip(old[ins.position :], ins.schedule.stops[ins.position + 1 :]):
        if after.start_s != before.start_s:
            shifted.append(
                ShiftedStop(
                    job_id=after.job.id,
                    old_start=tb.to_datetime(before.start_s),
                    new_start=tb.to_datetime(after.start_s),
                    delay_s=after.start_s - before.start_s,
                    sla_met=None if after.job.deadline_s is None else after.end_s <= after.job.deadline_s,
                )
            )
    return RecommendationOption(
        technician_id=ins.route.tech.id,
        shift_index=ins.route.tech.shift_index,
        rank=rank,
        position=ins.position,
        arrival=tb.to_datetime(stop.arrival_s),
        start=tb.to_datetime(stop.start_s),
        end=tb.to_datetime(stop.end_s),
        extra_travel_time_s=ins.extra_travel_s,
        sla_met=None if ins.job.deadline_s is None else stop.end_s <= ins.job.deadline_s,
        lateness_s=stop.lateness_s,
        cost=ins.cost / units_per_weight,
        shifted_stops=shifted,
    )


def accept_recommendation(
    problem: Problem,
    plan: Solution,
    job_id: str,
    technician_id: str,
    position: int,
    matrix: Optional[TravelMatrix] = None,
    points: Optional[PointIndex] = None,
) -> Solution:
    """The plan with ``job_id`` inserted into ``technician_id``'s route before stop ``position``,
    re-timed; other routes unchanged. Raises :class:`RecommendationError` if that is infeasible."""
    from optimizer.kpis import compute_kpis
    from optimizer.models import Unassigned
    from optimizer.solvers.render import render_route

    cp = prepare(problem, matrix, points)
    jobs = cp.job_by_id()
    if job_id not in jobs:
        raise RecommendationError(f"job_id: unknown job {job_id!r}")
    if job_id in plan.assignment():
        raise RecommendationError(f"job_id: job {job_id!r} is already in the plan")
    if technician_id not in cp.tech_by_id():
        raise RecommendationError(f"technician_id: unknown technician {technician_id!r}")
    if problem.technician(technician_id).shifts is not None:
        raise RecommendationError(f"technician_id: {technician_id!r} has several shifts (technicians[].shifts); accepting a "
                                  "recommendation at a position is not supported for it yet")
    routes = []
    for tech in cp.techs:
        route = plan.route_of(tech.id)
        seq = [jobs[s.job_id] for s in route.stops] if route is not None else []
        if tech.id == technician_id:
            if not 0 <= position <= len(seq):
                raise RecommendationError(f"position: must be between 0 and {len(seq)}")
            seq.insert(position, jobs[job_id])
        state = RouteState.build(tech, seq, cp.durations)
        if isinstance(state, Infeasible):
            raise RecommendationError(f"technician {tech.id}: {state.message}")
        routes.append(render_route(cp, state))
    unassigned = [u for u in plan.unassigned if u.job_id != job_id]
    known = plan.assignment().keys() | {u.job_id for u in unassigned} | {job_id}
    pending = translate(Msg("not planned yet"), problem.options.language)
    unassigned += [Unassigned(job_id=j.id, reason=pending, code="new") for j in problem.jobs if j.id not in known]
    solution = Solution(routes=routes, unassigned=unassigned, solver=plan.solver, warnings=list(plan.warnings))
    solution.kpis = compute_kpis(problem, solution)
    return solution
