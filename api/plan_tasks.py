"""Live-plan work done in worker processes (never on the server's event loop): creating a plan,
applying events (a re-plan), and recommendations against a stored version.

Each process keeps, per plan, the last version it parsed and the plan's travel matrix
(:class:`optimizer.live.MatrixCache`), so consecutive events on a plan neither re-parse the
state nor rebuild the matrix; a process that has not seen the current version reads it from
the SQLite file (read-only). Results go back as JSON text: ``{"version": str, "movable": str,
"summary": str, "feed": [[kind, data], ...]}`` (the strings are JSON documents, stored as they
are by :class:`api.plan_store.PlanStore`).
"""

from __future__ import annotations

import collections
import json
import time
from dataclasses import dataclass
from typing import Optional

MAX_CACHED_PLANS = 8


@dataclass
class _Cached:
    version: object  # optimizer.live.PlanVersion
    matrix: object  # optimizer.live.MatrixCache
    movable: Optional[str] = None  # its movable JSON (None: read it from the store when needed)


_PLANS: "collections.OrderedDict[str, _Cached]" = collections.OrderedDict()
_RECOMMENDERS: "collections.OrderedDict[str, tuple[int, object]]" = collections.OrderedDict()
_MATRICES: "collections.OrderedDict[str, object]" = collections.OrderedDict()


def _remember(table: collections.OrderedDict, key: str, value: object) -> None:
    table[key] = value
    table.move_to_end(key)
    while len(table) > MAX_CACHED_PLANS:
        table.popitem(last=False)


def _movable_json(outcome) -> str:
    derived = outcome.derived.model_dump_json() if outcome.derived is not None else "null"
    suffix = outcome.suffix.model_dump_json() if outcome.suffix is not None else "null"
    v = outcome.version
    known = json.dumps([j.id for j in v.problem.jobs])
    techs = json.dumps([t.id for t in v.problem.technicians])
    return f'{{"known_jobs":{known},"technicians":{techs},"derived":{derived},"suffix":{suffix}}}'


def summary(version: dict) -> dict:
    """The answer to an event post / plan creation: a stored version (as parsed JSON) without
    its problem and plan."""
    return {
        "plan_id": version["plan_id"], "version": version["version"], "now": version.get("now"),
        "created_at": version["created_at"],
        "event_ids": [e["id"] for e in version.get("events", [])],
        "changes": version.get("changes", []),
        "risk": version.get("risk", {}),
        "escalations": version.get("escalations", []),
        "kpis": version["solution"].get("kpis"),
        "promises": len(version.get("promises", {})),
        "replan_time_s": version.get("replan_time_s"),
    }


def _feed(version, head: dict) -> list[list[str]]:
    """Feed entries of a version: ``version`` (always), ``risk`` and ``escalation`` when any."""
    out = [["version", json.dumps({k: head[k] for k in ("plan_id", "version", "now", "created_at", "event_ids", "changes", "kpis")})]]
    risk = version.risk
    if risk.at_risk or risk.breaches:
        out.append(["risk", json.dumps({"plan_id": version.plan_id, "version": version.version, **head["risk"]})])
    if version.escalations:
        out.append(["escalation", json.dumps({"plan_id": version.plan_id, "version": version.version, "escalations": head["escalations"]})])
    return out


def _answer(outcome, movable: str) -> str:
    text = outcome.version.model_dump_json()
    head = summary(json.loads(text))
    return json.dumps({"version": text, "movable": movable,
                       "summary": json.dumps(head), "feed": _feed(outcome.version, head)})


def run_plan_create(payload: str) -> str:
    """``{"plan_id", "problem", "solution"|null, "settings"}`` -> answer (see module docstring).
    Without a solution the problem is solved first (its own options)."""
    from optimizer.live import LiveSettings, MatrixCache, create
    from optimizer.live.update import refuse_shifts
    from optimizer.models import Problem, Solution
    from optimizer.solve import solve

    request = json.loads(payload)
    problem = Problem.model_validate(request["problem"])
    refuse_shifts(problem)
    settings = LiveSettings.model_validate(request["settings"])
    cache = MatrixCache(problem)
    if request.get("solution") is not None:
        from optimizer.validate import validate

        solution = Solution.model_validate(request["solution"])
        violations = validate(problem, solution, cache.matrix, cache.points)
        if violations:
            more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
            raise ValueError(f"solution: {violations[0].rule}: {violations[0].message}{more}")
    else:
        limit = request.get("time_limit_s")
        if limit is not None and problem.options.time_limit_s > limit:
            problem = problem.model_copy(update={"options": problem.options.model_copy(update={"time_limit_s": limit})})
        solution = solve(problem, cache.matrix, cache.points)
    outcome = create(request["plan_id"], problem, solution, settings, cache.matrix, cache.points)
    movable = _movable_json(outcome)
    _remember(_PLANS, request["plan_id"], _Cached(outcome.version, cache, movable))
    return _answer(outcome, movable)


