"""FastAPI dependencies: settings, store, pool and API-key auth, all read from ``app.state``."""

from __future__ import annotations

import hmac
from typing import Optional

from fastapi import Request, Security
from fastapi.security import APIKeyHeader

from api.errors import ApiError, ErrorDetail
from api.pool import WorkerPool
from api.settings import Settings
from api.store import JobStore

api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="API key; required on every /v1 route when the server sets DISPATCH_API_KEYS (comma-separated keys).",
)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> JobStore:
    return request.app.state.store


def get_pool(request: Request) -> WorkerPool:
    return request.app.state.pool


async def require_api_key(request: Request, key: Optional[str] = Security(api_key_header)) -> None:
    """401 unless no keys are configured or ``X-API-Key`` matches one of them."""
    keys = request.app.state.settings.api_keys
    if not keys:
        return
    if key is None or not any(hmac.compare_digest(key.encode(), k.encode()) for k in keys):
        what = "missing" if key is None else "invalid"
        raise ApiError(
            401, "unauthorized", f"{what} API key: send a valid X-API-Key header",
            [ErrorDetail(path="header.X-API-Key", message=f"header.X-API-Key: the key is {what}.", type="unauthorized")],
            headers={"WWW-Authenticate": "X-API-Key"},
        )
