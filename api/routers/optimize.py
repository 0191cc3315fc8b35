"""POST /v1/optimize (synchronous) and the asynchronous /v1/optimizations resource."""

from __future__ import annotations

import asyncio
from typing import Optional

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from api.deps import get_pool, get_settings, get_store
from api.errors import ApiError
from api.language import with_language
from api.limits import check_problem
from api.pool import QueueFull, Task, TaskOutcome, WorkerPool
from api.routers.common import (
    AUTH_ERRORS,
    BODY_ERRORS,
    QUEUE_ERRORS,
    SERVER_ERRORS,
    ClientGone,
    client_gone_response,
    new_key,
    outcome_error,
    queue_full,
    wait_or_cancel,
    with_warnings,
)
from api.schemas import OptimizationCreated, OptimizationJob
from api.settings import Settings
from api.store import JobRecord, JobStore
from optimizer.models import Problem, Solution

router = APIRouter(tags=["optimize"])

JOB_ID = Path(..., description="Job id returned by POST /v1/optimizations.", min_length=1, max_length=64)


@router.post(
    "/optimize",
    response_model=Solution,
    summary="Solve a problem and wait for the Solution",
    responses={**AUTH_ERRORS, **BODY_ERRORS, **QUEUE_ERRORS, **SERVER_ERRORS},
)
async def optimize(problem: Problem, request: Request, settings: Settings = Depends(get_settings), pool: WorkerPool = Depends(get_pool)) -> Response:
    """Solve within `options.time_limit_s`, capped at the server's `DISPATCH_SYNC_TIME_LIMIT_S`
    (default 30 s; a warning in the Solution says when the cap applied). Infeasible jobs are not
    an error: they come back in `unassigned` with a reason. A client that disconnects before the
    answer cancels its solve."""
    check_problem(problem, settings)
    problem = with_language(problem, request)
    warnings = []
    if problem.options.time_limit_s > settings.sync_time_limit_s:
        warnings.append(
            f"options.time_limit_s {problem.options.time_limit_s:g} s capped at {settings.sync_time_limit_s:g} s "
            "by the server (DISPATCH_SYNC_TIME_LIMIT_S); use POST /v1/optimizations for longer solves"
        )
        problem = problem.model_copy(update={"options": problem.options.model_copy(update={"time_limit_s": settings.sync_time_limit_s})})
    task = Task("solve", problem.options.time_limit_s, with_warnings(problem.model_dump_json(), warnings), key=new_key("sync"))
    try:
        pool.submit(task)
    except QueueFull as exc:
        raise queue_full(exc)
    try:
        outcome: TaskOutcome = await wait_or_cancel(request, pool, task)
    except ClientGone:  # client went away: its worker is already free
        return client_gone_response()
    if outcome.status != "ok":
        raise outcome_error(outcome)
    return Response(outcome.text, media_type="application/json")


def job_task(store: JobStore, job_id: str, time_limit_s: float, group: Optional[str] = None) -> Task:
    """The pool task of a persisted job: loads the problem from the store when it starts and
    writes the outcome back (a server stop puts it back in the queue). ``group``: fair-share
    group of the pool (a scenario's runs take turns with other clients' jobs)."""

    claimed = [False]

    async def prepare():
        if not await asyncio.to_thread(store.mark_running, job_id):
            return None  # cancelled while queued, or claimed by another replica
        claimed[0] = True
        problem_json = await asyncio.to_thread(store.problem_json, job_id)
        return with_warnings(problem_json, [])

    async def on_finish(outcome: TaskOutcome) -> None:
        if not claimed[0] and outcome.status in ("cancelled", "interrupted"):
            return  # never ran here: the row is another replica's (or already cancelled / still queued)
        # owned=True: nothing is written when another replica took the job over meanwhile
        # (this replica's lease ran out); that replica's solve answers for it.
        if outcome.status == "ok":
            await asyncio.to_thread(store.finish, job_id, "succeeded", outcome.text, None, True)
        elif outcome.status == "interrupted":  # server stopping: run again after the restart
            await asyncio.to_thread(store.requeue, job_id)
        elif outcome.status == "cancelled":
            await asyncio.to_thread(store.finish, job_id, "cancelled", None, "cancelled", True)
        else:
            await asyncio.to_thread(store.finish, job_id, "failed", None, outcome.text, True)

    return Task("solve", time_limit_s, key=job_id, prepare=prepare, on_finish=on_finish, group=group)


