"""POST /v1/matrix: travel-time and distance matrices from the configured source."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.deps import get_pool, get_settings
from api.errors import ApiError, ErrorDetail
from api.limits import check_locations
from api.pool import QueueFull, Task, WorkerPool
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
from api.schemas import MatrixRequest, MatrixResponse
from api.settings import Settings

router = APIRouter(tags=["matrix"])

MATRIX_TIME_ESTIMATE_S = 2.0
"""Expected run time of a matrix task, for progress and Retry-After estimates."""


def default_source() -> str:
    """``road`` when the server has an OSM region, else ``haversine`` (as for problems)."""
    try:
        from optimizer.geo import region as region_mod
    except ImportError:
        return "haversine"
    try:
        return "road" if region_mod.default_region_path(None) is not None else "haversine"
    except Exception:  # noqa: BLE001 - a broken region setting falls back like a missing one
        return "haversine"


@router.post(
    "/matrix",
    response_model=MatrixResponse,
    summary="Travel durations (s) and distances (m) between locations",
    responses={**AUTH_ERRORS, **BODY_ERRORS, **QUEUE_ERRORS, **SERVER_ERRORS},
)
async def matrix(body: MatrixRequest, request: Request, settings: Settings = Depends(get_settings), pool: WorkerPool = Depends(get_pool)) -> Response:
    """Runs in the solver worker pool (road matrices are CPU-bound), so it shares the queue
    and its 429 with solves."""
    check_locations(len(body.locations), settings)
    missing = [i for i, loc in enumerate(body.locations) if loc.lat is None]
    if missing:
        details = [ErrorDetail(path=f"$.locations[{i}]", message=f"$.locations[{i}]: lat and lon are required (index is for explicit matrices in problems only).", type="missing") for i in missing]
        raise ApiError(422, "validation_error", details[0].message + (f" (and {len(details) - 1} more)" if len(details) > 1 else ""), details)
    payload = json.dumps({
        "locations": [loc.model_dump(exclude_none=True) for loc in body.locations],
        "source": body.source or default_source(),
    })
    task = Task("matrix", MATRIX_TIME_ESTIMATE_S, payload, key=new_key("matrix"))
    try:
        pool.submit(task)
    except QueueFull as exc:
        raise queue_full(exc)
    try:
        outcome = await wait_or_cancel(request, pool, task)
    except ClientGone:
        return client_gone_response()
    if outcome.status != "ok":
        raise outcome_error(outcome)
    return Response(outcome.text, media_type="application/json")
