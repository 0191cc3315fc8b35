"""Generate docs/api.md: field reference from the OpenAPI schema, examples from a REAL server.

``python scripts/gen_api_docs.py [-o docs/api.md]`` (a docs tool, not part of the runtime packages) starts ``dispatch serve`` on a free loopback port with a
temporary database, sends one request per endpoint (a small Helsinki problem), and writes the
page with those exact requests and responses. Nothing in the examples is written by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script from any folder
    sys.path.insert(0, str(REPO_ROOT))

from api.app import create_app  # noqa: E402
from api.settings import Settings  # noqa: E402

UNITS = {"_s": "s", "_m": "m", "_min": "min", "_ms": "ms", "_pct": "%", "_km": "km", "_bytes": "bytes"}

SETTINGS_DOC = [
    ("DISPATCH_DB", "dispatch.db", "SQLite file holding asynchronous jobs and results (created when missing)."),
    ("DISPATCH_DATABASE_URL", "(none)", "`postgresql://user[:password]@host:port/dbname`: jobs, live plans and scenarios live in this PostgreSQL database instead of `DISPATCH_DB`, shared by several API replicas (`pip install '.[postgres]'`). Tables are created on first start. A malformed or unreachable URL stops `dispatch serve` within seconds (connect timeout 5 s) with exit code 2 and a message naming this variable."),
    ("DISPATCH_REPLICA_ID", "host name", "This replica's name on a shared database. Give every replica its own (two on one host need two names): a restart re-queues only the running jobs of its own name, and those of any replica whose lease ran out."),
    ("DISPATCH_LEASE_S", "30", "Shared database: a running job's lease. Its replica renews it every third of this while the solve runs (however long), so no other replica takes a live job; when a replica dies, the others take its running jobs over this long after its last renewal (and within `DISPATCH_ADOPT_EVERY_S` more)."),
    ("DISPATCH_ADOPT_EVERY_S", "5", "Shared database: how often a replica with idle workers takes queued jobs (another replica's backlog, or the running jobs of a replica whose lease ran out) from the database."),
    ("DISPATCH_WORKERS", "CPU count", "Solver worker processes; with `DISPATCH_SOLVER_BACKEND=ray`, the tasks this replica runs on the Ray cluster at once."),
    ('DISPATCH_SOLVER_BACKEND', 'processes', "Where solves run: `processes` (local worker processes) or `ray` (Ray tasks on `DISPATCH_RAY_ADDRESS`, or on a local Ray runtime with `DISPATCH_WORKERS` CPUs; several replicas share one cluster; see below). Needs `pip install '.[ray]'`."),
    ("DISPATCH_MAX_QUEUE", "16", "Tasks waiting for a worker before new solve/matrix/re-plan requests get 429 (a scenario needs a place for every run)."),
    ("DISPATCH_SYNC_TIME_LIMIT_S", "30", "POST /v1/optimize caps options.time_limit_s at this many seconds (the Solution's warnings say so)."),
    ("DISPATCH_MAX_TIME_LIMIT_S", "600", "options.time_limit_s above this is refused with 422 (both optimize endpoints)."),
    ("DISPATCH_MAX_BODY_BYTES", "10000000", "Request bodies larger than this get 413."),
    ("DISPATCH_MAX_JOBS", "5000", "Jobs per problem; more gets 422."),
    ("DISPATCH_MAX_TECHNICIANS", "500", "Technicians per problem, and 7 x that many technician shifts (`technicians[].shifts`); more gets 422."),
    ("DISPATCH_MAX_LOCATIONS", "2000", "Locations per POST /v1/matrix; more gets 422."),
    ("DISPATCH_SHUTDOWN_GRACE_S", "20", "On SIGTERM: running solves get this many seconds to finish, then they are stopped and queued again; queued jobs stay queued. Both run after the restart."),
    ("DISPATCH_MAX_VARIANTS", "10", "Variants per POST /v1/scenarios; more gets 422 (also at most DISPATCH_MAX_QUEUE - 1)."),
    ("DISPATCH_RECOMMEND_WORKERS", "2", "Processes computing recommendations (apart from the solver workers and the event loop)."),
    ("DISPATCH_MAX_RECOMMENDATIONS", "8", "Recommendation requests in progress at once; more get 429 before their body is read."),
    ("DISPATCH_BODY_TIMEOUT_S", "10", "A request body that pauses longer than this, or takes more than 6 times this in all, gets 408 and the connection is closed."),
    ("DISPATCH_API_KEYS", "(none)", "Comma-separated API keys. When set, every /v1 route needs a matching X-API-Key header (else 401); /healthz and /docs stay open."),
    ("DISPATCH_ALLOWED_REGIONS", "(none)", "Comma-separated OSM extract paths a request may name in options.region; any other value gets 422 (a client never makes the server open a path of its choosing)."),
    ("DISPATCH_REGION", "embedded Helsinki", "The server's road region (OSM extract) used when a request names none."),
    ("DISPATCH_PARALLEL", "processes", "Where the territories of a decomposed solve (options.decomposition) run: processes (a local pool), ray, or off (one after another in the solving process). Default ray when DISPATCH_RAY_ADDRESS is set. What-if variants run as Ray tasks with ray."),
    ("DISPATCH_RAY_ADDRESS", "(none)", "The Ray cluster's head (host:port or ray://host:port) for DISPATCH_SOLVER_BACKEND=ray (the server's solves) and DISPATCH_PARALLEL=ray (territories of decomposed solves, what-if variants); unset = a local Ray runtime on this machine (the server's: DISPATCH_WORKERS CPUs). Unreachable, or a port that is not a Ray head: an error naming this setting within about 5 s (dispatch serve exits 2)."),
]

MODELS = [
    "Problem", "Technician", "Shift", "Job", "Location", "TimeWindow", "Break", "Options", "Weights", "ExplicitMatrix", "DecompositionSettings",
    "Solution", "Route", "Stop", "BreakSlot", "Unassigned", "JobCandidates", "RankedTechnician", "Kpis", "DayKpis", "SolverInfo",
    "DecompositionInfo", "TerritoryInfo",
    "OptimizationCreated", "OptimizationJob", "SolveProgress",
    "RecommendationRequest", "RecommendationResponse", "JobRecommendation", "RecommendationOption", "ShiftedStop",
    "MatrixRequest", "MatrixResponse", "Health", "Version", "ErrorResponse", "ErrorBody", "ErrorDetail",
    "Scenario", "ScenarioCreated", "ScenarioState", "ScenarioRun",
    "ReplanRequest", "ReplanOptions", "ReplanResponse", "StateSummary", "DoneJob", "StateWarning",
    "JobStarted", "JobCompleted", "TechnicianPosition",
    "PlanCreateRequest", "LiveSettings", "PromiseSettings", "EscalationRule", "PlanSummary", "PlanVersion", "LiveChange",
    "RiskReport", "JobRisk", "Escalation", "Promise", "Tracking", "EventBatch", "LiveEvent", "JobConfirmed", "JobAssigned",
    "PlanRecommendationRequest", "PlanRecommendationResponse",
]


def endpoint_index(openapi: dict) -> str:
    """Every path and method of the running app with its summary (so no endpoint goes unlisted)."""
    rows = ["| method | path | what it does |", "|---|---|---|"]
    for path, ops in openapi["paths"].items():
        for method, op in ops.items():
            rows.append(f"| {method.upper()} | `{path}` | {op.get('summary', '')} |")
    return "\n".join(rows)


# -- field reference ---------------------------------------------------------------------------
def _type(prop: dict) -> str:
    if not isinstance(prop, dict):  # additionalProperties: true
        return "any"
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in prop:
        kinds = [_type(p) for p in prop["anyOf"] if p.get("type") != "null"]
        nullable = any(p.get("type") == "null" for p in prop["anyOf"])
        return " \\| ".join(kinds) + (" \\| null" if nullable else "")
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    t = prop.get("type", "any")
    if t == "array":
        return f"array of {_type(prop.get('items', {}))}"
    if t == "object" and "additionalProperties" in prop:
        return f"object of {_type(prop['additionalProperties'])}"
    if t == "string" and prop.get("format") == "date-time":
        return "datetime"
    return t


def _unit(name: str, prop: dict) -> str:
    for suffix, unit in UNITS.items():
        if name.endswith(suffix):
            return unit
    if "date-time" in json.dumps(prop):
        return "ISO-8601 + offset"
    return ""


def _default(name: str, prop: dict, required: set[str], model) -> str:
    if name in required:
        return "required"
    field = getattr(model, "model_fields", {}).get(name) if model is not None else None
    if field is not None and field.default_factory is not None:
        value = field.default_factory()
        if hasattr(value, "model_dump"):
            return "(object defaults)"
        return f"`{json.dumps(value, default=lambda o: o.model_dump(mode='json') if hasattr(o, 'model_dump') else str(o))}`"
    if "default" in prop:
        return f"`{json.dumps(prop['default'])}`"
    return "optional"


def _model_classes() -> dict[str, Any]:
    import api.errors as errors
    import api.schemas as schemas
    import optimizer.live as live
    import optimizer.models as models

    out = {}
    for module in (models, schemas, errors, live):
        for name in dir(module):
            obj = getattr(module, name)
            if isinstance(obj, type) and hasattr(obj, "model_fields"):
                out[name] = obj
    return out


def field_reference(openapi: dict) -> str:
    schemas = openapi["components"]["schemas"]
    classes = _model_classes()
    lines = []
    for name in MODELS:
        comp = schemas.get(name)
        if comp is None:
            continue
        lines.append(f"### {name}\n")
        if comp.get("description"):
            lines.append(" ".join(comp["description"].split()) + "\n")
        lines.append("| field | type | unit | default | description |")
        lines.append("|---|---|---|---|---|")
        required = set(comp.get("required", []))
        for field, prop in comp.get("properties", {}).items():
            desc = " ".join(prop.get("description", "").split()).replace("|", "\\|")
            lines.append(f"| `{field}` | {_type(prop)} | {_unit(field, prop)} | {_default(field, prop, required, classes.get(name))} | {desc} |")
        lines.append("")
    return "\n".join(lines)


def engine_reference() -> str:
    """The engine table (``optimizer.solvers.engines.ENGINES``) and each engine's settings."""
    from optimizer.solvers.engines import ENGINES

    lines = [
        "`options.engine` names one of these engines; `options.engine_params` sets it (unknown or "
        "invalid settings are a 422 naming `engine_params.<setting>`). `options.max_iterations` stops the "
        "search after that many iterations for deterministic runs (the time limit still applies); "
        "`solver.iterations`, `solver.search_time_s` and `solver.compile_time_s` in the Solution report "
        "what the engine did.\n",
        "| engine | description |",
        "|---|---|",
    ]
    lines += [f"| `{name}` | {spec.description} |" for name, spec in ENGINES.items()]
    lines.append("")
    for name, spec in ENGINES.items():
        schema = spec.params.model_json_schema()
        lines.append(f"### Engine `{name}`: engine_params\n")
        lines.append("| setting | type | default | description |")
        lines.append("|---|---|---|---|")
        for field, prop in schema.get("properties", {}).items():
            desc = " ".join(prop.get("description", "").split()).replace("|", "\\|")
            default = f"`{json.dumps(prop['default'])}`" if "default" in prop else "required"
            lines.append(f"| `{field}` | {_type(prop)} | {default} | {desc} |")
        lines.append("")
    return "\n".join(lines)


