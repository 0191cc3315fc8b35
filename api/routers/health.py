"""GET /healthz (liveness, no auth, no disk) and GET /v1/version."""

from __future__ import annotations

import platform
from importlib import metadata

from fastapi import APIRouter, Request

from api.routers.common import AUTH_ERRORS
from api.schemas import Health, Version

health_router = APIRouter(tags=["health"])
version_router = APIRouter(tags=["health"])


def _version(dist: str):
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


@health_router.get("/healthz", response_model=Health, summary="Liveness and queue state")
async def healthz(request: Request) -> Health:
    """Answers from memory only (no disk, no solver), so it stays fast while solves run."""
    return Health(status="ok", **request.app.state.pool.stats())


@version_router.get("/version", response_model=Version, summary="Server and engine versions", responses=AUTH_ERRORS)
async def version() -> Version:
    from optimizer.solvers.engines import engine_names

    return Version(
        name="fieldservice-dispatch",
        version=_version("fieldservice-dispatch") or "0.1.0",
        api="v1",
        engines=engine_names(),
        python=platform.python_version(),
        ortools=_version("ortools"),
    )
