"""The one error envelope of the API and the exception handlers that produce it.

Messages follow the request's ``Accept-Language`` (en or zh-CN, from the catalogs of
:mod:`optimizer.i18n`; the texts pydantic and the models produce are listed in
:mod:`api.messages`); codes, types and paths are the same in every language.

Every non-2xx answer is ``{"error": {"status", "code", "message", "details": [{"path",
"message", "type"}]}}``. ``path`` is a JSON path into the request (``$.jobs[3].duration_min``;
``$`` for the whole body, ``header.X-API-Key`` for a header). No handler ever returns a
traceback: unexpected exceptions are logged and answered with a JSON 500.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping, Optional, Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.language import request_language
from optimizer.i18n import Msg, translate

log = logging.getLogger("api")


class ErrorDetail(BaseModel):
    path: str = Field(..., description="JSON path of the offending field, e.g. $.jobs[3].duration_min ($ = the whole body).")
    message: str = Field(..., description="What is wrong, as a sentence.")
    type: str = Field(..., description="Machine-readable error type, e.g. greater_than_equal, limit_exceeded, missing.")


class ErrorBody(BaseModel):
    status: int = Field(..., description="HTTP status code, repeated.")
    code: str = Field(..., description="Machine-readable error code: validation_error, limit_exceeded, body_too_large, queue_full, unauthorized, not_found, conflict, method_not_allowed, solver_error, internal_error.")
    message: str = Field(..., description="Human-readable summary.")
    details: list[ErrorDetail] = Field(default_factory=list, description="One entry per offending field (may be empty). Default [].")


class ErrorResponse(BaseModel):
    """Body of every error response."""

    error: ErrorBody = Field(..., description="The error.")


class ApiError(Exception):
    """Raise from handlers to answer with the envelope."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Sequence[ErrorDetail] = (),
        headers: Optional[dict[str, str]] = None,
    ):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = list(details)
        self.headers = headers


def json_path(loc: Sequence[Any]) -> str:
    """``("body", "jobs", 3, "duration_min") -> "$.jobs[3].duration_min"``."""
    parts = list(loc)
    prefix = "$"
    if parts and parts[0] in ("header", "query", "path", "cookie"):
        return f"{parts[0]}.{'.'.join(str(p) for p in parts[1:])}"
    if parts and parts[0] == "body":
        parts = parts[1:]
    out = prefix
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _sentence(path: str, msg: str) -> str:
    msg = msg.strip()
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    msg = msg or "invalid value"
    return f"{path}: {msg}{'' if msg.endswith('.') else '.'}"


def details_from_errors(errors: Sequence[Mapping[str, Any]], prefix: Sequence[Any] = ("body",)) -> list[ErrorDetail]:
    """Pydantic error dicts -> envelope details (``prefix`` is prepended to each ``loc``)."""
    out = []
    for err in errors:
        loc = list(prefix) + list(err.get("loc", ()))
        path = json_path(loc)
        out.append(ErrorDetail(path=path, message=_sentence(path, str(err.get("msg", ""))), type=str(err.get("type", "value_error"))))
    return out


def error_response(status: int, code: str, message: str, details: Sequence[ErrorDetail] = (), headers: Optional[dict] = None,
                   language: str = "en") -> JSONResponse:
    """The envelope; ``message`` and each detail's ``message`` in ``language`` (``code``,
    ``type`` and ``path`` never change; see :mod:`api.messages`)."""
    if language != "en":
        message = translate(message, language)
        details = [d.model_copy(update={"message": translate(d.message, language)}) for d in details]
    body = ErrorResponse(error=ErrorBody(status=status, code=code, message=message, details=list(details)))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def validation_error(details: list[ErrorDetail], language: str = "en") -> JSONResponse:
    first = translate(details[0].message if details else Msg("the request is invalid"), language)
    message = Msg("{first} (and {count} more)", first=first, count=len(details) - 1) if len(details) > 1 else first
    return error_response(422, "validation_error", message, details, language=language)



_STATUS_CODES = {408: "body_timeout", 503: "unavailable", 400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 409: "conflict", 413: "body_too_large", 415: "unsupported_media_type", 429: "queue_full"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers, request_language(request))

    @app.exception_handler(RequestValidationError)
    async def _request_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_error(details_from_errors(exc.errors(), prefix=()), request_language(request))

    @app.exception_handler(ValidationError)
    async def _model_validation(request: Request, exc: ValidationError) -> JSONResponse:
        return validation_error(details_from_errors(exc.errors()), request_language(request))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if exc.status_code == 404 and message == "Not Found":
            message = Msg("no route {method} {path}", method=request.method, path=request.url.path)
        return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None), language=request_language(request))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(500, "internal_error", Msg("internal error ({name}); the server log has the details", name=type(exc).__name__),
                              language=request_language(request))