# -- examples from a real server ---------------------------------------------------------------
def example_problem() -> dict:
    """Two technicians and five jobs in central Helsinki; job j5 needs a skill nobody has."""
    day = "2026-11-24"

    def at(hhmm: str) -> str:
        return f"{day}T{hhmm}:00+02:00"

    return {
        "technicians": [
            {"id": "anna", "skills": {"hvac": 2, "electrical": 1}, "shift": {"start": at("08:00"), "end": at("16:00")},
             "start_location": {"lat": 60.1699, "lon": 24.9384},
             "breaks": [{"earliest_start": at("11:30"), "latest_start": at("12:30"), "duration_min": 30}]},
            {"id": "ben", "skills": ["electrical"], "shift": {"start": at("09:00"), "end": at("17:00")},
             "start_location": {"lat": 60.1641, "lon": 24.9402}, "parts": {"fuse": 4}},
        ],
        "jobs": [
            {"id": "j1", "location": {"lat": 60.1718, "lon": 24.9414}, "duration_min": 45, "skills": {"hvac": 2},
             "time_windows": [{"start": at("09:00"), "end": at("11:00")}], "priority": "high", "sla_deadline": at("12:00")},
            {"id": "j2", "location": {"lat": 60.1675, "lon": 24.9510}, "duration_min": 30, "skills": ["electrical"], "parts": {"fuse": 1}},
            {"id": "j3", "location": {"lat": 60.1630, "lon": 24.9470}, "duration_min": 60, "priority": "urgent", "sla_deadline": at("11:00")},
            {"id": "j4", "location": {"lat": 60.1750, "lon": 24.9300}, "duration_min": 20, "priority": "low",
             "time_windows": [{"start": at("13:00"), "end": at("15:00")}]},
            {"id": "j5", "location": {"lat": 60.1690, "lon": 24.9450}, "duration_min": 30, "skills": {"gas": 3}},
        ],
        "options": {"time_limit_s": 2, "matrix": "haversine", "candidates_per_job": 2, "seed": 0},
    }


