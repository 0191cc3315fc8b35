"""The FastAPI application: wires settings, the job store (SQLite, or PostgreSQL when
``DISPATCH_DATABASE_URL`` is set), the worker pool, error
handlers and the routers. Handlers only translate between HTTP and the ``optimizer`` library.

Run with ``dispatch serve`` or ``python -m uvicorn --factory api.app:create_app``.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from contextlib import asynccontextmanager
from typing import Any, Optional

from fastapi import Depends, FastAPI

from api.db import check_reachable, redact
from api.deps import require_api_key
from api.docs_ui import install_docs
from api.errors import install_error_handlers
from api.limits import BodySizeLimit
from api.plan_store import PlanStore
from api.pool import WorkerPool
from api.recommend_pool import RecommendPool
from api.routers import matrix, optimize, planning, plans, recommend, replan  # scenarios and reports; re-planning; live plans
from api.routers.health import health_router, version_router
from api.schemas import PlanRecommendationRequest, RecommendationRequest
from api.settings import Settings
from api.store import JobStore

log = logging.getLogger("api")

DESCRIPTION = """Field-service dispatch optimization: who does which job, in what order, and when.

Same JSON contract as the `dispatch` CLI and the `optimizer` library. Datetimes are ISO-8601 with a
UTC offset; durations in seconds (`_s`) or minutes (`_min`); distances in metres (`_m`).
Every error is `{"error": {status, code, message, details[{path, message, type}]}}`.
See docs/api.md for examples.
"""


async def _recover_jobs(app: FastAPI) -> None:
    """Restart safety: queued jobs (and jobs a crash left running) are queued again."""
    store: JobStore = app.state.store
    queued = await asyncio.to_thread(store.recover)
    for job_id in queued:
        record = await asyncio.to_thread(store.get, job_id)
        if record is None:  # pragma: no cover - recover() returns ids of stored rows
            continue
        app.state.pool.submit(optimize.job_task(store, job_id, record.time_limit_s), force=True)
    if queued:
        log.info("re-queued %d job(s) from %s", len(queued), redact(str(store.path)))


CANCEL_POLL_S = 1.0
"""On a shared database, how often a replica looks for its running jobs cancelled through another."""


async def _shared_housekeeping(app: FastAPI) -> None:
    """Shared database only. Every :data:`CANCEL_POLL_S`: a job cancelled through another
    replica stops here (its worker is stopped and replaced) instead of solving on. Every third
    of ``DISPATCH_LEASE_S``: the leases of the jobs this replica is solving are renewed (a job
    it no longer holds, taken over by another replica after this one stalled past its lease,
    is stopped here, its outcome left to the other). Every ``DISPATCH_ADOPT_EVERY_S``: idle
    workers take the oldest queued jobs of the database (another replica's backlog, or jobs of
    a replica that died: their lease expired), so no accepted job waits for its replica to come
    back; the claim in the database keeps each solved once."""
    store: JobStore = app.state.store
    pool: WorkerPool = app.state.pool
    settings: Settings = app.state.settings
    last_adopt = last_renew = 0.0
    while not pool.closing:
        await asyncio.sleep(min(CANCEL_POLL_S, settings.lease_s / 3))
        try:
            keys = pool.running_keys()
            loop_now = asyncio.get_running_loop().time()
            if keys and loop_now - last_renew >= settings.lease_s / 3:
                last_renew = loop_now
                for key in await asyncio.to_thread(store.renew, keys):
                    log.warning("job %s is no longer held by this replica (lease lost); stopping its solve here", key)
                    await pool.cancel(key)
            statuses = await asyncio.to_thread(store.statuses, keys) if keys else {}
            for key, status in statuses.items():
                if status == "cancelled":
                    await pool.cancel(key)
            if loop_now - last_adopt >= settings.adopt_every_s:
                last_adopt = loop_now
                stats = pool.stats()
                idle = stats["workers_ready"] - stats["workers_busy"] - stats["queued"]
                for job_id, time_limit_s in await asyncio.to_thread(store.adoptable, idle):
                    if pool.find(job_id) is None and not pool.closing:
                        pool.submit(optimize.job_task(store, job_id, time_limit_s), force=True)
        except Exception:  # noqa: BLE001 - a database hiccup must not end the housekeeping
            log.exception("shared-store housekeeping failed")


_SOLVERS: dict = {}


def connect_solvers(settings: Settings):
    """The Ray connection of ``DISPATCH_SOLVER_BACKEND=ray`` (made once per process, before the
    server starts, so an unreachable DISPATCH_RAY_ADDRESS stops it within seconds), else None."""
    if settings.solver_backend != "ray":
        return None
    key = (settings.ray_address, settings.workers)
    if key not in _SOLVERS or not _SOLVERS[key].connected:
        from api.ray_solvers import connect

        _SOLVERS[key] = connect(settings)
    return _SOLVERS[key]


def _add_schema(app: FastAPI, model) -> None:
    """Put ``model`` into the OpenAPI components (for a route that validates its body itself)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            extra = model.model_json_schema(ref_template="#/components/schemas/{model}")
            extra.pop("$defs", None)
            schema.setdefault("components", {}).setdefault("schemas", {}).setdefault(model.__name__, extra)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema


