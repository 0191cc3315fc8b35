"""What-if scenarios over HTTP and the HTML plan report.

``POST /v1/scenarios`` applies the variants' changes (in a thread), then submits the base and
every variant as ordinary asynchronous optimization jobs (the same store, queue, worker pool,
restart recovery and ``GET /v1/optimizations/{id}`` as any other job) and records which job is
which run in a ``scenarios`` table of the same SQLite file. ``GET /v1/scenarios/{id}`` reports
the runs and, once all have succeeded, the KPI comparison with deltas against the base;
``GET /v1/scenarios/{id}/report`` and ``GET /v1/optimizations/{id}/report`` answer the offline
HTML report. Rendering runs in a thread of the server process (a road basemap loads the region
there once).
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from api.deps import get_pool, get_settings, get_store
from api.errors import ApiError, ErrorDetail
from api.language import with_language
from api.limits import check_problem
from api.pool import QueueFull, WorkerPool
from api.routers.common import AUTH_ERRORS, BODY_ERRORS, QUEUE_ERRORS, Responses, queue_full
from api.routers.optimize import job_task
from api.scenario_store import ScenarioStore
from api.settings import Settings
from api.store import JobStore
from optimizer.models import Problem, Solution
from optimizer.scenarios import Scenario, ScenarioError, scenario_problems
from optimizer.scenarios.model import BASE_NAME

router = APIRouter(tags=["planning"])

SCENARIO_ID = Path(..., description="Scenario id returned by POST /v1/scenarios.", min_length=1, max_length=64)
JOB_ID = Path(..., description="Optimization job id.", min_length=1, max_length=64)
NOT_FOUND: Responses = {404: BODY_ERRORS[422] | {"description": "No such id."}}
NOT_READY: Responses = {409: BODY_ERRORS[422] | {"description": "Not finished yet (or did not succeed): no report."}}

def _scenarios(request: Request) -> ScenarioStore:
    state = request.app.state
    store = getattr(state, "scenario_store", None)
    if store is None:
        store = state.scenario_store = ScenarioStore(state.settings.database)
    return store


# -- schemas -----------------------------------------------------------------------------------

class ScenarioRun(BaseModel):
    name: str = Field(..., description="Run name: base, or a variant's name.")
    description: Optional[str] = Field(None, description="The variant's description. Default null.")
    optimization_id: str = Field(..., description="Its optimization job: GET /v1/optimizations/{id} (Solution) and /report (HTML).")
    status: str = Field(..., description="queued | running | succeeded | failed | cancelled.")
    error: Optional[str] = Field(None, description="Why the run failed or was cancelled. Default null.")
    kpis: Optional[dict[str, Any]] = Field(None, description="The run's KPIs once it succeeded. Default null.")


class ScenarioCreated(BaseModel):
    id: str = Field(..., description="Scenario id; poll GET /v1/scenarios/{id}.")
    status: str = Field(..., description="Always queued on creation.")
    runs: list[ScenarioRun] = Field(..., description="Base first, then the variants in request order.")


class ScenarioState(BaseModel):
    id: str
    name: str
    status: str = Field(..., description="queued (no run started), running, succeeded (all runs), failed (all finished, some failed) or cancelled (all finished, some cancelled, none failed).")
    progress: float = Field(..., ge=0, le=1, description="Share of runs finished.")
    created_at: str
    runs: list[ScenarioRun]
    comparison: Optional[dict[str, Any]] = Field(
        None, description="When every run succeeded: {runs, metrics[{key, label, unit, digits, higher_is_better, values[], deltas[], better[]}]}, deltas against the base. Default null.")
    report: Optional[str] = Field(None, description="Path of the HTML report once every run succeeded. Default null.")


# -- routes ------------------------------------------------------------------------------------

@router.post(
    "/scenarios",
    status_code=202,
    response_model=ScenarioCreated,
    summary="Solve a base problem and its what-if variants in the background",
    responses={**AUTH_ERRORS, **BODY_ERRORS, **QUEUE_ERRORS},
)
async def submit_scenario(
    scenario: Scenario,
    request: Request,
    settings: Settings = Depends(get_settings),
    pool: WorkerPool = Depends(get_pool),
    store: JobStore = Depends(get_store),
) -> ScenarioCreated:
    """The body is a scenario (docs/spreadsheets.md, "What-if scenario files") with the base
    problem inline. Each run (base and variants) becomes an optimization job; the runs share the
    worker pool (`DISPATCH_WORKERS` in parallel). At most `DISPATCH_MAX_VARIANTS` variants (else
    422); every run takes a place in the solve queue, so a scenario is accepted only when all its
    runs fit (else 429), and its runs take turns with other clients' jobs instead of going first."""
    runs_needed = 1 + len(scenario.variants)
    if len(scenario.variants) > settings.max_variants or runs_needed > settings.max_queue:
        limit = min(settings.max_variants, settings.max_queue - 1)
        message = (f"$.variants: at most {limit} variants per scenario (server limits DISPATCH_MAX_VARIANTS={settings.max_variants}, "
                   f"DISPATCH_MAX_QUEUE={settings.max_queue} places for the base and its variants), got {len(scenario.variants)}.")
        raise ApiError(422, "limit_exceeded", message, [ErrorDetail(path="$.variants", message=message, type="limit_exceeded")])
    try:
        pool.check_capacity(runs_needed)
    except QueueFull as exc:
        raise queue_full(exc)
    scenario = scenario.model_copy(update={"base": with_language(scenario.base, request)})
    try:
        problems = await asyncio.to_thread(scenario_problems, scenario)
    except ScenarioError as exc:
        raise ApiError(422, "validation_error", str(exc), [ErrorDetail(path="$.variants", message=f"$.variants: {exc}", type="invalid_change")])
    for i, (name, problem) in enumerate(problems.items()):
        check_problem(problem, settings, prefix=("base",) if name == BASE_NAME else ("variants", i - 1, "(result)"))
    descriptions = {v.name: v.description for v in scenario.variants}
    runs: list[dict[str, Any]] = []
    try:
        with pool.reservation(len(problems)) as places:
            for name, problem in problems.items():
                record = await asyncio.to_thread(store.create, problem.model_dump_json(), problem.options.time_limit_s)
                runs.append({"name": name, "description": descriptions.get(name), "optimization_id": record.id})
            scenario_id, _ = await asyncio.to_thread(_scenarios(request).create, scenario.name, runs)
            for run in runs:
                pool.submit(job_task(store, run["optimization_id"], problems[run["name"]].options.time_limit_s, group=scenario_id),
                            reservation=places)
    except QueueFull as exc:
        raise queue_full(exc)
    return ScenarioCreated(id=scenario_id, status="queued", runs=[ScenarioRun(**r, status="queued") for r in runs])


