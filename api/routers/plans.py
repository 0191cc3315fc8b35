"""Live plans: /v1/plans (create, read versions), events (re-plan), recommendations and the
change feed. Handlers translate HTTP to the ``optimizer.live`` library, which runs in the worker
processes (:mod:`api.plan_tasks`); the versions live in :class:`api.plan_store.PlanStore`.

Event posts on one plan are serialised (one lock per plan in this server process) and checked
against ``If-Match`` (the version the client saw; a stale one gets 409 naming the current
version). An event id is applied once: a post whose ids were all applied before answers the
version that applied them (``replayed``), so a client whose answer was lost (timeout, restart)
simply posts again.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import AsyncIterator, Optional

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from api.deps import get_pool, get_settings, get_store
from api.errors import ApiError, ErrorDetail
from api.limits import check_problem
from api.plan_store import PlanStore, VersionConflict
from api.plan_tasks import summary
from api.pool import QueueFull, Task, TaskOutcome, WorkerPool
from api.routers.common import (
    AUTH_ERRORS,
    BODY_ERRORS,
    QUEUE_ERRORS,
    SERVER_ERRORS,
    Responses,
    _err,
    new_key,
    outcome_error,
    queue_full,
)
from api.routers.recommend import run_in_recommend_pool
from api.schemas import PlanCreateRequest, PlanRecommendationResponse, PlanSummary
from api.settings import Settings
from api.store import JobStore
from optimizer.live import EventBatch, PlanVersion

router = APIRouter(tags=["plans"])

PLAN_ID = Path(..., description="Plan id returned by POST /v1/plans.", min_length=1, max_length=64)
NOT_FOUND: Responses = {404: _err("No plan (or version) with this id.")}
CONFLICT: Responses = {409: _err("If-Match names a version that is no longer current; the message and the ETag header name the current version.")}
HEARTBEAT_S = 10.0
STREAM_MAX_S = 300.0
"""A feed connection is closed after this long (the client reconnects with Last-Event-ID), so an
open feed never holds a server's shutdown up indefinitely (plain uvicorn waits for connections)."""


def get_plans(request: Request) -> PlanStore:
    return request.app.state.plans


class PlanRuntime:
    """Per-plan locks (event posts are serialised) and feed wake-ups of this server process."""

    def __init__(self) -> None:
        self.locks: dict[str, asyncio.Lock] = {}
        self.wakeups: dict[str, asyncio.Event] = {}
        self.background: set[asyncio.Task] = set()
        self.versions: dict[str, int] = {}

    async def current(self, plans: PlanStore, plan_id: str) -> Optional[int]:
        """The plan's current version number (remembered after each commit; else read). On a
        shared database (several replicas) always read: another replica may have moved it."""
        if plan_id not in self.versions or plans.shared:
            record = await asyncio.to_thread(plans.get, plan_id)
            if record is None:
                return None
            self.versions[plan_id] = record.version
        return self.versions[plan_id]

    def lock(self, plan_id: str) -> asyncio.Lock:
        return self.locks.setdefault(plan_id, asyncio.Lock())

    def wakeup(self, plan_id: str) -> asyncio.Event:
        return self.wakeups.setdefault(plan_id, asyncio.Event())

    def notify(self, plan_id: str) -> None:
        event = self.wakeups.pop(plan_id, None)
        if event is not None:
            event.set()

    async def warm(self, recommend_pool, db_path: str, plan_id: str, version: int, wait_s: float = 2.0) -> None:
        """Load the new version into every recommendation process (one call per process, each
        holding its process a moment), so that no recommendation pays for parsing it; waits at
        most ``wait_s`` (the loading goes on in the background after that)."""
        from api import plan_tasks

        async def one() -> None:
            if recommend_pool.closing:
                return
            await recommend_pool.run_call(plan_tasks.run_plan_warm, db_path, plan_id, version)

        async def every() -> None:
            await asyncio.gather(*(one() for _ in range(recommend_pool.size)), return_exceptions=True)

        task = asyncio.get_running_loop().create_task(every())
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        await asyncio.wait({task}, timeout=wait_s)


def _not_found(plan_id: str, what: str = "plan") -> ApiError:
    return ApiError(404, "not_found", f"no {what} {plan_id!r}")


def _refused(message: str) -> ApiError:
    """A LiveError / ReplanError message starts with the field path (``events[2].event.job_id: ...``)."""
    field = message.split(":", 1)[0] if ":" in message else ""
    path = "$." + field if field.startswith(("events[", "now", "jobs[", "solution")) else "$"
    rest = message.split(":", 1)[1].strip() if path != "$" else message
    return ApiError(422, "validation_error", message, [ErrorDetail(path=path, message=f"{path}: {rest}", type="invalid_reference")])


