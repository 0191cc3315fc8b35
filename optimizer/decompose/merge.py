"""Merge: the territories' plans as one Solution with the same contract as a whole solve.

Every technician gets its route (in input order), every job appears once: routed, unassigned
with its territory's reason, or unassigned with code ``territory_failed`` when its territory's
solve failed. :func:`plan_objective` evaluates a Solution under a problem's objective (the same
code the engines' plans are scored with), for the decomposition report and the benchmarks.
"""

from __future__ import annotations

from typing import Optional

from optimizer.geo.matrix import PointIndex, TravelMatrix
from optimizer.models import JobCandidates, Problem, Route, Solution, Unassigned
from optimizer.models.job import JobStatus

__all__ = ["plan_objective", "merge_parts", "split_solution", "FAILED_CODE"]

FAILED_CODE = "territory_failed"


def plan_objective(problem: Problem, solution: Solution, matrix: Optional[TravelMatrix] = None,
                   points: Optional[PointIndex] = None) -> float:
    """Objective of ``solution`` under ``problem`` (the units of ``SolverInfo.objective``): its
    routes timed by the scheduler (earliest schedule) and its unassigned jobs priced, jobs the
    pre-check rejects not counted, as :func:`optimizer.solve.objective` does for a plan.
    Raises ValueError when a route cannot be timed."""
    from optimizer.solve import build_cost_model, precheck, prepare
    from optimizer.solvers.objective import plan_cost
    from optimizer.solvers.schedule import Schedule, schedule_route

    cp = prepare(problem, matrix, points)
    costs = build_cost_model(cp)
    rejected = {r.job_id for r in precheck(cp)}
    techs = {t.id: t for t in cp.techs}
    jobs = {j.id: j for j in cp.jobs}
    schedules = []
    routed: set[str] = set()
    for route in solution.routes:
        if not route.stops:
            continue
        seq = [jobs[s.job_id] for s in route.stops]
        routed.update(s.job_id for s in route.stops)
        sched = schedule_route(techs[route.technician_id], seq, cp.durations)
        if not isinstance(sched, Schedule):
            raise ValueError(f"route of {route.technician_id} cannot be timed: {sched}")
        schedules.append(sched)
    dropped = [j for j in cp.jobs if j.id not in routed and j.id not in rejected]
    return plan_cost(cp, costs, schedules, dropped) / costs.units_per_weight


def split_solution(solution: Solution, technician_ids: list[str], job_ids: list[str]) -> Solution:
    """The part of ``solution`` for these technicians (their routes) and jobs (unassigned and
    candidates); the routes of the technicians must hold only jobs of ``job_ids``."""
    techs, jobs = set(technician_ids), set(job_ids)
    return Solution(
        routes=[r for r in solution.routes if r.technician_id in techs],
        unassigned=[u for u in solution.unassigned if u.job_id in jobs],
        candidates=[c for c in solution.candidates if c.job_id in jobs],
        warnings=list(solution.warnings),
    )


def merge_parts(problem: Problem, parts: list[tuple[list[str], list[str], Optional[Solution], Optional[str]]]) -> Solution:
    """One Solution from ``parts`` = [(technician ids, job ids, solution or None, error)]. A part
    without a solution contributes idle routes and its jobs unassigned (code ``territory_failed``,
    the error as reason). Jobs found nowhere (never expected) are reported unassigned too."""
    routes: dict[str, Route] = {}
    unassigned: list[Unassigned] = []
    candidates: dict[str, JobCandidates] = {}
    warnings: list[str] = []
    for tech_ids, job_ids, solution, error in parts:
        if solution is None:
            routes.update({tid: Route(technician_id=tid) for tid in tech_ids})
            reason = f"its territory could not be planned ({error})"
            unassigned.extend(Unassigned(job_id=jid, reason=reason, code=FAILED_CODE) for jid in job_ids)
            warnings.append(f"territory of {len(job_ids)} job(s) and {len(tech_ids)} technician(s) failed: {error}")
            continue
        routes.update({r.technician_id: r for r in solution.routes})
        unassigned.extend(solution.unassigned)
        candidates.update({c.job_id: c for c in solution.candidates})
        warnings.extend(w for w in solution.warnings if w not in warnings)
    seen = {s.job_id for r in routes.values() for s in r.stops} | {u.job_id for u in unassigned}
    for job in problem.jobs:
        if job.id not in seen:
            code, reason = ("completed", "already completed; not planned again") if job.status == JobStatus.completed \
                else (FAILED_CODE, "its territory returned no answer for it")
            unassigned.append(Unassigned(job_id=job.id, reason=reason, code=code))
    order = {j.id: k for k, j in enumerate(problem.jobs)}
    return Solution(
        routes=[routes.get(t.id) or Route(technician_id=t.id) for t in problem.technicians],
        unassigned=sorted(unassigned, key=lambda u: order.get(u.job_id, len(order))),
        candidates=[candidates[j.id] for j in problem.jobs if j.id in candidates],
        warnings=warnings,
    )