async def _load_runs(request: Request, store: JobStore, scenario_id: str):
    found = await asyncio.to_thread(_scenarios(request).get, scenario_id)
    if found is None:
        raise ApiError(404, "not_found", f"no scenario {scenario_id!r}")
    name, created, runs = found
    records = [await asyncio.to_thread(store.get, r["optimization_id"]) for r in runs]
    return name, created, runs, records


@router.get(
    "/scenarios/{scenario_id}",
    response_model=ScenarioState,
    summary="Status of a scenario's runs and, when all succeeded, the KPI comparison",
    responses={**AUTH_ERRORS, **NOT_FOUND},
)
async def get_scenario(request: Request, scenario_id: str = SCENARIO_ID, store: JobStore = Depends(get_store)) -> ScenarioState:
    name, created, runs, records = await _load_runs(request, store, scenario_id)
    statuses = [r.status if r else "failed" for r in records]
    solutions = [Solution.model_validate_json(r.solution) if r and r.solution else None for r in records]
    out_runs = [
        ScenarioRun(**run, status=status, error=rec.error if rec else "job record missing",
                    kpis=sol.kpis.model_dump(mode="json") if sol and sol.kpis else None)
        for run, status, rec, sol in zip(runs, statuses, records, solutions)
    ]
    finished = sum(s in ("succeeded", "failed", "cancelled") for s in statuses)
    if all(s == "succeeded" for s in statuses):
        status = "succeeded"
    elif finished == len(statuses):
        status = "failed" if "failed" in statuses else "cancelled"
    elif all(s == "queued" for s in statuses):
        status = "queued"
    else:
        status = "running"
    comparison = None
    done = [s for s in solutions if s is not None and s.kpis is not None]
    if status == "succeeded" and len(done) == len(solutions):
        from optimizer.report.payload import comparison_payload

        done = await asyncio.to_thread(_measure_readiness, store, runs, done)
        out_runs = [run.model_copy(update={"kpis": sol.kpis.model_dump(mode="json") if sol.kpis else None})
                    for run, sol in zip(out_runs, done)]

        comparison = comparison_payload([(run["name"], sol.kpis) for run, sol in zip(runs, done) if sol.kpis is not None],
                                        [sol.solver.wall_time_s if sol.solver else 0.0 for sol in done])
    return ScenarioState(
        id=scenario_id, name=name, status=status, progress=round(finished / len(statuses), 3), created_at=created,
        runs=out_runs, comparison=comparison, report=f"/v1/scenarios/{scenario_id}/report" if status == "succeeded" else None,
    )


