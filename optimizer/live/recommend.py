"""Recommendations against a stored live plan: only the new job(s) come in.

A :class:`LiveRecommender` is built once per plan version (the part of the day that can still
move: the re-plan's derived problem and its routes, and the plan's :class:`MatrixCache`). It
compiles that problem and times its routes once; a request compiles only its new jobs, extends
the matrix by their rows and columns (a copy, the cache is unchanged) and ranks the insertions
exactly as :func:`optimizer.recommend.recommend` does on the whole problem (same pre-check, cost
model, insertion index and rendering; a test checks the answers are identical).
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

from optimizer.live.matrix import MatrixCache
from optimizer.models import Job, JobRecommendation, Problem, Route, Solution
from optimizer.models.job import JobStatus


class LiveRecommendError(ValueError):
    """A new job the plan cannot take as given; the message starts with the field path."""


def restrict(plan: Solution, problem: Problem, removed: Iterable[str] = ()) -> Solution:
    """``plan``'s stop order over ``problem``'s technicians and jobs only, ``removed`` left out."""
    techs = {t.id for t in problem.technicians}
    jobs = {j.id for j in problem.jobs}
    gone = set(removed)
    return Solution(routes=[Route(technician_id=r.technician_id, stops=[s for s in r.stops if s.job_id in jobs and s.job_id not in gone])
                            for r in plan.routes if r.technician_id in techs])


class LiveRecommender:
    """Ranked insertions of new jobs into one version of a live plan."""

    def __init__(self, known_jobs: Iterable[str], technicians: Iterable[str], derived: Optional[Problem], suffix: Optional[Solution],
                 cache: Optional[MatrixCache]):
        """``known_jobs``/``technicians``: every job and technician id of the version's state
        (a new job may not reuse one; references must name one)."""
        self.known = set(known_jobs)
        self.techs = set(technicians)
        self.derived = derived
        self.suffix = restrict(suffix, derived) if derived is not None and suffix is not None else None
        self.cache = cache
        self._compiled: Optional[tuple] = None

    def check(self, jobs: Sequence[Job]) -> None:
        seen: set[str] = set()
        for i, job in enumerate(jobs):
            if job.id in self.known:
                raise LiveRecommendError(f"jobs[{i}].id: job {job.id!r} is already in the plan")
            if job.id in seen:
                raise LiveRecommendError(f"jobs[{i}].id: duplicate job id {job.id!r}")
            seen.add(job.id)
            named = ([("pinned_technician", job.pinned_technician)] if job.pinned_technician else [])
            named += [(f, t) for f in ("preferred_technicians", "excluded_technicians") for t in getattr(job, f)]
            for field, tid in named:
                if tid not in self.techs:
                    raise LiveRecommendError(f"jobs[{i}].{field}: unknown technician {tid!r}")

    def prepare(self) -> None:
        """Compile the version and time its routes now (else on the first request)."""
        if self.derived is not None and self.suffix is not None and self.cache is not None:
            self._base()

    def _base(self):
        """``(compiled problem, timed routes)`` of the version, built on first use."""
        if self._compiled is None:
            from optimizer.recommend import RecommendationError
            from optimizer.solve import prepare
            from optimizer.solvers.insertion import RouteState
            from optimizer.solvers.schedule import Infeasible

            assert self.derived is not None and self.suffix is not None and self.cache is not None
            matrix, points = self.cache.ensure(self.derived)
            cp = prepare(self.derived, matrix, points)
            by_id = cp.job_by_id()
            routes = []
            for tech in cp.techs:
                route = self.suffix.route_of(tech.id)
                state = RouteState.build(tech, [by_id[s.job_id] for s in route.stops] if route is not None else [], cp.durations)
                if isinstance(state, Infeasible):
                    raise RecommendationError(f"plan: the route of technician {tech.id} is not feasible: {state.message}")
                routes.append(state)
            self.cache.prepare_searches()
            self._compiled = (cp, routes)
        return self._compiled

    def recommend(self, jobs: Sequence[Job], max_results: int = 5) -> list[JobRecommendation]:
        """Ranked insertions of each new job into this version's movable plan (each on its own)."""
        from optimizer.recommend import _option
        from optimizer.solvers.compiled import CompiledProblem, compile_job
        from optimizer.solvers.costs import build_cost_model
        from optimizer.solvers.insertion import InsertionIndex
        from optimizer.solvers.plan import explain_unserved
        from optimizer.solvers.precheck import precheck

        self.check(jobs)
        if self.derived is None or self.suffix is None or self.cache is None:
            return [JobRecommendation(job_id=j.id, reason="no technician can work any more today") for j in jobs]
        working = {t.id for t in self.derived.technicians}
        new = []
        for job in jobs:
            update = {"status": JobStatus.pending, "technician_id": None, "expected_end": None,
                      "preferred_technicians": [t for t in job.preferred_technicians if t in working],
                      "excluded_technicians": [t for t in job.excluded_technicians if t in working]}
            if job.pinned_technician is not None and job.pinned_technician not in working:
                return [JobRecommendation(job_id=j.id, reason=f"its pinned technician {job.pinned_technician} cannot work any more today")
                        if j.id == job.id else JobRecommendation(job_id=j.id, reason="not evaluated") for j in jobs]
            new.append(job.model_copy(update=update))
        base, routes = self._base()
        matrix, points = self.cache.extended([j.location for j in new])
        first = len(base.jobs)
        compiled = [compile_job(j, first + i, base.timebase, points, base.horizon_s) for i, j in enumerate(new)]
        cp = CompiledProblem(self.derived.model_copy(update={"jobs": self.derived.jobs + new}), base.timebase, matrix, points,
                             base.techs, base.jobs + compiled, base.horizon_s)
        rejected = {r.job_id: r for r in precheck(cp, compiled)}
        index = InsertionIndex(cp, build_cost_model(cp), routes)
        out = []
        for cjob in compiled:
            if cjob.id in rejected:
                out.append(JobRecommendation(job_id=cjob.id, reason=rejected[cjob.id].reason))
                continue
            found = index.best(cjob, k=max_results)
            if not found:
                out.append(JobRecommendation(job_id=cjob.id, reason=explain_unserved(cp, routes, cjob).reason))
                continue
            out.append(JobRecommendation(job_id=cjob.id, options=[_option(cp, ins, rank) for rank, ins in enumerate(found, 1)]))
        return out
