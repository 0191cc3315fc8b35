"""POST /v1/recommendations: ranked insertions of new jobs into a live plan (no re-solve)."""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Depends, Request

from api.deps import get_settings
from api.errors import ApiError, ErrorDetail
from api.limits import check_problem
from api.routers.common import AUTH_ERRORS, BODY_ERRORS, QUEUE_ERRORS, SERVER_ERRORS
from api.schemas import RecommendationRequest, RecommendationResponse
from api.settings import Settings

router = APIRouter(tags=["recommend"])


def _compute(request: RecommendationRequest) -> RecommendationResponse:
    from optimizer.recommend import RecommendationError, recommend

    t0 = time.perf_counter()
    try:
        recs = recommend(request.problem, request.plan, request.job_ids, max_results=request.max_results)
    except RecommendationError as exc:
        message = str(exc)
        field = message.split(":", 1)[0] if ":" in message else ""
        path = f"$.{field}" if field in ("job_ids", "plan", "problem") else "$"
        raise ApiError(422, "validation_error", message, [ErrorDetail(path=path, message=f"{path}: {message}", type="invalid_reference")])
    return RecommendationResponse(recommendations=recs, elapsed_ms=round((time.perf_counter() - t0) * 1000, 2))


@router.post(
    "/recommendations",
    response_model=RecommendationResponse,
    summary="Rank technicians for new (urgent) jobs without re-solving the plan",
    responses={**AUTH_ERRORS, **BODY_ERRORS, **QUEUE_ERRORS, **SERVER_ERRORS},
)
async def recommendations(body: RecommendationRequest, request: Request, settings: Settings = Depends(get_settings)) -> RecommendationResponse:
    """For each job in `job_ids`, the feasible insertions into the current plan, best first
    (lowest objective increase): technician, position, arrival/start/end, extra travel, SLA, and
    the later stops it delays. Each job is evaluated on its own against the plan. A job with no
    feasible insertion gets an empty `options` list and a `reason`.

    Runs on a thread of the server (not the solver queue), so urgent requests never wait behind
    long solves; at most `DISPATCH_MAX_QUEUE` run at once (then 429)."""
    check_problem(body.problem, settings, prefix=("problem",))
    state = request.app.state
    if state.recommend_inflight >= settings.max_queue:
        raise ApiError(429, "queue_full", f"too many recommendation requests in progress (server limit DISPATCH_MAX_QUEUE={settings.max_queue})", headers={"Retry-After": "1"})
    state.recommend_inflight += 1
    try:
        return await asyncio.to_thread(_compute, body)
    finally:
        state.recommend_inflight -= 1
