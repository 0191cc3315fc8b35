"""Recommendations against a stored live plan: only the new job(s) come in.

A :class:`LiveRecommender` is built once per plan version (the part of the day that can still
move: the re-plan's derived problem and its routes, and the plan's :class:`MatrixCache`) and
answers each request with :func:`optimizer.recommend.recommend` on it: the new jobs' locations
extend the matrix by their rows and columns only, nothing is parsed or rebuilt per request.
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

    def recommend(self, jobs: Sequence[Job], max_results: int = 5) -> list[JobRecommendation]:
        from optimizer.recommend import recommend

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
        problem = self.derived.model_copy(update={"jobs": self.derived.jobs + new})
        matrix, points = self.cache.ensure(problem)
        return recommend(problem, self.suffix, [j.id for j in new], max_results=max_results, matrix=matrix, points=points)
