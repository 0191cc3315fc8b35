"""Code that runs inside a solver worker process (never in the server's event loop).

A worker is a long-lived process started with the ``spawn`` method. It imports the optimizer
once, says ``("ready", pid)``, then answers one request at a time on its pipe:
``(kind, payload_json) -> (outcome, text)``, preceded for long solves by any number of
``("progress", SolveProgress JSON)`` messages, where ``outcome`` is ``ok`` (``text`` = result JSON),
``invalid`` (the library refused the input: ``text`` is the reason, the API answers 422) or
``error`` (anything else: ``text`` is ``ExceptionType: message``; the API answers 500 without a
traceback and the traceback goes to the server log on stderr).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import traceback
from multiprocessing.connection import Connection
from typing import Callable, Optional

PROGRESS_EVERY_S = 0.5
"""A worker sends the search's progress to the server at most this often."""

_send: Optional[Callable[[tuple[str, str]], None]] = None
"""Sends a message to the server on the worker's pipe (set by :func:`main`)."""


def progress_sender() -> Optional[Callable]:
    """A progress callback for :func:`optimizer.solve.solve` that sends ``("progress",
    SolveProgress JSON)`` on the pipe, at most every :data:`PROGRESS_EVERY_S`; None outside a
    worker. The server keeps the latest one on the running task (``search`` of GET on the job)."""
    send = _send
    if send is None:
        return None
    last = [0.0]

    def report(progress) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_S:
            last[0] = now
            send(("progress", progress.model_dump_json()))

    return report


def run_solve(payload: str) -> str:
    """``{"problem": Problem, "warnings": [str]}`` -> Solution JSON (the full pipeline of
    :func:`optimizer.solve.solve`; ``warnings`` from the server are appended to the Solution's)."""
    from optimizer.models import Problem
    from optimizer.solve import solve

    request = json.loads(payload)
    problem = Problem.model_validate(request["problem"])
    solution = solve(problem, progress=progress_sender())
    solution.warnings.extend(request.get("warnings", []))
    return solution.model_dump_json()


def run_matrix(payload: str) -> str:
    """``{"locations": [...], "source": str, "region": str|null}`` -> matrix JSON."""
    from optimizer.geo.matrix import build_matrix
    from optimizer.models import Location

    request = json.loads(payload)
    points = [Location.model_validate(p) for p in request["locations"]]
    if request["source"] == "road":
        try:
            import optimizer.geo.road  # noqa: F401
        except ImportError as exc:
            raise ValueError(f"matrix source 'road' is not available on this server ({exc})") from None
    matrix = build_matrix(points, request["source"], region=request.get("region"))
    snap = None if matrix.snap_distances_m is None else [round(float(v), 1) for v in matrix.snap_distances_m]
    return json.dumps(
        {
            "source": matrix.source,
            "durations_s": matrix.durations_s.tolist(),
            "distances_m": matrix.distances_m.tolist(),
            "snap_distances_m": snap,
            "warnings": list(matrix.warnings),
            "build_time_s": round(matrix.build_time_s, 4),
        }
    )


def run_replan(payload: str) -> str:
    """``ReplanRequest`` JSON -> ``ReplanResponse`` JSON (see :mod:`optimizer.replan.request`).
    Events naming unknown ids raise ReplanError, a ValueError: answered as invalid input."""
    from optimizer.replan.request import ReplanRequest, answer

    return answer(ReplanRequest.model_validate_json(payload), progress=progress_sender()).model_dump_json()


def run_plan_create(payload: str) -> str:
    """Live plan version 1 (see :mod:`api.plan_tasks`)."""
    from api.plan_tasks import run_plan_create as run

    return run(payload)


def run_plan_apply(payload: str) -> str:
    """Events applied to a live plan: the next version (see :mod:`api.plan_tasks`)."""
    from api.plan_tasks import run_plan_apply as run

    return run(payload)


TASKS = {"solve": run_solve, "matrix": run_matrix, "replan": run_replan, "plan_create": run_plan_create, "plan_apply": run_plan_apply}


def warm_recommend() -> int:
    """Import the recommendation code (runs once in each recommendation process)."""
    import api.routers.recommend  # noqa: F401
    import optimizer.recommend  # noqa: F401

    return os.getpid()


def run_recommend(body: bytes, settings) -> tuple[str, str]:
    """In a recommendation process: see :func:`api.routers.recommend.compute`."""
    from api.routers.recommend import compute

    try:
        return compute(body, settings)
    except Exception as exc:  # noqa: BLE001 - report, never crash the process
        traceback.print_exc(file=sys.stderr)
        return "error", f"{type(exc).__name__}: {exc}"


def run_guarded(fn, *args) -> tuple[str, str]:
    """In a recommendation process: ``fn(*args)``, any exception reported as ``("error", reason)``."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - report, never crash the process
        traceback.print_exc(file=sys.stderr)
        return "error", f"{type(exc).__name__}: {exc}"


def handle(kind: str, payload: str) -> tuple[str, str]:
    try:
        return "ok", TASKS[kind](payload)
    except (ValueError, LookupError) as exc:
        # The library refuses this input (unknown engine, unavailable matrix source, ...).
        return "invalid", f"{exc}" if str(exc) else type(exc).__name__
    except Exception as exc:  # noqa: BLE001 - report, never crash the worker
        traceback.print_exc(file=sys.stderr)
        return "error", f"{type(exc).__name__}: {exc}"


PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: Optional[int]) -> None:
    """Make this process die with the server, even when the server is killed with ``kill -9``
    (which no handler sees): on Linux ask the kernel for SIGKILL when the parent dies
    (``prctl(PR_SET_PDEATHSIG)``); everywhere, exit if the parent is already gone. SIGTERM and
    SIGINT are ignored: a ``SIGTERM`` to the whole process group (``systemctl stop``, Ctrl-C)
    must not kill a solve the server wants to finish in its grace period; the server stops its
    workers itself (pipe or SIGKILL)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the pipe EOF still ends us
            pass
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(0)  # the parent died before prctl took effect


def main(conn: Connection, parent_pid: Optional[int] = None) -> None:
    """Worker loop: serve requests until ``None`` or the pipe closes."""
    die_with_parent(parent_pid)
    import optimizer.solve  # noqa: F401  (warm import: ortools, numpy)

    global _send
    _send = conn.send
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        kind, payload = message
        conn.send(handle(kind, payload))
