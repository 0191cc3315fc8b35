"""Request limits: body size (413, enforced by an ASGI middleware before parsing) and problem
size / time limit (422 naming the limit and the field)."""

from __future__ import annotations

import asyncio
import time
from typing import Optional, Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ApiError, ErrorDetail, error_response, json_path
from api.settings import Settings
from optimizer.models import Problem

SHIFTS_PER_TECHNICIAN_LIMIT = 7
"""Technician shifts (routes) per request: at most this many times ``DISPATCH_MAX_TECHNICIANS``."""


def _limit(path: Sequence, message: str) -> ApiError:
    p = json_path(("body", *path))
    return ApiError(422, "limit_exceeded", f"{p}: {message}", [ErrorDetail(path=p, message=f"{p}: {message}", type="limit_exceeded")])


def check_problem(problem: Problem, settings: Settings, prefix: Sequence = ()) -> None:
    """Raise a 422 :class:`ApiError` when ``problem`` exceeds a server limit."""
    if len(problem.jobs) > settings.max_jobs:
        raise _limit((*prefix, "jobs"), f"at most {settings.max_jobs} jobs per request (server limit DISPATCH_MAX_JOBS), got {len(problem.jobs)}.")
    if len(problem.technicians) > settings.max_technicians:
        raise _limit((*prefix, "technicians"), f"at most {settings.max_technicians} technicians per request (server limit DISPATCH_MAX_TECHNICIANS), got {len(problem.technicians)}.")
    routes = sum(len(t.shifts) if t.shifts is not None else 1 for t in problem.technicians)
    if routes > SHIFTS_PER_TECHNICIAN_LIMIT * settings.max_technicians:
        raise _limit((*prefix, "technicians"), f"at most {SHIFTS_PER_TECHNICIAN_LIMIT * settings.max_technicians} technician shifts per request "
                     f"({SHIFTS_PER_TECHNICIAN_LIMIT} x the server limit DISPATCH_MAX_TECHNICIANS), got {routes}.")
    region = problem.options.region
    if region is not None and region not in settings.allowed_regions:
        allowed = ", ".join(settings.allowed_regions) or "none"
        raise _limit((*prefix, "options", "region"), f"this server does not open region files named by requests (allowed by DISPATCH_ALLOWED_REGIONS: {allowed}); leave it out to use the server's region.")
    for k, path in enumerate(problem.options.decomposition_params.regions):  # same rule for a decomposition's extracts
        if path not in settings.allowed_regions:
            allowed = ", ".join(settings.allowed_regions) or "none"
            raise _limit((*prefix, "options", "decomposition_params", "regions", k),
                         f"this server does not open region files named by requests (allowed by DISPATCH_ALLOWED_REGIONS: {allowed}).")
    if problem.options.time_limit_s > settings.max_time_limit_s:
        raise _limit((*prefix, "options", "time_limit_s"), f"at most {settings.max_time_limit_s:g} s (server limit DISPATCH_MAX_TIME_LIMIT_S), got {problem.options.time_limit_s:g}.")


def check_locations(n: int, settings: Settings) -> None:
    if n > settings.max_locations:
        raise _limit(("locations",), f"at most {settings.max_locations} locations per request (server limit DISPATCH_MAX_LOCATIONS), got {n}.")


class BodySizeLimit:
    """Answer 413 when a request body exceeds ``max_bytes`` (by Content-Length, or while
    streaming a chunked body), before anything parses it; answer 408 and close the connection
    when no part of the body arrives for ``timeout_s`` seconds, or the whole body has not
    arrived ``6 * timeout_s`` seconds after the request started (a slow or half-sent body no
    longer holds a connection and a handler open indefinitely)."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: Optional[float] = None):
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    def _timeout_response(self):
        return error_response(
            408, "body_timeout",
            f"the request body stalled for {self.timeout_s:g} s or took longer than {6 * self.timeout_s:g} s "
            "(server limit DISPATCH_BODY_TIMEOUT_S)",
            [ErrorDetail(path="$", message="$: the body did not arrive in time.", type="timeout")],
            headers={"Connection": "close"},
        )

    def _response(self):
        return error_response(
            413, "body_too_large",
            f"request body exceeds {self.max_bytes} bytes (server limit DISPATCH_MAX_BODY_BYTES)",
            [ErrorDetail(path="$", message=f"$: the body is larger than {self.max_bytes} bytes.", type="limit_exceeded")],
            headers={"Connection": "close"},
        )

    def _declared_too_large(self, scope: Scope) -> bool:
        """The request's Content-Length says the body is over the limit."""
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    if int(value) > self.max_bytes:
                        return True
                except ValueError:
                    pass
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._declared_too_large(scope):
            await self._response()(scope, receive, send)
            return
        received = 0
        started = rejected = body_done = False
        deadline = None if self.timeout_s is None else time.monotonic() + 6 * self.timeout_s

        async def limited_receive() -> Message:
            nonlocal received, started, rejected, body_done
            if rejected:
                return {"type": "http.disconnect"}
            if body_done or deadline is None or self.timeout_s is None:
                message = await receive()
            else:
                try:
                    wait = min(self.timeout_s, max(0.0, deadline - time.monotonic()))
                    message = await asyncio.wait_for(receive(), timeout=wait)
                except asyncio.TimeoutError:
                    if not started:
                        started = True
                        await self._timeout_response()(scope, receive, send)
                    rejected = True
                    return {"type": "http.disconnect"}
            if message["type"] == "http.request" and not message.get("more_body", False):
                body_done = True
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Answer now and make the app see a disconnect; whatever it sends is dropped.
                    if not started:
                        started = True
                        await self._response()(scope, receive, send)
                    rejected = True
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if rejected:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, tracking_send)
