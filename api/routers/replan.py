"""POST /v1/replan: previous plan + events in, new plan + changes out."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.deps import get_pool, get_settings
from api.errors import ApiError, ErrorDetail
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
)
from api.routers.recommend import reference_errors, validation_error_of
from api.settings import Settings
from optimizer.replan.request import ReplanRequest, ReplanResponse

router = APIRouter(tags=["replan"])


def _refused(message: str) -> ApiError:
    """A ReplanError message starts with the field path (``events[2].job_id: ...``)."""
    field = message.split(":", 1)[0] if ":" in message else ""
    path = "$." + field if field.startswith("events[") else "$"
    return ApiError(422, "validation_error", message, [ErrorDetail(path=path, message=f"{path}: {message}", type="invalid_reference")])


@router.post(
    "/replan",
    response_model=ReplanResponse,
    summary="Re-plan after events, keeping in-progress, dispatched and frozen work",
    responses={**AUTH_ERRORS, **BODY_ERRORS, **QUEUE_ERRORS, **SERVER_ERRORS},
)
async def replan(body: ReplanRequest, request: Request, settings: Settings = Depends(get_settings), pool: WorkerPool = Depends(get_pool)) -> Response:
    """Derive the state of the day at `problem.now` from `previous` and the status events
    (job_started, job_completed, technician_position; `options.derive_state`, rules in
    docs/replan.md), apply the disruption `events` (new_job, job_cancelled,
    technician_unavailable, job_overrun, technician_delayed, shift_extended) to `problem`, keep each technician's in-progress job,
    dispatched job and stops starting before `problem.freeze_until`, and re-optimise the rest,
    seeded with `previous` and penalising moves between technicians by `options.stability`.
    Answers the new `solution`, the `changes` against `previous` (reassigned, time_shifted,
    unassigned, assigned; each with the index of the event that caused it), `problem`, the
    state after the events that the solution answers, and `state`: the work taken as done (by
    whom, when), in progress and on the way, with warnings when the state looks stale. `options.time_limit_s` (default 1 s) is
    capped at `DISPATCH_SYNC_TIME_LIMIT_S`."""
    check_problem(body.problem, settings, prefix=("problem",))
    body = body.model_copy(update={"problem": with_language(body.problem, request)})
    details = reference_errors(body.problem, body.previous, "previous")
    if details:
        raise validation_error_of(details)
    limit = body.options.time_limit_s or body.problem.options.time_limit_s
    if limit > settings.sync_time_limit_s:
        body = body.model_copy(update={"options": body.options.model_copy(update={"time_limit_s": settings.sync_time_limit_s})})
        limit = settings.sync_time_limit_s
    task = Task("replan", limit, body.model_dump_json(), key=new_key("replan"))
    try:
        pool.submit(task)
    except QueueFull as exc:
        raise queue_full(exc)
    try:
        outcome: TaskOutcome = await wait_or_cancel(request, pool, task)
    except ClientGone:
        return client_gone_response()
    if outcome.status == "invalid":
        raise _refused(outcome.text or "")
    if outcome.status != "ok":
        raise outcome_error(outcome)
    return Response(outcome.text, media_type="application/json")
