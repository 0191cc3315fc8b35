"""POST /v1/recommendations: ranked insertions of new jobs into a live plan (no re-solve)."""

from __future__ import annotations

import json
from typing import Awaitable, Callable

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


RECOMMENDATION_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RecommendationRequest"}}},
    }
}


@router.post(
    "/recommendations",
    response_model=RecommendationResponse,
    summary="Rank technicians for new (urgent) jobs without re-solving the plan",
    responses={**AUTH_ERRORS, **BODY_ERRORS, **QUEUE_ERRORS, **SERVER_ERRORS},
    openapi_extra=RECOMMENDATION_BODY,
)
async def recommendations(request: Request, settings: Settings = Depends(get_settings)) -> Response:
    """Body: [RecommendationRequest]. For each job in `job_ids`, the feasible insertions into the
    current plan, best first (lowest objective increase): technician, position,
    arrival/start/end, extra travel, SLA, and the later stops it delays. Each job is evaluated on
    its own against the plan. A job with no feasible insertion gets an empty `options` list and
    a `reason`.

    Runs in recommendation processes of its own (`DISPATCH_RECOMMEND_WORKERS`): the body is
    parsed and checked there too, so the server's event loop only moves bytes; not behind the
    solver queue either, so urgent requests never wait behind long solves. At most
    `DISPATCH_MAX_RECOMMENDATIONS` are in progress at once: more get 429 at once, before their
    body is read."""
    pool: RecommendPool = request.app.state.recommend_pool
    text = await run_in_recommend_pool(request, pool, lambda body: pool.run_acquired(body, settings))
    return Response(text, media_type="application/json")


async def run_in_recommend_pool(request: Request, pool: RecommendPool, call: Callable[[bytes], Awaitable[tuple[str, str]]]) -> str:
    """Take a slot of the recommendation pool (429 at once when none is free, before the body is
    read), run ``call(body)`` there and return its JSON text; a rejection the worker reports
    becomes its 4xx, anything else not ``ok`` a 500. Shared by /v1/recommendations and the
    live plans' recommendations."""
    try:
        pool.acquire()
    except QueueFull:
        raise ApiError(429, "queue_full", f"too many recommendation requests in progress (server limit DISPATCH_MAX_RECOMMENDATIONS={pool.max_inflight}); retry after 1 s", headers={"Retry-After": "1"})
    try:
        body = await request.body()
        status, text = await call(body)
    finally:
        pool.release()
    if status == "rejected":
        error = json.loads(text)
        raise ApiError(error["status"], error["code"], error["message"], [ErrorDetail(**d) for d in error["details"]])
    if status != "ok":
        raise ApiError(500, "internal_error", f"recommendation failed: {text}")
    return text


def compute(body: bytes, settings: Settings) -> tuple[str, str]:
    """In a recommendation process: the raw body -> ``("ok", RecommendationResponse JSON)``,
    ``("rejected", error JSON {status, code, message, details})`` for input the API refuses
    (invalid JSON or fields, server limits, unknown references) or ``("error", reason)``."""
    import time

    from pydantic import ValidationError

    from api.errors import details_from_errors
    from optimizer.recommend import RecommendationError, recommend

    def rejected(exc: ApiError) -> tuple[str, str]:
        return "rejected", json.dumps({"status": exc.status, "code": exc.code, "message": exc.message,
                                       "details": [d.model_dump() for d in exc.details]})

    try:
        request = RecommendationRequest.model_validate_json(body)
    except ValidationError as exc:
        details = details_from_errors(exc.errors(include_url=False))
        return rejected(validation_error_of(details))
    try:
        check_problem(request.problem, settings, prefix=("problem",))
        details = reference_errors(request.problem, request.plan, "plan")
        if details:
            raise validation_error_of(details)
        t0 = time.perf_counter()
        try:
            recs = recommend(request.problem, request.plan, request.job_ids, max_results=request.max_results)
        except RecommendationError as exc:
            raise _refused(str(exc))
        elapsed_ms = round((time.perf_counter() - t0) * 1000, 2)
    except ApiError as exc:
        return rejected(exc)
    return "ok", RecommendationResponse(recommendations=recs, elapsed_ms=elapsed_ms).model_dump_json()
