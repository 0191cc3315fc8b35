"""``dispatch serve``: run the HTTP API (FastAPI on uvicorn).

Registered with the ``dispatch`` command through the ``dispatch.commands`` entry point (see
pyproject.toml), so that the ``optimizer`` library never imports the HTTP layer. The API's own
dependencies are the ``api`` extra; without them the command says so instead of failing."""

from __future__ import annotations

import argparse
import os
from types import FrameType
from typing import Any, Optional

API_EXTRA = "dispatch serve needs the api extra: pip install 'fieldservice-dispatch[api]'"


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError as exc:
        raise SystemExit(f"error: {API_EXTRA} ({exc})") from None

    from api.app import create_app
    from api.settings import Settings

    settings = Settings.from_env(db_path=args.db, workers=args.workers)
    if args.db:
        os.environ["DISPATCH_DB"] = str(args.db)
    from api.db import check_reachable, redact

    check_reachable(settings.database)  # an unreachable DISPATCH_DATABASE_URL: exit 2 within seconds
    from api.app import connect_solvers

    connect_solvers(settings)  # DISPATCH_SOLVER_BACKEND=ray: an unreachable DISPATCH_RAY_ADDRESS is exit 2 within seconds
    print(f"dispatch serve: http://{args.host}:{args.port}  (docs at /docs; {settings.workers} worker(s), {settings.solver_backend}; "
          f"db {redact(str(settings.database))})", flush=True)
    # On SIGTERM uvicorn stops accepting connections, lets requests in progress finish (at most
    # the grace period), then the app's shutdown keeps queued jobs queued and lets running solves
    # finish within the same grace period (or queues them again).
    app = create_app(settings)
    extra: dict[str, Any] = {}
    try:  # request headers time out too (uvicorn only times out idle keep-alive connections)
        from api.http_protocol import with_header_timeout

        extra["http"] = with_header_timeout(settings.body_timeout_s)
    except ImportError:  # pragma: no cover - uvicorn without httptools: its default protocol
        pass
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level,
                            timeout_graceful_shutdown=max(1, round(settings.shutdown_grace_s)) + SHUTDOWN_ANSWER_S, **extra)
    server = uvicorn.Server(config)
    uvicorn_exit = server.handle_exit

    def handle_exit(sig: int, frame: Optional[FrameType]) -> None:  # the grace period starts with the signal, not later
        pool = getattr(app.state, "pool", None)
        if pool is not None:
            pool.request_stop()
        uvicorn_exit(sig, frame)

    server.handle_exit = handle_exit  # type: ignore[method-assign]
    server.run()
    return 0


SHUTDOWN_ANSWER_S = 3
"""Seconds uvicorn waits for requests beyond the grace period: the pool stops what still runs at
the end of the grace period and the requests are answered (503) within these seconds."""


# -- dispatch plan: a live plan on a running server ---------------------------------------------

def _client(args: argparse.Namespace):
    import httpx

    headers = {"X-API-Key": args.api_key} if args.api_key else {}
    return httpx.Client(base_url=args.url.rstrip("/"), headers=headers, timeout=args.timeout)