async def _run(pool: WorkerPool, kind: str, payload: str, limit_s: float) -> TaskOutcome:
    task = Task(kind, limit_s, payload, key=new_key(kind))
    try:
        pool.submit(task)
    except QueueFull as exc:
        raise queue_full(exc)
    outcome: TaskOutcome = await task.future  # not cancelled when the client leaves: the version is still stored
    if outcome.status == "invalid":
        raise _refused(outcome.text or "")
    if outcome.status != "ok":
        raise outcome_error(outcome)
    return outcome


def _version_headers(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


async def _source(body: PlanCreateRequest, store: JobStore) -> tuple[str, Optional[str]]:
    """``(problem JSON, solution JSON or None)`` of a create request."""
    if (body.problem is None) == (body.optimization_id is None):
        raise ApiError(422, "validation_error", "give exactly one of problem and optimization_id",
                       [ErrorDetail(path="$.problem", message="$.problem: give exactly one of problem and optimization_id.", type="missing")])
    if body.problem is not None:
        return body.problem.model_dump_json(), body.solution.model_dump_json() if body.solution is not None else None
    if body.solution is not None:
        raise ApiError(422, "validation_error", "solution comes from the optimization job; leave it out",
                       [ErrorDetail(path="$.solution", message="$.solution: not allowed with optimization_id.", type="extra_forbidden")])
    assert body.optimization_id is not None
    record = await asyncio.to_thread(store.get, body.optimization_id)
    if record is None:
        raise ApiError(404, "not_found", f"no optimization job {body.optimization_id!r}",
                       [ErrorDetail(path="$.optimization_id", message="$.optimization_id: unknown job.", type="not_found")])
    if record.status != "succeeded" or record.solution is None:
        raise ApiError(409, "conflict", f"optimization job {body.optimization_id!r} is {record.status}, not succeeded",
                       [ErrorDetail(path="$.optimization_id", message=f"$.optimization_id: the job is {record.status}.", type="conflict")])
    problem_json = await asyncio.to_thread(store.problem_json, body.optimization_id)
    assert problem_json is not None
    return problem_json, record.solution


@router.post(
    "/plans", status_code=201, response_model=PlanSummary,
    summary="Create a live plan (version 1) from a problem or a finished optimization",
    responses={**AUTH_ERRORS, **BODY_ERRORS, **QUEUE_ERRORS, **SERVER_ERRORS, **NOT_FOUND,
               409: _err("optimization_id names a job that has not succeeded.")},
)
async def create_plan(body: PlanCreateRequest, request: Request, settings: Settings = Depends(get_settings),
                      pool: WorkerPool = Depends(get_pool), store: JobStore = Depends(get_store),
                      plans: PlanStore = Depends(get_plans)) -> Response:
    """Version 1 of a new plan: `problem` solved by the server (or with the given `solution`,
    checked by the validator), or the problem and solution of a succeeded
    `optimization_id`. Answers the version's summary (risk, escalations, KPIs); read the whole
    version at `GET /v1/plans/{id}`."""
    problem_json, solution_json = await _source(body, store)
    if body.problem is not None:
        check_problem(body.problem, settings, prefix=("problem",))
    limit = min(body.problem.options.time_limit_s, settings.sync_time_limit_s) if body.problem is not None and solution_json is None else 5.0
    plan_id = plans.new_id()
    settings_json = body.settings.model_dump_json()
    payload = (f'{{"plan_id":"{plan_id}","problem":{problem_json},"solution":{solution_json or "null"},'
               f'"settings":{settings_json},"time_limit_s":{limit}}}')
    outcome = await _run(pool, "plan_create", payload, limit + 5)
    data = json.loads(outcome.text or "{}")
    await asyncio.to_thread(plans.create, plan_id, settings_json, data["version"], data["movable"], data["feed"], body.optimization_id)
    await request.app.state.plan_runtime.warm(request.app.state.recommend_pool, str(plans.path), plan_id, 1)
    return JSONResponse(json.loads(data["summary"]), status_code=201,
                        headers={**_version_headers(1), "Location": f"/v1/plans/{plan_id}"})


async def _read(plans: PlanStore, plan_id: str, version: Optional[int] = None) -> Response:
    record = await asyncio.to_thread(plans.get, plan_id)
    if record is None:
        raise _not_found(plan_id)
    number = record.version if version is None else version
    if version is not None and not 1 <= version <= record.version:
        raise ApiError(404, "not_found", f"plan {plan_id!r} has versions 1 to {record.version}, not {version}")
    text = await asyncio.to_thread(plans.version_json, plan_id, number)
    assert text is not None
    return Response(text, media_type="application/json", headers=_version_headers(number))


@router.get("/plans/{plan_id}", response_model=PlanVersion, summary="The current version of a plan",
            responses={**AUTH_ERRORS, **NOT_FOUND})
async def get_plan(plan_id: str = PLAN_ID, plans: PlanStore = Depends(get_plans)) -> Response:
    """The whole current version: state (`problem`), plan (`solution`), `changes`, `risk`,
    `escalations`, `promises`, the events it applied. `ETag` is the version number (send it
    back as `If-Match` when posting events)."""
    return await _read(plans, plan_id)


@router.get("/plans/{plan_id}/versions/{version}", response_model=PlanVersion, summary="One version of a plan",
            responses={**AUTH_ERRORS, **NOT_FOUND})
async def get_plan_version(plan_id: str = PLAN_ID, version: int = Path(..., ge=1, description="Version number, 1 = at creation."),
                           plans: PlanStore = Depends(get_plans)) -> Response:
    """Any version, as it was made (versions are never changed)."""
    return await _read(plans, plan_id, version)


def _if_match(value: Optional[str]) -> Optional[int]:
    if value is None:
        return None
    text = value.strip().removeprefix("W/").strip('"')
    try:
        return int(text)
    except ValueError:
        raise ApiError(422, "validation_error", f"If-Match must be a version number, got {value!r}",
                       [ErrorDetail(path="header.If-Match", message="header.If-Match: not a version number.", type="int_parsing")]) from None


@router.post(
    "/plans/{plan_id}/events", response_model=PlanSummary,
    summary="Apply events to a plan: re-plan, new version with changes, risk and escalations",
    responses={**AUTH_ERRORS, **BODY_ERRORS, **QUEUE_ERRORS, **SERVER_ERRORS, **NOT_FOUND, **CONFLICT},
)
async def post_events(body: EventBatch, request: Request, plan_id: str = PLAN_ID,
                      if_match: Optional[str] = Header(None, description="The version the events apply to (ETag of the last read). Stale -> 409. Default: the current version."),
                      settings: Settings = Depends(get_settings), pool: WorkerPool = Depends(get_pool),
                      plans: PlanStore = Depends(get_plans)) -> Response:
    """Apply `events` (each with a client `id`) at the plan's clock `now`: the state of the day is
    derived from the current version's plan and the status events, promised starts are held,
    the rest is re-planned with the plan's stability weight; answers the new version's summary
    (`changes`, `risk`, `escalations`). Ids applied before are skipped; when all were, the
    answer is the version that applied them (`replayed`: true) and nothing new is made."""
    expected = _if_match(if_match)
    ids = [e.id for e in body.events]
    if len(set(ids)) != len(ids):
        dup = next(i for i, e in enumerate(ids) if ids.index(e) != i)
        raise ApiError(422, "validation_error", f"events[{dup}].id: repeated in this request",
                       [ErrorDetail(path=f"$.events[{dup}].id", message=f"$.events[{dup}].id: repeated in this request.", type="duplicate")])
    runtime: PlanRuntime = request.app.state.plan_runtime
    async with runtime.lock(plan_id):
        record = await asyncio.to_thread(plans.get, plan_id)
        if record is None:
            raise _not_found(plan_id)
        applied = await asyncio.to_thread(plans.applied, plan_id, ids)
        fresh = [e for e in body.events if e.id not in applied]
        if not fresh:
            return await _replay(plans, plan_id, max(applied.values()), ids)
        if expected is not None and expected != record.version:
            raise ApiError(409, "conflict", f"If-Match version {expected} is stale: the plan is at version {record.version}",
                           [ErrorDetail(path="header.If-Match", message=f"header.If-Match: the current version is {record.version}.", type="conflict")],
                           headers=_version_headers(record.version))
        batch = body.model_copy(update={"events": fresh})
        payload = (f'{{"db":{json.dumps(str(plans.path))},"plan_id":"{plan_id}","version":{record.version},'
                   f'"settings":{record.settings},"batch":{batch.model_dump_json()}}}')
        limit = _replan_limit(record.settings)
        outcome = await _run(pool, "plan_apply", payload, limit)
        data = json.loads(outcome.text or "{}")
        try:
            number = await asyncio.to_thread(plans.commit, plan_id, record.version, data["version"], data["movable"],
                                             [e.id for e in fresh], data["feed"])
        except VersionConflict as exc:  # another replica (same database) committed this plan meanwhile
            raise ApiError(409, "conflict", f"the plan moved to version {exc.current} meanwhile", headers=_version_headers(exc.current))
    runtime.versions[plan_id] = number
    runtime.notify(plan_id)
    await runtime.warm(request.app.state.recommend_pool, str(plans.path), plan_id, number)
    head = json.loads(data["summary"])
    head["skipped_event_ids"] = [i for i in ids if i in applied]
    return JSONResponse(head, headers=_version_headers(number))


def _replan_limit(settings_json: str) -> float:
    """Expected run time of an event post: two re-plans at most (a broken promise) plus margin, s."""
    replan = json.loads(settings_json).get("replan", {})
    return 2 * float(replan.get("time_limit_s") or 1.0) + 5.0


async def _replay(plans: PlanStore, plan_id: str, version: int, ids: list[str]) -> Response:
    text = await asyncio.to_thread(plans.version_json, plan_id, version)
    assert text is not None
    head = summary(json.loads(text))
    head["skipped_event_ids"] = ids
    head["replayed"] = True
    return JSONResponse(head, headers={**_version_headers(version), "Idempotent-Replay": "true"})


@router.post(
    "/plans/{plan_id}/recommendations", response_model=PlanRecommendationResponse,
    summary="Rank technicians for new jobs against the plan's current version (no plan resend)",
    responses={**AUTH_ERRORS, **BODY_ERRORS, **QUEUE_ERRORS, **SERVER_ERRORS, **NOT_FOUND},
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PlanRecommendationRequest"}}}}},
)
async def plan_recommendations(request: Request, plan_id: str = PLAN_ID, plans: PlanStore = Depends(get_plans)) -> Response:
    """For each job in `jobs`, the feasible insertions into the current version's plan (the part
    of the day that can still move: after each technician's work under way and dispatched
    work), best first. The version's state, plan and travel matrix stay parsed in the
    recommendation processes; only the new jobs' rows and columns of the matrix are computed.
    Body: [PlanRecommendationRequest], parsed and checked in the recommendation process."""
    from api import plan_tasks

    pool = request.app.state.recommend_pool
    runtime: PlanRuntime = request.app.state.plan_runtime
    version = await runtime.current(plans, plan_id)
    if version is None:
        raise _not_found(plan_id)
    text = await run_in_recommend_pool(
        request, pool, lambda body: pool.run_call(plan_tasks.run_plan_recommend, str(plans.path), plan_id, version, body))
    return Response(text, media_type="application/json", headers=_version_headers(version))


def _sse(seq: int, kind: str, data: str) -> str:
    return f"id: {seq}\nevent: {kind}\ndata: {data}\n\n"


@router.get(
    "/plans/{plan_id}/stream",
    summary="Change feed of a plan (server-sent events): versions, changes, risk warnings, escalations",
    responses={**AUTH_ERRORS, **NOT_FOUND, 200: {"content": {"text/event-stream": {}}, "description": "An event stream."}},
)
async def stream(request: Request, plan_id: str = PLAN_ID,
                 last_event_id: Optional[str] = Header(None, description="Resume after this feed entry id (the SSE id of the last entry received)."),
                 after: Optional[int] = Query(None, ge=0, description="Same as Last-Event-ID, for clients that cannot set headers. Default 0: from the start."),
                 follow: bool = Query(True, description="Keep the stream open for new entries (false: send what is stored and close). Default true."),
                 plans: PlanStore = Depends(get_plans)) -> StreamingResponse:
    """Server-sent events, one per feed entry: `event: version` (version number, now, event ids,
    changes, KPIs), `event: risk` (at_risk, breaches) and `event: escalation`. Each has an `id`
    (increasing per plan); a client that reconnects with `Last-Event-ID` continues after it,
    across server restarts (the feed is stored). A comment line is sent every 10 s while idle; the
    server closes a feed connection after 5 minutes or when it shuts down (reconnect with
    `Last-Event-ID`)."""
    record = await asyncio.to_thread(plans.get, plan_id)
    if record is None:
        raise _not_found(plan_id)
    start = after or 0
    if last_event_id is not None:
        try:
            start = int(last_event_id.strip())
        except ValueError:
            raise ApiError(422, "validation_error", "Last-Event-ID must be a feed entry number",
                           [ErrorDetail(path="header.Last-Event-ID", message="header.Last-Event-ID: not a number.", type="int_parsing")]) from None
    runtime: PlanRuntime = request.app.state.plan_runtime
    pool: WorkerPool = request.app.state.pool

    async def entries() -> AsyncIterator[str]:
        last = start
        idle_s = 0.0
        opened = time.monotonic()
        while True:
            wake = runtime.wakeup(plan_id)
            rows = await asyncio.to_thread(plans.feed_after, plan_id, last)
            for row in rows:
                last = row.seq
                yield _sse(row.seq, row.kind, row.data)
            if rows:
                continue
            if not follow or pool.closing or time.monotonic() - opened > STREAM_MAX_S or await request.is_disconnected():
                return
            try:
                await asyncio.wait_for(wake.wait(), timeout=1.0)
                idle_s = 0.0
            except asyncio.TimeoutError:
                idle_s += 1.0
                if idle_s >= HEARTBEAT_S:
                    idle_s = 0.0
                    yield ": keep-alive\n\n"

    return StreamingResponse(entries(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