def _current(db_path: str, plan_id: str, number: int) -> _Cached:
    from optimizer.live import MatrixCache, PlanVersion

    cached = _PLANS.get(plan_id)
    if cached is not None and getattr(cached.version, "version") == number:
        return cached
    from api.plan_store import read_only_json

    text = read_only_json(db_path, plan_id, number, "body")
    if text is None:
        raise LookupError(f"plan {plan_id} has no version {number}")
    version = PlanVersion.model_validate_json(text)
    matrix = cached.matrix if cached is not None else MatrixCache(version.problem)
    return _Cached(version, matrix)


def run_plan_apply(payload: str) -> str:
    """``{"db", "plan_id", "version", "settings", "batch"}`` -> answer of the next version."""
    from optimizer.live import EventBatch, LiveSettings, apply

    request = json.loads(payload)
    cached = _current(request["db"], request["plan_id"], request["version"])
    settings = LiveSettings.model_validate(request["settings"])
    batch = EventBatch.model_validate(request["batch"])
    outcome = apply(cached.version, settings, batch.events, batch.now, cache=cached.matrix)  # type: ignore[arg-type]
    if outcome.derived is None and all(getattr(e.event, "type", "") == "job_confirmed" for e in batch.events):
        # Nothing to re-plan (only promises given, the state unchanged): the part of the day
        # that can move is the previous version's.
        from api.plan_store import read_only_json

        movable = cached.movable or read_only_json(request["db"], request["plan_id"], request["version"], "movable") or _movable_json(outcome)
    else:
        movable = _movable_json(outcome)
    _remember(_PLANS, request["plan_id"], _Cached(outcome.version, cached.matrix, movable))
    return _answer(outcome, movable)


def _recommender(db_path: str, plan_id: str, number: int):
    from optimizer.live import MatrixCache
    from optimizer.live.recommend import LiveRecommender
    from optimizer.models import Problem, Solution

    hit = _RECOMMENDERS.get(plan_id)
    if hit is not None and hit[0] == number:
        return hit[1]
    from api.plan_store import read_only_json

    text = read_only_json(db_path, plan_id, number, "movable")
    if text is None:
        raise LookupError(f"plan {plan_id} has no version {number}")
    data = json.loads(text)
    derived = Problem.model_validate(data["derived"]) if data["derived"] is not None else None
    suffix = Solution.model_validate(data["suffix"]) if data["suffix"] is not None else None
    matrix = _MATRICES.get(plan_id)
    if matrix is None and derived is not None:
        matrix = MatrixCache(derived)
        _remember(_MATRICES, plan_id, matrix)
    rec = LiveRecommender(data["known_jobs"], data["technicians"], derived, suffix, matrix)  # type: ignore[arg-type]
    _remember(_RECOMMENDERS, plan_id, (number, rec))
    return rec


def run_plan_warm(db_path: str, plan_id: str, number: int) -> tuple[str, str]:
    """In a recommendation process: load version ``number`` of the plan ahead of the first
    recommendation request (the server asks each process after every new version)."""
    t0 = time.perf_counter()
    _recommender(db_path, plan_id, number).prepare()
    took_ms = (time.perf_counter() - t0) * 1000
    time.sleep(0.05)  # hold this process a moment so that the other warm-up call reaches another process
    return "ok", f"{took_ms:.1f}"


def run_plan_recommend(db_path: str, plan_id: str, number: int, body: bytes) -> tuple[str, str]:
    """In a recommendation process: ``("ok", PlanRecommendationResponse JSON)``,
    ``("rejected", error JSON)`` or ``("error", reason)``."""
    from pydantic import ValidationError

    from api.errors import ApiError, ErrorDetail, details_from_errors
    from api.routers.recommend import validation_error_of
    from api.schemas import PlanRecommendationRequest
    from optimizer.live.recommend import LiveRecommendError

    def rejected(exc: ApiError) -> tuple[str, str]:
        return "rejected", json.dumps({"status": exc.status, "code": exc.code, "message": exc.message,
                                       "details": [d.model_dump() for d in exc.details]})

    try:
        request = PlanRecommendationRequest.model_validate_json(body)
    except ValidationError as exc:
        return rejected(validation_error_of(details_from_errors(exc.errors(include_url=False))))
    t0 = time.perf_counter()
    rec = _recommender(db_path, plan_id, number)
    load_ms = (time.perf_counter() - t0) * 1000
    t1 = time.perf_counter()
    try:
        recs = rec.recommend(request.jobs, request.max_results)
    except LiveRecommendError as exc:
        message = str(exc)
        field = message.split(":", 1)[0]
        path = "$." + field
        return rejected(ApiError(422, "validation_error", message, [ErrorDetail(path=path, message=f"{path}: {message}", type="invalid_reference")]))
    elapsed_ms = (time.perf_counter() - t1) * 1000
    return "ok", json.dumps({"plan_id": plan_id, "version": number,
                             "recommendations": [r.model_dump(mode="json") for r in recs],
                             "elapsed_ms": round(elapsed_ms, 2), "load_ms": round(load_ms, 2)})
