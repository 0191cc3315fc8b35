"""POST /v1/recommendations: ranked insertions of new jobs into a live plan (no re-solve)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.deps import get_settings
from api.errors import ApiError, ErrorDetail, json_path
from api.limits import check_problem
from api.pool import QueueFull
from api.recommend_pool import RecommendPool
from api.routers.common import AUTH_ERRORS, BODY_ERRORS, QUEUE_ERRORS, SERVER_ERRORS
from api.schemas import RecommendationRequest, RecommendationResponse
from api.settings import Settings

router = APIRouter(tags=["recommend"])


def validation_error_of(details: list[ErrorDetail]) -> ApiError:
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return ApiError(422, "validation_error", details[0].message + more, details)


def _refused(message: str) -> ApiError:
    field = message.split(":", 1)[0] if ":" in message else ""
    path = f"$.{field}" if field in ("job_ids", "plan", "problem") else "$"
    return ApiError(422, "validation_error", message, [ErrorDetail(path=path, message=f"{path}: {message}", type="invalid_reference")])


def reference_errors(problem, plan, prefix: str) -> list[ErrorDetail]:
    """Plan entries naming technicians or jobs ``problem`` does not have, as envelope details
    under ``prefix`` (``plan`` or ``previous``)."""
    from optimizer.models.common import plan_reference_errors

    details = []
    for loc, message in plan_reference_errors(problem, plan):
        path = json_path(("body", prefix, *loc))
        details.append(ErrorDetail(path=path, message=f"{path}: {message}.", type="invalid_reference"))
    return details


@router.post(
    "/recommendations",
    response_model=RecommendationResponse,
    summary="Rank technicians for new (urgent) jobs without re-solving the plan",
    responses={**AUTH_ERRORS, **BODY_ERRORS, **QUEUE_ERRORS, **SERVER_ERRORS},
)
async def recommendations(body: RecommendationRequest, request: Request, settings: Settings = Depends(get_settings)) -> Response:
    """For each job in `job_ids`, the feasible insertions into the current plan, best first
    (lowest objective increase): technician, position, arrival/start/end, extra travel, SLA, and
    the later stops it delays. Each job is evaluated on its own against the plan. A job with no
    feasible insertion gets an empty `options` list and a `reason`.

    Runs in recommendation processes of its own (`DISPATCH_RECOMMEND_WORKERS`), not on the
    server's event loop and not behind the solver queue, so urgent requests never wait behind
    long solves; at most `DISPATCH_MAX_RECOMMENDATIONS` are in progress at once (then 429)."""
    check_problem(body.problem, settings, prefix=("problem",))
    details = reference_errors(body.problem, body.plan, "plan")
    if details:
        raise validation_error_of(details)
    pool: RecommendPool = request.app.state.recommend_pool
    try:
        status, text = await pool.run(body.model_dump_json())
    except QueueFull:
        raise ApiError(429, "queue_full", f"too many recommendation requests in progress (server limit DISPATCH_MAX_RECOMMENDATIONS={pool.max_inflight}); retry after 1 s", headers={"Retry-After": "1"})
    if status == "invalid":
        raise _refused(text)
    if status != "ok":
        raise ApiError(500, "internal_error", f"recommendation failed: {text}")
    return Response(text, media_type="application/json")