def create_app(settings: Optional[Settings] = None) -> FastAPI:
    """Build the app; ``settings`` default to the ``DISPATCH_*`` environment variables."""
    if settings is None:  # `uvicorn --factory api.app:create_app`: the same checks as `dispatch serve`
        try:
            settings = Settings.from_env()
            check_reachable(settings.database)
            connect_solvers(settings)
        except ValueError as exc:  # a bad DISPATCH_* value, an unreachable DISPATCH_DATABASE_URL or DISPATCH_RAY_ADDRESS
            print(f"error: {exc}", file=sys.stderr, flush=True)
            raise SystemExit(2) from None

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.store = JobStore(settings.database, owner=settings.replica_id, lease_s=settings.lease_s)
        app.state.plans = PlanStore(settings.database)
        app.state.plan_runtime = plans.PlanRuntime()
        app.state.pool = WorkerPool(settings.workers, settings.max_queue, settings.shutdown_grace_s, connect_solvers(settings))
        await app.state.pool.start()
        app.state.recommend_pool = RecommendPool(settings.recommend_workers, settings.max_recommendations)
        app.state.recommend_pool.start()
        await _recover_jobs(app)
        watch = asyncio.get_running_loop().create_task(_shared_housekeeping(app)) if app.state.store.shared else None
        try:
            yield
        finally:
            if watch is not None:
                watch.cancel()
            app.state.recommend_pool.stop()
            counts = await app.state.pool.stop()
            log.warning("stopped: %(requeued)d queued task(s) kept, %(finished)d running finished, "
                        "%(interrupted)d running stopped and queued again", counts)
            app.state.store.close()
            app.state.plans.close()
            scenarios = getattr(app.state, "scenario_store", None)
            if scenarios is not None:
                scenarios.close()

    app = FastAPI(
        title="Field-service dispatch API",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc come from api.docs_ui, with their assets served here (offline)
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    install_docs(app)
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, timeout_s=settings.body_timeout_s)

    _add_schema(app, RecommendationRequest)  # its route reads the raw body (see api.routers.recommend)
    _add_schema(app, PlanRecommendationRequest)  # the same for POST /v1/plans/{id}/recommendations

    auth = [Depends(require_api_key)]
    app.include_router(health_router)
    app.include_router(version_router, prefix="/v1", dependencies=auth)
    app.include_router(optimize.router, prefix="/v1", dependencies=auth)
    app.include_router(recommend.router, prefix="/v1", dependencies=auth)
    app.include_router(matrix.router, prefix="/v1", dependencies=auth)
    app.include_router(planning.router, prefix="/v1", dependencies=auth)
    app.include_router(replan.router, prefix="/v1", dependencies=auth)
    app.include_router(plans.router, prefix="/v1", dependencies=auth)
    return app
