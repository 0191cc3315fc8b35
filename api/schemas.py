"""Request and response envelopes of the HTTP API that are not part of the library contract.

The library models (``Problem``, ``Solution``, ``JobRecommendation``, ``Location``) are used as
they are; these wrap them for HTTP.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from optimizer.models import JobRecommendation, Location, Problem, Solution
from optimizer.progress import SolveProgress

JobStatusName = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class OptimizationCreated(BaseModel):
    """Answer to POST /v1/optimizations."""

    id: str = Field(..., description="Job id (32 hex characters); poll GET /v1/optimizations/{id}.")
    status: JobStatusName = Field(..., description="Always queued on creation.")


class OptimizationJob(BaseModel):
    """State of an asynchronous optimization job."""

    id: str = Field(..., description="Job id.")
    status: JobStatusName = Field(..., description="queued | running | succeeded | failed | cancelled.")
    progress: float = Field(..., ge=0, le=1, description="0 while queued; elapsed share of the time limit while running (at most 0.99); 1 when finished (any terminal status).")
    search: Optional[SolveProgress] = Field(None, description="While running: the search's latest figures (elapsed and limit, "
                                            "iterations, jobs served, best objective), sent by the worker at most every 0.5 s "
                                            "(native engine); null otherwise. Default null.")
    time_limit_s: float = Field(..., description="Effective solver time limit, seconds.")
    created_at: str = Field(..., description="Submission instant, ISO-8601 UTC.")
    started_at: Optional[str] = Field(None, description="When a worker started the solve, ISO-8601 UTC; null while queued. Default null.")
    finished_at: Optional[str] = Field(None, description="When the job reached a terminal status, ISO-8601 UTC; null before. Default null.")
    error: Optional[str] = Field(None, description="Why the job failed or was cancelled; null otherwise. Default null.")
    solution: Optional[Solution] = Field(None, description="The Solution once status is succeeded; null otherwise. Default null.")


class RecommendationRequest(_Strict):
    """A live plan and the new jobs to place into it."""

    problem: Problem = Field(..., description="The problem: technicians and all jobs, including the planned ones and the new ones named in job_ids.")
    plan: Solution = Field(..., description="The current plan, as returned by optimize (only routes[].technician_id and routes[].stops[].job_id are read: stop order per technician).")
    job_ids: list[str] = Field(..., min_length=1, max_length=100, description="Ids of the new jobs (in problem.jobs, not in the plan) to recommend technicians for. 1 to 100 ids.")
    max_results: int = Field(5, ge=1, le=50, description="Ranked options per job, best first. Default 5, at most 50.")


class RecommendationResponse(BaseModel):
    """For each new job, its ranked feasible insertions (each evaluated on its own against the plan)."""

    recommendations: list[JobRecommendation] = Field(..., description="One entry per requested job id, in request order.")
    elapsed_ms: float = Field(..., description="Server compute time for the recommendations, milliseconds.")


class MatrixRequest(_Strict):
    """Locations in, travel matrices out."""

    locations: list[Location] = Field(..., min_length=1, description="Points (lat/lon, WGS84). Row/column i of the answer is locations[i]. At least 1; at most the server's DISPATCH_MAX_LOCATIONS (default 2000).")
    source: Optional[Literal["road", "haversine"]] = Field(None, description="Matrix source: road (OpenStreetMap region configured on the server) or haversine (great circle with a detour factor). Default: road when the server has a region, else haversine.")


class MatrixResponse(BaseModel):
    source: str = Field(..., description="The source that produced the matrices.")
    durations_s: list[list[int]] = Field(..., description="durations_s[i][j]: driving time from location i to location j, whole seconds. Diagonal 0; may be asymmetric.")
    distances_m: list[list[int]] = Field(..., description="distances_m[i][j]: driving distance along that route, whole metres.")
    snap_distances_m: Optional[list[float]] = Field(None, description="Road source: distance from each location to the road network point it was snapped to, metres; null for haversine. Default null.")
    warnings: list[str] = Field(default_factory=list, description="Snapping and source warnings (e.g. a point far from any road). Default [].")
    build_time_s: float = Field(..., description="Time spent building the matrices, seconds.")


class Health(BaseModel):
    status: Literal["ok"] = Field(..., description="Always ok when the server answers.")
    workers: int = Field(..., description="Configured worker processes.")
    workers_ready: int = Field(..., description="Worker processes started and idle or busy.")
    workers_busy: int = Field(..., description="Worker processes running a task.")
    queued: int = Field(..., description="Tasks waiting for a worker.")
    queue_capacity: int = Field(..., description="Queue size above which requests get 429.")
    solver_backend: Literal["processes", "ray"] = Field(
        "processes", description="Where solves run: processes (local worker processes) or ray (Ray tasks, DISPATCH_SOLVER_BACKEND=ray; "
        "workers is then how many this replica runs at once on the cluster)."
    )


class Version(BaseModel):
    name: str = Field(..., description="Distribution name.")
    version: str = Field(..., description="Package version.")
    api: str = Field(..., description="API version prefix (v1).")
    engines: list[str] = Field(..., description="Solver engines available for options.engine.")
    python: str = Field(..., description="Python version of the server.")
    ortools: Optional[str] = Field(None, description="OR-Tools version, when installed. Default null.")


# -- live plans (POST /v1/plans and below) ------------------------------------------------------

from optimizer.live import Escalation, LiveChange, LiveSettings, RiskReport  # noqa: E402
from optimizer.models import Job, Kpis  # noqa: E402


class PlanCreateRequest(_Strict):
    """A live plan from a problem (solved by the server unless ``solution`` is given) or from a
    finished optimization job."""

    problem: Optional[Problem] = Field(None, description="The day to plan. Exactly one of problem and optimization_id.")
    solution: Optional[Solution] = Field(None, description="With problem: its plan (checked by the validator); default: the server solves the problem (options.time_limit_s, capped at DISPATCH_SYNC_TIME_LIMIT_S).")
    optimization_id: Optional[str] = Field(None, description="A succeeded POST /v1/optimizations job: its problem and solution become version 1.")
    settings: LiveSettings = Field(default_factory=LiveSettings, description="Re-plan, promise, risk and escalation settings of the plan (see LiveSettings). Default: all defaults.")


class PlanSummary(BaseModel):
    """A version without its problem and plan: the answer to POST /v1/plans and to an event post."""

    plan_id: str = Field(..., description="Plan id (32 hex characters).")
    version: int = Field(..., description="The version made (or, for a replay, the version that applied the events).")
    now: Optional[str] = Field(None, description="The plan's clock at this version, ISO-8601.")
    created_at: str = Field(..., description="When the version was made (UTC), ISO-8601.")
    event_ids: list[str] = Field(default_factory=list, description="Event ids this version applied.")
    skipped_event_ids: list[str] = Field(default_factory=list, description="Posted event ids skipped because an earlier version applied them. Default [].")
    replayed: bool = Field(False, description="True when every posted event had been applied before: nothing new was made and this is the version that applied them.")
    changes: list[LiveChange] = Field(default_factory=list, description="What changed against the previous version (reassigned, time_shifted, unassigned, assigned, promise_broken), each with its cause.")
    risk: RiskReport = Field(..., description="Jobs at risk and predicted breaches.")
    escalations: list[Escalation] = Field(default_factory=list, description="Escalations raised by this version.")
    kpis: Optional[Kpis] = Field(None, description="KPIs of the version's plan.")
    promises: int = Field(0, description="Promised starts held after this version.")
    replan_time_s: Optional[float] = Field(None, description="Library time to make the version (re-plan, risk, escalation), s.")


class PlanRecommendationRequest(_Strict):
    """New jobs to place into the plan's current version (the plan is not resent)."""

    jobs: list[Job] = Field(..., min_length=1, max_length=100, description="The new jobs (ids not in the plan). 1 to 100.")
    max_results: int = Field(5, ge=1, le=50, description="Ranked options per job. Default 5.")


class PlanRecommendationResponse(BaseModel):
    plan_id: str = Field(..., description="The plan.")
    version: int = Field(..., description="The version the jobs were placed into.")
    recommendations: list[JobRecommendation] = Field(..., description="One entry per job, in request order.")
    elapsed_ms: float = Field(..., description="Compute time of the ranking, ms.")
    load_ms: float = Field(..., description="Time to load the version into the recommendation process (0 when it was cached), ms.")