def render_job(record: JobRecord, pool: WorkerPool) -> Response:
    """The job as JSON; the stored Solution text is spliced in without re-parsing it."""
    search = None
    if record.status == "running":
        task = pool.find(record.id)
        progress = task.progress() if task is not None else 0.0
        search = task.search if task is not None else None
    else:
        progress = 1.0 if record.status in ("succeeded", "failed", "cancelled") else 0.0
    head = OptimizationJob(
        id=record.id, status=record.status, progress=round(progress, 3), search=search, time_limit_s=record.time_limit_s,
        created_at=record.created_at, started_at=record.started_at, finished_at=record.finished_at, error=record.error,
    ).model_dump_json(exclude={"solution"})
    body = head[:-1] + ',"solution":' + (record.solution or "null") + "}"
    return Response(body, media_type="application/json")


@router.post(
    "/optimizations",
    status_code=202,
    response_model=OptimizationCreated,
    summary="Submit a problem to solve in the background",
    responses={**AUTH_ERRORS, **BODY_ERRORS, **QUEUE_ERRORS},
)
async def submit(problem: Problem, request: Request, settings: Settings = Depends(get_settings), pool: WorkerPool = Depends(get_pool),
                 store: JobStore = Depends(get_store)) -> OptimizationCreated:
    """Queue the problem and answer at once with its job id. The job and its result are stored in
    SQLite (`DISPATCH_DB`) and survive a server restart. `options.time_limit_s` may go up to
    `DISPATCH_MAX_TIME_LIMIT_S` (default 600 s)."""
    check_problem(problem, settings)
    problem = with_language(problem, request)
    try:
        with pool.reservation(1) as places:
            record = await asyncio.to_thread(store.create, problem.model_dump_json(), problem.options.time_limit_s)
            pool.submit(job_task(store, record.id, record.time_limit_s), reservation=places)
    except QueueFull as exc:
        raise queue_full(exc)
    return OptimizationCreated(id=record.id, status="queued")


async def _load(store: JobStore, job_id: str) -> JobRecord:
    record = await asyncio.to_thread(store.get, job_id)
    if record is None:
        raise ApiError(404, "not_found", f"no optimization job {job_id!r}")
    return record


@router.get(
    "/optimizations/{job_id}",
    response_model=OptimizationJob,
    summary="Status, progress and (when done) the Solution of a job",
    responses={**AUTH_ERRORS, 404: BODY_ERRORS[422] | {"description": "No job with this id."}, 422: BODY_ERRORS[422] | {"description": "Malformed job id."}},
)
async def get_job(job_id: str = JOB_ID, store: JobStore = Depends(get_store), pool: WorkerPool = Depends(get_pool)) -> Response:
    return render_job(await _load(store, job_id), pool)


@router.delete(
    "/optimizations/{job_id}",
    response_model=OptimizationJob,
    summary="Cancel a queued or running job",
    responses={**AUTH_ERRORS, 404: BODY_ERRORS[422] | {"description": "No job with this id."}, 409: BODY_ERRORS[422] | {"description": "The job already succeeded or failed."}, 422: BODY_ERRORS[422] | {"description": "Malformed job id."}},
)
async def cancel_job(job_id: str = JOB_ID, store: JobStore = Depends(get_store), pool: WorkerPool = Depends(get_pool)) -> Response:
    """A queued job is removed from the queue; a running job's worker process is stopped (and
    replaced). Cancelling a cancelled job is a no-op; a finished job answers 409."""
    record = await _load(store, job_id)
    if record.status in ("queued", "running"):
        await asyncio.to_thread(store.finish, job_id, "cancelled", None, "cancelled by the client")
        await pool.cancel(job_id)
        record = await _load(store, job_id)
    if record.status in ("succeeded", "failed"):
        raise ApiError(409, "conflict", f"job {job_id} already {record.status}; nothing to cancel")
    return render_job(record, pool)