def _measure_readiness(store: JobStore, runs: list[dict], solutions: list[Solution]) -> list[Solution]:
    """Each variant's first-visit readiness against the base's requirements (a variant may relax
    them; see optimizer.scenarios.runner.measure_readiness)."""
    from optimizer.scenarios.runner import RunResult, measure_readiness

    texts = [store.problem_json(run["optimization_id"]) for run in runs]
    if any(t is None for t in texts):
        return solutions
    results = [RunResult(run["name"], Problem.model_validate_json(t), sol, 0.0) for run, t, sol in zip(runs, texts, solutions) if t]
    measure_readiness(results)
    return [r.solution for r in results]


@router.delete(
    "/scenarios/{scenario_id}",
    response_model=ScenarioState,
    summary="Cancel a scenario's queued and running runs",
    responses={**AUTH_ERRORS, **NOT_FOUND},
)
async def cancel_scenario(request: Request, scenario_id: str = SCENARIO_ID, store: JobStore = Depends(get_store),
                          pool: WorkerPool = Depends(get_pool)) -> ScenarioState:
    """Every run still queued or running is cancelled (as DELETE /v1/optimizations/{id} does);
    finished runs keep their results."""
    _, _, runs, records = await _load_runs(request, store, scenario_id)
    for run, record in zip(runs, records):
        if record is not None and record.status in ("queued", "running"):
            await asyncio.to_thread(store.finish, record.id, "cancelled", None, "cancelled with its scenario")
            await pool.cancel(record.id)
    return await get_scenario(request, scenario_id, store)


@router.get(
    "/scenarios/{scenario_id}/report",
    response_model=None,
    summary="The scenario's offline HTML report (comparison charts, every run's map and Gantt)",
    responses={**AUTH_ERRORS, **NOT_FOUND, **NOT_READY, 200: {"content": {"text/html": {}}, "description": "One self-contained HTML page."}},
)
async def scenario_report(request: Request, scenario_id: str = SCENARIO_ID, store: JobStore = Depends(get_store)) -> HTMLResponse:
    name, _, runs, records = await _load_runs(request, store, scenario_id)
    pending = [run["name"] for run, rec in zip(runs, records) if rec is None or rec.status != "succeeded"]
    if pending:
        raise ApiError(409, "conflict", f"scenario {scenario_id}: runs not succeeded (yet): {pending}")
    found = [await asyncio.to_thread(store.problem_json, run["optimization_id"]) for run in runs]
    problems = [p for p in found if p is not None]
    if len(problems) != len(found):
        raise ApiError(404, "not_found", f"scenario {scenario_id}: a run's optimization job no longer exists")
    page = await asyncio.to_thread(_render_scenario, name, runs, problems, [r.solution or "" for r in records if r is not None])
    return HTMLResponse(page)


def _render_scenario(name: str, runs: list[dict], problems: list[str], solutions: list[str]) -> str:
    from optimizer.report import render_scenario_report
    from optimizer.scenarios.runner import RunResult, ScenarioResult, measure_readiness

    results = []
    for run, p, s in zip(runs, problems, solutions):
        solution = Solution.model_validate_json(s)
        results.append(RunResult(run["name"], Problem.model_validate_json(p), solution,
                                 solution.solver.wall_time_s if solution.solver else 0.0))
    descriptions = {r["name"]: r["description"] for r in runs if r.get("description")}
    measure_readiness(results)
    return render_scenario_report(ScenarioResult(name, results, workers=0, descriptions=descriptions))


@router.get(
    "/optimizations/{job_id}/report",
    response_model=None,
    summary="The offline HTML report (map, Gantt, KPI cards) of a finished optimization",
    responses={**AUTH_ERRORS, **NOT_FOUND, **NOT_READY, 200: {"content": {"text/html": {}}, "description": "One self-contained HTML page."}},
)
async def optimization_report(job_id: str = JOB_ID, store: JobStore = Depends(get_store)) -> HTMLResponse:
    record = await asyncio.to_thread(store.get, job_id)
    if record is None:
        raise ApiError(404, "not_found", f"no optimization job {job_id!r}")
    solution = record.solution
    if record.status != "succeeded" or not solution:
        raise ApiError(409, "conflict", f"job {job_id} is {record.status}; a report needs a succeeded job")
    problem_json = await asyncio.to_thread(store.problem_json, job_id)
    if problem_json is None:
        raise ApiError(404, "not_found", f"no optimization job {job_id!r}")
    page = await asyncio.to_thread(_render_one, problem_json, solution, job_id)
    return HTMLResponse(page)


def _render_one(problem_json: str, solution_json: str, job_id: str) -> str:
    from optimizer.report import render_report

    return render_report(Problem.model_validate_json(problem_json), Solution.model_validate_json(solution_json),
                         title=f"Dispatch plan {job_id[:8]}")
