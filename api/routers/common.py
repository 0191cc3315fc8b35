"""Shared pieces of the routers: documented error responses and outcome translation."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any, Optional, Union

from fastapi import Request
from fastapi.responses import Response

from api.errors import ApiError, ErrorDetail, ErrorResponse
from api.pool import QueueFull, Task, TaskOutcome, WorkerPool

# The ``responses`` argument of FastAPI's route decorators.
Responses = dict[Union[int, str], dict[str, Any]]


def _err(description: str, headers: Optional[dict] = None) -> dict[str, Any]:
    out: dict[str, Any] = {"model": ErrorResponse, "description": description}
    if headers:
        out["headers"] = headers
    return out


RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying (an estimate).", "schema": {"type": "integer"}}}

AUTH_ERRORS: Responses = {401: _err("Missing or invalid X-API-Key (only when the server sets DISPATCH_API_KEYS).")}
BODY_ERRORS: Responses = {
    413: _err("Request body larger than DISPATCH_MAX_BODY_BYTES."),
    422: _err("Invalid request: each detail has the JSON path of the bad field and a sentence; also a server limit (jobs, technicians, time limit, locations) exceeded."),
}
QUEUE_ERRORS: Responses = {429: _err("The solve queue is full; retry after Retry-After seconds.", RETRY_AFTER)}
SERVER_ERRORS: Responses = {500: _err("Unexpected server or solver error (JSON, never a traceback).")}


def queue_full(exc: QueueFull) -> ApiError:
    return ApiError(
        429, "queue_full",
        f"{exc}; retry after {exc.retry_after_s} s (server limit DISPATCH_MAX_QUEUE={exc.capacity})",
        headers={"Retry-After": str(exc.retry_after_s)},
    )


def outcome_error(outcome: TaskOutcome) -> ApiError:
    """A non-ok task outcome as an API error (422 for input refused by the library)."""
    if outcome.status == "invalid":
        return ApiError(422, "validation_error", f"the solver refused the input: {outcome.text}",
                        [ErrorDetail(path="$", message=f"$: {outcome.text}", type="solver_refused")])
    if outcome.status in ("cancelled", "interrupted"):
        return ApiError(503, "unavailable", "the server is shutting down; retry in a few seconds", headers={"Retry-After": "5"})
    return ApiError(500, "solver_error", f"the solver failed: {outcome.text}")


def new_key(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def with_warnings(problem_json: str, warnings: list[str]) -> str:
    """Payload of a ``solve`` task: the problem plus warnings to add to the Solution."""
    return '{"problem":' + problem_json + ',"warnings":' + json.dumps(warnings) + "}"


class ClientGone(Exception):
    """The client closed the connection before its synchronous answer was ready."""


async def _disconnected(request: Request) -> None:
    """Returns when the client closes the connection (the body has been read by then)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def wait_or_cancel(request: Request, pool: WorkerPool, task: Task) -> TaskOutcome:
    """The outcome of a submitted synchronous ``task``; when the client disconnects first, the
    task is cancelled at once (a running solve's worker is stopped, so it is free for the next
    task within a second) and :class:`ClientGone` is raised."""
    key = task.key
    assert key is not None, "a synchronous task has a key"
    watcher = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({task.future, watcher}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:  # the server cancelled the request (shutdown timeout)
        await pool.cancel(key)
        raise
    finally:
        watcher.cancel()
    if task.future.done():
        return task.future.result()
    await pool.cancel(key)
    raise ClientGone()


def client_gone_response() -> Response:
    """What a handler returns for a client that is gone (nobody reads it; 499 in the log)."""
    return Response(status_code=499)
