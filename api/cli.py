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
    print(f"dispatch serve: http://{args.host}:{args.port}  (docs at /docs; {settings.workers} worker(s); db {settings.db_path})", flush=True)
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
                            timeout_graceful_shutdown=max(1, round(settings.shutdown_grace_s)), **extra)
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


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the HTTP API (OpenAPI docs at /docs)")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    p.add_argument("--workers", type=int, help="solver worker processes (default: DISPATCH_WORKERS or CPU count)")
    p.add_argument("--db", help="SQLite file for asynchronous jobs (default: DISPATCH_DB or ./dispatch.db)")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=cmd_serve)