def _answer(response) -> dict:
    """The JSON of a 2xx answer; an error answer exits 2 (4xx: the request was wrong) or 3."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code < 300:
        return body
    error = body.get("error", {}) if isinstance(body, dict) else {}
    details = "; ".join(d.get("message", "") for d in error.get("details", [])[:3])
    message = f"error: HTTP {response.status_code} {error.get('code', '')}: {error.get('message', response.text[:200])}"
    if details and details not in message:
        message += f" ({details})"
    if response.status_code < 500:
        raise SystemExit(message)
    print(message, file=__import__("sys").stderr)
    raise SystemExit(3)


def _request(args: argparse.Namespace, method: str, path: str, **kwargs) -> tuple[dict, dict]:
    import httpx

    try:
        with _client(args) as c:
            r = c.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        raise SystemExit(f"error: cannot reach the dispatch server at {args.url} ({type(exc).__name__}: {exc}); start it with dispatch serve or give --url")
    return _answer(r), dict(r.headers)


def _print_summary(head: dict) -> None:
    risk = head.get("risk", {})
    kpis = head.get("kpis") or {}
    print(f"plan {head['plan_id']} version {head['version']}  now {head.get('now') or '-'}")
    if kpis:
        print(f"  jobs assigned {kpis.get('jobs_assigned')}/{kpis.get('jobs_total')}, SLA met {kpis.get('sla_met_pct')} %, "
              f"travel {round(kpis.get('travel_time_s', 0) / 3600, 1)} h")
    if head.get("skipped_event_ids"):
        print(f"  skipped (applied before): {', '.join(head['skipped_event_ids'])}" + ("  [replay]" if head.get("replayed") else ""))
    changes = head.get("changes", [])
    print(f"  changes {len(changes)}, at risk {len(risk.get('at_risk', []))}, predicted breaches {len(risk.get('breaches', []))}, "
          f"escalations {len(head.get('escalations', []))}, promises {head.get('promises', 0)}")
    for c in changes[:20]:
        if c["kind"] == "promise_broken":
            print(f"    promise_broken {c['job_id']}: {c.get('reason')}")
        else:
            print(f"    {c['kind']:<13} {c['job_id']:<12} {c.get('from_technician') or '-'} -> {c.get('to_technician') or '-'}"
                  f"  {c.get('shift_min') if c.get('shift_min') is not None else ''}  {c.get('cause_type') or ''}")
    for r in risk.get("breaches", [])[:10] + risk.get("at_risk", [])[:10]:
        slack = "not planned" if r.get("slack_min") is None else f"slack {r['slack_min']} min"
        print(f"    {r['level']:<8} {r['job_id']:<12} {slack} ({r['reason']})")
    for e in head.get("escalations", [])[:10]:
        print(f"    escalation {e['job_id']}: {e['action']} {e.get('proposed_technician') or ''} - {e['reason']}")


def _read_json_arg(value: str, what: str):
    import json

    from optimizer.cli.errors import read_json

    text = value.strip()
    if text.startswith(("{", "[")):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise SystemExit(f"error: {what}: not valid JSON ({exc})")
    return read_json(value)


def cmd_plan_create(args: argparse.Namespace) -> int:
    body: dict = {}
    if args.optimization:
        body["optimization_id"] = args.optimization
    if args.problem:
        body["problem"] = _read_json_arg(args.problem, "PROBLEM")
    if args.solution:
        body["solution"] = _read_json_arg(args.solution, "--solution")
    if args.settings:
        body["settings"] = _read_json_arg(args.settings, "--settings")
    if ("problem" in body) == ("optimization_id" in body):
        raise SystemExit("error: give PROBLEM.json or --optimization ID (one of them)")
    head, _ = _request(args, "POST", "/v1/plans", json=body)
    _print_json(head) if args.json else _print_summary(head)
    return 0


def _events_of(value, now: str | None, prefix: str) -> dict:
    """``{"events": [...], "now": ...}`` from a file/inline JSON: a batch object, a list of
    ``{id, event}`` items, or bare events (given deterministic ids from their content, so that
    posting the same file twice applies it once)."""
    import hashlib
    import json

    body = value if isinstance(value, dict) and "events" in value else {"events": value if isinstance(value, list) else [value]}
    items = []
    for i, item in enumerate(body["events"]):
        if isinstance(item, dict) and "event" in item and "id" in item:
            items.append(item)
        else:
            digest = hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()[:16]
            items.append({"id": f"{prefix}{i}-{digest}", "event": item})
    body["events"] = items
    if now:
        body["now"] = now
    return body


def cmd_plan_event(args: argparse.Namespace) -> int:
    body = _events_of(_read_json_arg(args.events, "EVENTS"), args.now, args.id_prefix)
    headers = {"If-Match": str(args.if_match)} if args.if_match is not None else {}
    head, _ = _request(args, "POST", f"/v1/plans/{args.plan_id}/events", json=body, headers=headers)
    _print_json(head) if args.json else _print_summary(head)
    return 0


def cmd_plan_show(args: argparse.Namespace) -> int:
    path = f"/v1/plans/{args.plan_id}" + (f"/versions/{args.version}" if args.version else "")
    version, _ = _request(args, "GET", path)
    if args.json:
        _print_json(version)
        return 0
    from api.plan_tasks import summary

    _print_summary(summary(version))
    for route in version["solution"]["routes"]:
        if route["stops"]:
            stops = ", ".join(f"{s['job_id']}@{s['start'][11:16]}" for s in route["stops"])
            print(f"  {route['technician_id']}: {stops}")
    return 0


def cmd_plan_watch(args: argparse.Namespace) -> int:
    """Print the change feed, one line per entry; reconnect with Last-Event-ID."""
    import json
    import time

    import httpx

    last = args.after or 0
    while True:
        headers = {"Last-Event-ID": str(last)} if last else {}
        if args.api_key:
            headers["X-API-Key"] = args.api_key
        try:
            with httpx.stream("GET", f"{args.url.rstrip('/')}/v1/plans/{args.plan_id}/stream", headers=headers,
                              params={"follow": "false" if args.once else "true"}, timeout=httpx.Timeout(10.0, read=60.0)) as r:
                if r.status_code >= 300:
                    r.read()
                    _answer(r)
                seq = kind = None
                for line in r.iter_lines():
                    if line.startswith("id: "):
                        seq = int(line[4:])
                    elif line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: ") and seq is not None:
                        data = json.loads(line[6:])
                        last = seq
                        print(line[6:] if args.json else _feed_line(seq, kind or "", data), flush=True)
        except httpx.HTTPError as exc:
            if args.once:
                raise SystemExit(f"error: cannot reach the dispatch server at {args.url} ({type(exc).__name__})")
            time.sleep(1.0)
            continue
        if args.once:
            return 0


def _feed_line(seq: int, kind: str, data: dict) -> str:
    if kind == "version":
        return f"[{seq}] version {data['version']} now {data.get('now') or '-'}: {len(data.get('changes', []))} change(s), events {', '.join(data.get('event_ids', [])) or '-'}"
    if kind == "risk":
        return f"[{seq}] risk at version {data['version']}: {len(data.get('at_risk', []))} at risk, {len(data.get('breaches', []))} predicted breaches"
    if kind == "escalation":
        items = "; ".join(f"{e['job_id']} {e['action']} {e.get('proposed_technician') or ''}".strip() for e in data.get("escalations", []))
        return f"[{seq}] escalation at version {data['version']}: {items}"
    return f"[{seq}] {kind}: {data}"


def _print_json(data) -> None:
    import json

    print(json.dumps(data, indent=2))


def _register_plan(sub: argparse._SubParsersAction) -> None:
    import os

    p = sub.add_parser("plan", help="a live plan on a running server: create, post events, show, watch the feed")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", default=os.environ.get("DISPATCH_URL", "http://127.0.0.1:8000"),
                        help="the server (default: DISPATCH_URL or http://127.0.0.1:8000)")
    common.add_argument("--api-key", default=os.environ.get("DISPATCH_API_KEY"), help="X-API-Key (default: DISPATCH_API_KEY)")
    common.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for an answer (default 120)")
    common.add_argument("--json", action="store_true", help="print the JSON answer")
    actions = p.add_subparsers(dest="plan_command", required=True, metavar="ACTION")
    c = actions.add_parser("create", parents=[common], help="create a plan (version 1) from a problem or a finished optimization")
    c.add_argument("problem", nargs="?", metavar="PROBLEM.json", help="the problem (solved by the server unless --solution)")
    c.add_argument("--solution", metavar="SOLUTION.json", help="its plan (checked by the validator)")
    c.add_argument("--optimization", metavar="ID", help="a succeeded POST /v1/optimizations job instead of a problem")
    c.add_argument("--settings", metavar="SETTINGS.json", help="live settings: replan, promises, risk_threshold_min, escalation_rules")
    c.set_defaults(func=cmd_plan_create)
    e = actions.add_parser("event", parents=[common], help="post events (re-plan); prints the new version's changes, risk, escalations")
    e.add_argument("plan_id", metavar="PLAN_ID")
    e.add_argument("events", metavar="EVENTS", help="JSON file or inline JSON: one event, a list, or {events: [{id, event}], now}")
    e.add_argument("--now", help="the plan's clock after the events (ISO-8601 with offset)")
    e.add_argument("--if-match", type=int, metavar="VERSION", help="apply only if the plan is still at this version (else exit 2)")
    e.add_argument("--id-prefix", default="cli-", help="prefix of the ids given to bare events (default cli-)")
    e.set_defaults(func=cmd_plan_event)
    s = actions.add_parser("show", parents=[common], help="the current (or a given) version: KPIs, changes, risk, routes")
    s.add_argument("plan_id", metavar="PLAN_ID")
    s.add_argument("--version", type=int, help="a version number (default: current)")
    s.set_defaults(func=cmd_plan_show)
    w = actions.add_parser("watch", parents=[common], help="follow the change feed (versions, risk warnings, escalations)")
    w.add_argument("plan_id", metavar="PLAN_ID")
    w.add_argument("--after", type=int, help="resume after this feed entry id")
    w.add_argument("--once", action="store_true", help="print what is stored and exit")
    w.set_defaults(func=cmd_plan_watch)


def register(sub: argparse._SubParsersAction) -> None:
    _register_plan(sub)
    p = sub.add_parser("serve", help="run the HTTP API (OpenAPI docs at /docs)")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    p.add_argument("--workers", type=int, help="solver worker processes (default: DISPATCH_WORKERS or CPU count)")
    p.add_argument("--db", help="SQLite file for asynchronous jobs (default: DISPATCH_DB or ./dispatch.db)")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=cmd_serve)
