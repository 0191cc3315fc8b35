"""App factory for the re-plan API tests: the real app, with the replan router included when
api/app.py does not include it yet (``python -m uvicorn --factory tests.replan.replan_app:create_app``)."""

from __future__ import annotations

from fastapi import Depends

from api.app import create_app as create_base_app
from api.deps import require_api_key


def create_app():
    app = create_base_app()
    if not any(getattr(route, "path", "") == "/v1/replan" for route in app.routes):
        from api.routers import replan

        app.include_router(replan.router, prefix="/v1", dependencies=[Depends(require_api_key)])
    return app