class _Server:
    def __init__(self, db: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {**os.environ, "DISPATCH_DB": str(db), "DISPATCH_WORKERS": "1"}
        env.pop("DISPATCH_API_KEYS", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "optimizer.cli", "serve", "--port", str(self.port), "--log-level", "warning"],
                                     cwd=REPO_ROOT, env=env, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(600):
            try:
                if httpx.get(self.url + "/healthz", timeout=1).json()["workers_ready"] == 1:
                    return
            except (httpx.HTTPError, ValueError, KeyError):
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(15)


def _json(obj: Any) -> str:
    return "```json\n" + json.dumps(obj, indent=2) + "\n```"


def _exchange(method: str, path: str, response: httpx.Response, body: Any = None, note: str = "", shown: Any = None) -> str:
    """One request/response pair as markdown; ``shown`` replaces the response body (abridged)."""
    parts = [f"`{method} {path}`" + (f" ({note})" if note else "") + "\n"]
    if body is not None:
        parts.append("Request body:\n\n" + _json(body) + "\n")
    extra = "".join(f"; `{h}: {response.headers[h]}`" for h in ("Retry-After",) if h in response.headers)
    parts.append(f"Response `{response.status_code}`{extra}:\n\n" + _json(response.json() if shown is None else shown) + "\n")
    return "\n".join(parts)


def collect_examples() -> dict[str, str]:
    problem = example_problem()
    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        server = _Server(Path(tmp) / "docs.db")
        try:
            with httpx.Client(base_url=server.url, timeout=120) as c:
                r = c.get("/healthz")
                out["health"] = _exchange("GET", "/healthz", r)
                out["version"] = _exchange("GET", "/v1/version", c.get("/v1/version"))
                r = c.post("/v1/optimize", json=problem)
                r.raise_for_status()
                out["optimize"] = _exchange("POST", "/v1/optimize", r, problem)
                plan = r.json()

                created = c.post("/v1/optimizations", json=problem)
                out["submit"] = _exchange("POST", "/v1/optimizations", created, note="same body as /v1/optimize")
                job_id = created.json()["id"]
                while True:
                    r = c.get(f"/v1/optimizations/{job_id}")
                    if r.json()["status"] == "running":
                        out["poll_running"] = _exchange("GET", f"/v1/optimizations/{job_id}", r, note="while running")
                    if r.json()["status"] in ("succeeded", "failed", "cancelled"):
                        break
                    time.sleep(0.5)
                solution = r.json()["solution"]
                shown = dict(r.json(), solution={"routes": ["..."], "unassigned": solution["unassigned"], "kpis": "...", "solver": solution["solver"]})
                out["poll_done"] = _exchange("GET", f"/v1/optimizations/{job_id}", r, note="when done; `solution` abridged here: it is the full Solution, as from /v1/optimize", shown=shown)
                long = dict(problem, options=dict(problem["options"], time_limit_s=60))
                long_id = c.post("/v1/optimizations", json=long).json()["id"]
                while c.get(f"/v1/optimizations/{long_id}").json()["status"] == "queued":
                    time.sleep(0.1)
                out["cancel"] = _exchange("DELETE", f"/v1/optimizations/{long_id}", c.delete(f"/v1/optimizations/{long_id}"))

                # Recommendations: plan without j4, then ask where j4 fits.
                planned = dict(problem, jobs=[j for j in problem["jobs"] if j["id"] != "j4"])
                base = c.post("/v1/optimize", json=planned).json()
                base_min = {"routes": [{"technician_id": r["technician_id"], "stops": r["stops"]} for r in base["routes"]]}
                rec_body = {"problem": problem, "plan": base_min, "job_ids": ["j4"], "max_results": 2}
                r = c.post("/v1/recommendations", json=rec_body)
                r.raise_for_status()
                out["recommend"] = _exchange("POST", "/v1/recommendations", r, rec_body)

                m_body = {"locations": [{"lat": 60.1699, "lon": 24.9384}, {"lat": 60.1718, "lon": 24.9414}, {"lat": 60.1630, "lon": 24.9470}], "source": "haversine"}
                out["matrix"] = _exchange("POST", "/v1/matrix", c.post("/v1/matrix", json=m_body), m_body)

                bad = json.loads(json.dumps(problem))
                bad["jobs"][1]["duration_min"] = -10
                bad["jobs"][2]["pinned_technician"] = "carl"
                out["error"] = _exchange("POST", "/v1/optimize", c.post("/v1/optimize", json=bad), note="jobs[1].duration_min = -10 and jobs[2].pinned_technician = \"carl\"")
                out["plan"] = plan
                out.update(_plan_examples(c, problem))
        finally:
            server.stop()
    return out


def _plan_examples(c: httpx.Client, problem: dict) -> dict[str, str]:
    """A live plan: create, read, an event, a replay, a stale If-Match, recommendations, the feed."""
    out: dict[str, str] = {}
    body = {"problem": problem, "settings": {"replan": {"time_limit_s": 0.5}, "promises": {"confirm_all": True}}}
    r = c.post("/v1/plans", json=body)
    r.raise_for_status()
    out["plan_create"] = _exchange("POST", "/v1/plans", r, {"problem": "(the problem of POST /v1/optimize)", "settings": body["settings"]},
                                   note="`ETag: " + r.headers["etag"] + "`")
    plan_id = r.json()["plan_id"]
    r = c.get(f"/v1/plans/{plan_id}")
    v = r.json()
    shown = dict(v, problem="(the state of the day)", solution={"routes": "...", "unassigned": v["solution"]["unassigned"], "kpis": "..."},
                 promises=dict(list(v["promises"].items())[:1]), tracking="...")
    out["plan_get"] = _exchange("GET", f"/v1/plans/{plan_id}", r, note="abridged: problem, routes and KPIs are the full objects", shown=shown)
    events = {"now": "2026-11-24T09:40:00+02:00", "events": [
        {"id": "ev-1", "event": {"type": "job_started", "job_id": "j1", "at": "2026-11-24T09:05:00+02:00", "technician_id": "anna"}},
        {"id": "ev-2", "event": {"type": "technician_unavailable", "technician_id": "ben", "reason": "van broke down"}}]}
    r = c.post(f"/v1/plans/{plan_id}/events", json=events, headers={"If-Match": '"1"'})
    r.raise_for_status()
    out["plan_events"] = _exchange("POST", f"/v1/plans/{plan_id}/events", r, events, note="with `If-Match: \"1\"`")
    r = c.post(f"/v1/plans/{plan_id}/events", json=events)
    out["plan_replay"] = _exchange("POST", f"/v1/plans/{plan_id}/events", r, note="the same body again (a retry): nothing is applied twice",
                                   shown={k: r.json()[k] for k in ("plan_id", "version", "event_ids", "skipped_event_ids", "replayed")})
    stale = {"events": [{"id": "ev-3", "event": {"type": "technician_delayed", "technician_id": "anna", "minutes": 15}}]}
    out["plan_conflict"] = _exchange("POST", f"/v1/plans/{plan_id}/events", c.post(f"/v1/plans/{plan_id}/events", json=stale, headers={"If-Match": "1"}),
                                     stale, note="with a stale `If-Match: 1`")
    rec = {"jobs": [{"id": "n1", "location": {"lat": 60.1680, "lon": 24.9420}, "duration_min": 30, "priority": "urgent",
                     "sla_deadline": "2026-11-24T13:00:00+02:00"}], "max_results": 2}
    r = c.post(f"/v1/plans/{plan_id}/recommendations", json=rec)
    r.raise_for_status()
    out["plan_recommend"] = _exchange("POST", f"/v1/plans/{plan_id}/recommendations", r, rec)
    r = c.get(f"/v1/plans/{plan_id}/stream", params={"follow": "false"}, headers={"Last-Event-ID": "1"})
    text = "\n".join(line if len(line) < 300 else line[:300] + " ..." for line in r.text.splitlines())
    out["plan_stream"] = f"`GET /v1/plans/{plan_id}/stream?follow=false` with `Last-Event-ID: 1` (data lines cut at 300 characters here)\n\n```text\n{text}\n```\n"
    return out


CURL_EXAMPLE = """```bash
dispatch serve --port 8000 &          # from the repository root, with .venv/bin on PATH
sleep 3                               # let the workers start
# solve the bundled demo problem (data/demo_problem.json) and print the KPIs
curl -s -X POST http://127.0.0.1:8000/v1/optimize \\
     -H 'Content-Type: application/json' --data @data/demo_problem.json \\
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["kpis"])'
# the same in the background: submit, poll until done, print the status and the KPIs
ID=$(curl -s -X POST http://127.0.0.1:8000/v1/optimizations \\
     -H 'Content-Type: application/json' --data @data/demo_problem.json \\
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
until curl -s http://127.0.0.1:8000/v1/optimizations/$ID | grep -qE '"status":"(succeeded|failed|cancelled)"'; do sleep 1; done
curl -s http://127.0.0.1:8000/v1/optimizations/$ID \\
  | python3 -c 'import json, sys; job = json.load(sys.stdin); print(job["status"], job["solution"]["kpis"])'
```"""


def render(ex: dict[str, str], openapi: dict) -> str:
    settings_rows = "\n".join(f"| `{name}` | {default} | {text} |" for name, default, text in SETTINGS_DOC)
    return f"""# HTTP API

<!-- Generated by `python scripts/gen_api_docs.py` from a real server run: do not edit by hand. -->

The HTTP layer over the `optimizer` library: same JSON contract as the `dispatch` CLI. Start it
with `dispatch serve [--host 127.0.0.1] [--port 8000] [--workers N] [--db dispatch.db]`; the
interactive OpenAPI page is at `/docs`, the schema at `/openapi.json`.

## Quick start

<!-- curl-example -->
{CURL_EXAMPLE}

## Endpoints

{endpoint_index(openapi)}

Scenarios and reports are described with examples in `docs/spreadsheets.md` and the
`dispatch whatif` help; re-planning (events, frozen work, `changes[]`) in `docs/replan.md`. Their
request and response fields are in the field reference below.

## Conventions

- Datetimes are ISO-8601 **with** a UTC offset (`2026-11-24T09:00:00+02:00`); answers use the
  offset of the problem's earliest shift start. Coordinates are WGS84 `{{"lat", "lon"}}`.
- Units are in the names: `_s` seconds, `_min` minutes, `_m` metres, `_ms` milliseconds, `_pct` %.
- Unknown fields are errors (422), not silently dropped.
- Infeasible input is not an error: jobs nobody can do come back in `unassigned` with a reason.
- Every error has one shape, with the JSON path of each bad field and a sentence:
  `{{"error": {{"status", "code", "message", "details": [{{"path", "message", "type"}}]}}}}`.
  Codes: `validation_error` (422), `limit_exceeded` (422, names the server limit),
  `body_too_large` (413), `unauthorized` (401), `not_found` (404), `method_not_allowed` (405),
  `conflict` (409), `queue_full` (429, with a `Retry-After` header in seconds), `body_timeout`
  (408: the body stalled, see `DISPATCH_BODY_TIMEOUT_S`; the connection is closed; under
  `dispatch serve` a connection whose request headers stall as long is closed too), `unavailable`
  (503 while the server shuts down, with `Retry-After`), `solver_error` and `internal_error` (500,
  JSON, never a traceback).
- Numbers must be finite: `NaN` and `Infinity` (which some JSON writers produce) are refused in
  every field with "Input should be a finite number" and the field's path. Integers are at most
  2^53 - 1 (9007199254740991, what every JSON client represents exactly); values of id -> integer
  tables (`parts` quantities, skill levels) at most 10^9; weights at most 10^6 per unit
  (`non_preferred_technician` and `technician_fixed_cost` 10^8, `unassigned_penalty` multiples
  1000); explicit-matrix entries at most 10^7 s and 10^8 m. Beyond: 422 naming the field. Every
  value inside these bounds solves (tested at the maxima).
- A plan sent back to the server (`plan` of `/v1/recommendations`, `previous` of `/v1/replan`)
  must name only technicians and jobs of its problem, each job once: else 422 with the path of
  each bad entry (`$.plan.routes[0].stops[2].job_id: unknown job 'J9'`).
- **Several shifts (a multi-day horizon)**: a technician gives either `shift` (one day, the
  contract as before) or `shifts` (a list of [Shift](#shift): each with its own `start`/`end`,
  optional `start_location`/`end_location` and `breaks`); both, or neither, is a 422 naming
  `technicians[i]`. Each shift is planned as its own route: `routes[]` holds one entry per
  technician and shift, with `shift_index` (0-based) and `day` (YYYY-MM-DD of the shift start);
  one-shift technicians keep one route with both null. Pinned, excluded and preferred technicians
  apply to every shift of that technician; `max_jobs` and the van stock (`parts`) apply per shift
  (the van is restocked between shifts); `current_location` and work under way belong to the
  first shift not yet ended at `now`; `available_from` and `now` bound every shift. The fixed cost
  and overtime (`costs`) count per shift worked. `kpis` are the horizon's, `kpis.by_day` per
  calendar day ([DayKpis](#daykpis)); workload balance is per route, with each route's fair share
  proportional to its shift length, so over the horizon it evens out each technician's total.
  Not yet supported with `shifts` (a 422 naming the feature): `/v1/replan` and live plans,
  `change_shift` / `technicians_unavailable` what-if changes on such a technician, accepting a
  recommendation at a position, `options.decomposition: "on"` (auto never decomposes them).
- **Durations by technician**: a job lasts `durations_by_technician[technician id]` minutes when
  that technician does it, else `duration_min` x the technician's `service_factor` (default 1;
  e.g. 1.25 for a junior), rounded up to whole seconds. Every engine, the scheduler, the validator,
  the KPIs and the recommendations use that duration (the `ortools` engine with one transit
  callback per distinct service column).
- Error messages name files by their name only (a region extract, never a server directory).
- Solves and matrices run in a pool of worker processes (`DISPATCH_WORKERS`); requests wait in a
  bounded queue (`DISPATCH_MAX_QUEUE`) and get 429 when it is full, so `/healthz` keeps answering
  while solves run. A scenario is accepted only when all its runs fit in the queue, and its runs
  take turns with other clients' jobs. A client that disconnects from `POST /v1/optimize`,
  `/v1/replan` or `/v1/matrix` cancels its task (the worker is free within a second).
  Recommendations run in processes of their own (`DISPATCH_RECOMMEND_WORKERS`), never on the
  server's event loop and never behind solves; beyond `DISPATCH_MAX_RECOMMENDATIONS` in progress
  they get 429 at once.

## Settings (environment variables)

| variable | default | meaning |
|---|---|---|
{settings_rows}

## Endpoints

| method and path | what |
|---|---|
| `POST /v1/optimize` | solve and wait; body [Problem](#problem), answer [Solution](#solution) |
| `POST /v1/optimizations` | queue a solve; `202` [OptimizationCreated](#optimizationcreated) |
| `GET /v1/optimizations/{{id}}` | [OptimizationJob](#optimizationjob): status `queued\\|running\\|succeeded\\|failed\\|cancelled`, progress, Solution when done |
| `DELETE /v1/optimizations/{{id}}` | cancel a queued or running job (`409` when it already finished) |
| `POST /v1/recommendations` | ranked insertions of new jobs into a live plan: [RecommendationRequest](#recommendationrequest) -> [RecommendationResponse](#recommendationresponse) |
| `POST /v1/matrix` | travel matrices: [MatrixRequest](#matrixrequest) -> [MatrixResponse](#matrixresponse) |
| `POST /v1/plans` | a live plan, version 1: [PlanCreateRequest](#plancreaterequest) -> `201` [PlanSummary](#plansummary) |
| `GET /v1/plans/{{id}}` | the current [PlanVersion](#planversion) (`ETag`: its number) |
| `GET /v1/plans/{{id}}/versions/{{n}}` | any earlier version, unchanged |
| `POST /v1/plans/{{id}}/events` | apply events, re-plan: [EventBatch](#eventbatch) (+ `If-Match`) -> [PlanSummary](#plansummary); stale `If-Match` -> `409` |
| `POST /v1/plans/{{id}}/recommendations` | new jobs only, against the stored version: [PlanRecommendationRequest](#planrecommendationrequest) -> [PlanRecommendationResponse](#planrecommendationresponse) |
| `GET /v1/plans/{{id}}/stream` | change feed, server-sent events (`version`, `risk`, `escalation`), resumable with `Last-Event-ID` |
| `GET /healthz` | liveness and queue state ([Health](#health)); never needs a key |
| `GET /v1/version` | [Version](#version) |

With `DISPATCH_API_KEYS` set, every `/v1` route needs `X-API-Key: <one of the keys>`; otherwise
`401`.

Asynchronous jobs are stored in SQLite (`DISPATCH_DB`) and no accepted job is lost when the
server stops. A finished result is read back as it was. On `SIGTERM` (or Ctrl-C) the server stops
accepting connections, lets requests in progress finish, keeps queued jobs queued and gives
running solves `DISPATCH_SHUTDOWN_GRACE_S` (default 20 s) to finish; those still running then are
stopped and queued again. After a crash (`kill -9`, power loss) jobs found running are queued
again too, at most 3 times per job (then `failed` with the reason "interrupted: the server stopped
while this job was running, 3 times; submit it again"). After the restart every queued job runs.
Solver workers ignore `SIGTERM` (the server stops them) and die with the server even on
`kill -9` (Linux parent-death signal). Keep the grace period below your supervisor's kill timeout
(`docker stop` waits 10 s, systemd 90 s): a solve cut short by `SIGKILL` is still run again after
the restart, but counts as a crash. `progress` is the elapsed share of the time limit while running (the
solver stops at its time limit), 1 when finished.

Several replicas (`DISPATCH_DATABASE_URL`, one PostgreSQL database behind a load balancer): any
replica answers for any job or plan. A job runs on the replica that accepted it, and is claimed
in the database (`UPDATE ... WHERE status = 'queued'`, recording the replica and a lease), so it
is solved by exactly one replica even when two hold it in their queues (after a restart a replica
queues every queued job of the database). A restarted replica re-queues its own interrupted jobs
and those whose lease expired, never another live replica's running job. Every 5 s (`DISPATCH_ADOPT_EVERY_S`) a replica
with idle workers takes the oldest queued jobs of the database (another replica's backlog), and
the running jobs of a replica that died once their lease has expired, so no accepted job waits
for its replica to come back. A replica renews the lease of every job it is solving every third
of `DISPATCH_LEASE_S` (default 30 s), so a long solve is never taken from a live replica, and a
dead replica's jobs are taken over about `DISPATCH_LEASE_S` after it died; a replica that finds
a job it is solving taken over (it stalled past its lease) stops that solve and writes nothing. `DELETE` through
another replica stops the running solve within about a second (each replica checks its running
jobs every second). Event posts to one live plan are serialised by the database: the new version
is written only if the plan is still at the version the post was made from, so of two concurrent
posts through two replicas one gets `200` and the other `409`, as with a stale `If-Match`. The
change feed of another replica's commit reaches a stream within about a second.

Solvers on Ray (`DISPATCH_SOLVER_BACKEND=ray`, `pip install '.[ray]'`): every task of the
solver pool (synchronous and asynchronous optimizations, scenario runs, re-plans, matrices, live
plan versions) runs as a Ray task instead of in a local worker process, on the cluster named by
`DISPATCH_RAY_ADDRESS` (`host:port` of its head; several replicas connected to one cluster share
its CPUs) or, without it, on a local Ray runtime the server starts with `DISPATCH_WORKERS` CPUs.
`DISPATCH_WORKERS` is then how many tasks this replica runs on the cluster at once; Ray places
each on a free CPU of any node, or holds it until one frees (the job is `running` meanwhile, its
lease renewed, its `progress` counting from submission). The queue, 429s, fairness, restarts and
leases are the replica's, as with local workers. `search` progress comes from the task (at most
every 0.5 s, through a small actor of the replica). `DELETE`, a disconnecting synchronous client
and the shutdown grace period stop a task with `ray.cancel(force=True)`, which ends the Ray
worker process running it. A Ray worker lost mid-solve (killed, out of memory, its node gone) is
run again by Ray, up to 3 runs in all; after that the job is `failed` with the reason. A replica
that dies takes its running Ray tasks with it; its jobs are run again after its restart or by
another replica once their lease ran out. An unreachable `DISPATCH_RAY_ADDRESS`, or a port that
answers but is not a Ray head, stops `dispatch serve` within about 5 s with exit code 2 and a
message naming the variable; `/healthz` says which backend runs the solves (`solver_backend`).
Every node needs this package installed (`pip install '.[api,ray]'`; the same version as the
replicas), the compiled kernels in its numba cache (`make warm`) and the road extracts the
requests name. With Ray 2.5x token authentication, the replicas use `RAY_AUTH_TOKEN`,
`RAY_AUTH_TOKEN_PATH` or `~/.ray/auth_token` when one is there.
Ray starts its worker processes at niceness 15 (`RAY_worker_niceness`): on a machine shared with
other work they get little CPU next to it; set `RAY_worker_niceness=0` on the nodes there
(measured in `benchmarks/README.md`, Decomposition).

The examples below come from one run of the real server (`python scripts/gen_api_docs.py`) on a small
problem: two technicians and five jobs in central Helsinki, where `j5` needs a gas skill nobody
has.

### POST /v1/optimize

Solves within `options.time_limit_s`, capped at `DISPATCH_SYNC_TIME_LIMIT_S` (a warning in
`warnings` says when the cap applied; use `/v1/optimizations` for longer solves).

{ex["optimize"]}
### POST /v1/optimizations

{ex["submit"]}
### GET /v1/optimizations/{{id}}

{ex.get("poll_running", "")}
{ex["poll_done"]}
### DELETE /v1/optimizations/{{id}}

{ex["cancel"]}
### POST /v1/recommendations

The urgent-job path of a live dispatch desk: for each job in `job_ids` (in `problem.jobs` but not
in the plan), the feasible insertions into the current plan, best first (lowest objective increase),
without re-solving: technician, `position` in the route (0 = before the first stop), `arrival`,
`start`, `end`, `extra_travel_time_s`, `sla_met`, and `shifted_stops` (later stops of that
technician that move, with their delay). Each job is evaluated on its own against the plan. Only
the routes' `technician_id` and stop order are read from `plan`. Here: the plan without `j4`, then
where `j4` fits.

{ex["recommend"]}
### Live plans: /v1/plans

A plan of the day kept by the server (same SQLite file as the jobs), in versions: every event post
that applies something makes a new version; old versions stay readable. The guide, with the
rules for promised times, SLA risk, escalation and the feed, is `docs/live.md`; the CLI is
`dispatch plan create|event|show|watch`. Here: the problem above as a plan whose planned starts
are all promised (`confirm_all`), then `j1` started and `ben` off for the day at 09:40.

{ex["plan_create"]}
{ex["plan_get"]}
{ex["plan_events"]}
{ex["plan_replay"]}
{ex["plan_conflict"]}
{ex["plan_recommend"]}
{ex["plan_stream"]}
### POST /v1/matrix

{ex["matrix"]}
### GET /healthz

{ex["health"]}
### GET /v1/version

{ex["version"]}
### Errors

Messages follow the request's `Accept-Language` header (`en`, the default, or `zh-CN`; `zh`,
`zh-Hans` count as `zh-CN`); `code`, `type` and `path` are the same in every language. A problem
without `options.language` is solved in the header's language too (its unassigned reasons).

{ex["error"]}
## Engines

{engine_reference()}
## Decomposition

`options.decomposition` (`off`, `auto`, `on`; default `auto`: on from
`decomposition_params.auto_min_jobs` jobs) solves a large problem by territories instead of whole
(`optimizer/decompose/`): points are grouped into road regions (cities farther apart than
`region_gap_km` never share a territory); a region with more than `target_jobs` jobs is cut by
balanced clustering of the job coordinates (on the explicit matrix's travel times when there are
no coordinates); technicians go to the territory near their home by capacity, then skill levels
a territory needs are covered; pinned and dispatched jobs follow their technician. Each territory
is a normal solve (same engine and settings) with a share of `time_limit_s` in proportion to its
jobs, and builds the matrix of its own points only (no matrix over all points). Then
`border_rounds` rounds re-solve disjoint pairs of neighbouring territories together, seeded with
their routes (never worse). Every part is checked by the independent validator before it is
merged; a territory whose solve fails returns its jobs unassigned with code `territory_failed`
and the error as the reason. `solver.decomposition` ([DecompositionInfo](#decompositioninfo))
reports the territories, their sizes and times, and the border rounds; `solver.objective` is the
sum of the territories' objectives. Bad settings are a 422 naming the field
(`options.decomposition_params.target_jobs`). Territory solves run in a local process pool,
on Ray, or in the solving process (`DISPATCH_PARALLEL`, `DISPATCH_RAY_ADDRESS`).

## Crews and dependencies

**Crew job**: `jobs[i].crew` lists one [CrewMember](#crewmember) per technician needed at the same
time (2 to 8), each with the `skills` (skill -> minimum level) that member must have, e.g. one
level-3 electrician and a helper: `"crew": [{{"skills": {{"electrical": 3}}}}, {{"skills": {{}}}}]`. The
crew together meets the requirements: every member requirement is met by a distinct technician.
Service starts at the same instant on every member's route (the crew meets when the last member
can be there) and every member stays `duration_min`. The job's own `skills`, `parts` and
`pinned_technician` must be empty (422 naming the field); `excluded_technicians` applies to every
member; `preferred_technicians` is priced per member. In the Solution the job appears as a stop
on each member's route, with the same `start`; it counts once in `kpis.jobs_assigned`, and its
`candidates` entry lists its members (all `assigned`). In the objective a crew job's drop penalty
and SLA cost count once per member.

**Dependencies**: `jobs[i].after` lists [Dependency](#dependency) items: the job starts only after
job `job` has ended (same or another technician), at least `min_delay_min` (default 0) and, when
given, at most `max_delay_min` minutes after that end. A job whose predecessor is not served is
not served either (`code` `dependency`, reason "depends on job A, which is not served"). Unknown
ids, a job depending on itself, a job listed twice and cycles are 422 naming the field
(`jobs.3.after.0.job: unknown job 'J9'`, `jobs.0.after: dependency cycle: J1 -> J2 -> J1`). A
completed predecessor (`status` completed) counts as finished.

Unassigned codes: `crew` ("no crew of 2 with hvac available at the same time", "no crew of 2:
only T1 can serve its members, not one technician each") and `dependency`.

Engines: `native` plans both (a crew job is one engine job per member, with its own allowed
technicians; a crew and the jobs linked to it by dependencies are removed and re-inserted
together, their starts pinned while the local search moves other jobs around them). The
`ortools` engine refuses them (422 on `options.engine`, naming the feature); so does
`options.decomposition = "on"` (with `auto`, such problems are solved whole). The validator
checks `crew_size`, `crew_start`, `crew_skills`, `dependency_unserved`, `dependency_order` and
`dependency_delay`.

## Field reference

Generated from the OpenAPI schema. "required" = must be given; "optional" = may be omitted (null).

{field_reference(openapi)}"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="generate docs/api.md from a real server run")
    parser.add_argument("-o", "--output", default=str(REPO_ROOT / "docs" / "api.md"))
    args = parser.parse_args(argv)
    openapi = create_app(Settings()).openapi()
    page = render(collect_examples(), openapi)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(page)
    print(f"wrote {args.output} ({len(page.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
