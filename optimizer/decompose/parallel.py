"""Where territory solves run: in this process, a local process pool, or Ray.

Chosen by ``DISPATCH_PARALLEL`` (``ray`` | ``processes`` | ``off``; default ``processes``, or
``ray`` when ``DISPATCH_RAY_ADDRESS`` is set). Ray uses ``DISPATCH_RAY_ADDRESS`` (an existing
cluster, ``host:port`` or ``ray://host:port``) or a local Ray runtime on this machine's cores (or
the Ray runtime this process is already connected to). Ray is an optional extra
(``pip install 'fieldservice-dispatch[ray]'``).

Failures are clear and lose nothing:

* an unreachable ``DISPATCH_RAY_ADDRESS`` is a :class:`ParallelBackendError` naming the setting
  within :data:`CONNECT_TIMEOUT_S`, never a hang;
* a worker lost mid-task (killed, out of memory) re-runs the task: Ray retries it
  (``max_retries``), the process pool is rebuilt and the unfinished tasks resubmitted, up to
  :data:`MAX_ATTEMPTS` runs in all; after that the task comes back as failed;
* an error inside a task is returned in its result (see :func:`optimizer.decompose.territory.run_task`).
"""

from __future__ import annotations

import os
import socket
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import current_process, get_context
from typing import Callable, Optional, TypeVar

from optimizer.decompose.territory import Task, TaskResult, run_task

__all__ = ["Backend", "ParallelBackendError", "open_backend", "CONNECT_TIMEOUT_S", "MAX_ATTEMPTS"]

CONNECT_TIMEOUT_S = 5.0
"""Seconds to reach a Ray cluster's address before giving up with an error."""

MAX_ATTEMPTS = 3
"""Runs of one task at most when its worker is lost."""

Progress = Optional[Callable[[TaskResult], None]]
_B = TypeVar("_B", bound="Backend")


class ParallelBackendError(RuntimeError):
    """The parallel backend cannot be used (bad setting, unreachable cluster, Ray missing)."""


class Backend:
    """Runs tasks; ``map`` returns their results in input order and calls ``progress`` as each ends."""

    name = "off"

    def __init__(self, workers: int = 1):
        self.workers = max(1, workers)

    def map(self, tasks: list[Task], progress: Progress = None) -> list[TaskResult]:
        out = []
        for task in tasks:
            result = run_task(task)
            out.append(result)
            if progress:
                progress(result)
        return out

    def close(self) -> None:
        pass

    def __enter__(self: _B) -> _B:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ProcessBackend(Backend):
    """A local pool of spawned processes (numba kernels load from the on-disk cache in each)."""

    name = "processes"

    def __init__(self, workers: int):
        super().__init__(workers)
        self._pool: Optional[ProcessPoolExecutor] = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=get_context("spawn"))
        return self._pool

    def map(self, tasks: list[Task], progress: Progress = None) -> list[TaskResult]:
        results: dict[int, TaskResult] = {}
        attempts = {i: 0 for i in range(len(tasks))}
        pending = set(range(len(tasks)))
        while pending:
            pool = self._get_pool()
            futures = {}
            for i in sorted(pending):
                attempts[i] += 1
                futures[pool.submit(run_task, tasks[i])] = i
            broken = False
            waiting = set(futures)
            while waiting:
                done, waiting = wait(waiting, return_when=FIRST_COMPLETED)
                for fut in done:
                    i = futures[fut]
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        continue
                    result.attempts = attempts[i]
                    results[i] = result
                    pending.discard(i)
                    if progress:
                        progress(result)
            if broken:  # a worker died: new pool, re-run what did not finish
                self.close()
                for i in [i for i in pending if attempts[i] >= MAX_ATTEMPTS]:
                    results[i] = TaskResult(tasks[i].key, error=f"its worker process was lost {attempts[i]} times", attempts=attempts[i])
                    pending.discard(i)
                    if progress:
                        progress(results[i])
        return [results[i] for i in range(len(tasks))]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class RayBackend(Backend):
    """Ray tasks (``max_retries`` re-runs a task whose worker was lost)."""

    name = "ray"

    def __init__(self, address: Optional[str], workers: int):
        try:
            import ray
        except ImportError as exc:
            raise ParallelBackendError(
                "DISPATCH_PARALLEL=ray needs Ray: pip install 'fieldservice-dispatch[ray]'") from exc
        self._ray = ray
        self._started = False
        if not ray.is_initialized():
            if address:
                _check_reachable(address)
                _init_with_timeout(ray, address)
            else:
                ray.init(num_cpus=workers or None, include_dashboard=False, log_to_driver=False,
                         configure_logging=False)
            self._started = True
        cpus = int(ray.cluster_resources().get("CPU", 1))
        super().__init__(workers or cpus)
        self._remote = ray.remote(max_retries=MAX_ATTEMPTS - 1, num_cpus=1)(run_task)

    def map(self, tasks: list[Task], progress: Progress = None) -> list[TaskResult]:
        ray = self._ray
        refs = [self._remote.remote(task) for task in tasks]
        index = {ref: i for i, ref in enumerate(refs)}
        results: dict[int, TaskResult] = {}
        waiting = list(refs)
        while waiting:
            done, waiting = ray.wait(waiting, num_returns=1)
            for ref in done:
                i = index[ref]
                try:
                    result = ray.get(ref)
                except Exception as exc:  # worker lost MAX_ATTEMPTS times, or the task could not run
                    result = TaskResult(tasks[i].key, error=f"Ray task failed: {type(exc).__name__}: {str(exc)[:300]}")
                results[i] = result
                if progress:
                    progress(result)
        return [results[i] for i in range(len(tasks))]

    def call_all(self, fn: Callable, args: list[tuple], on_done: Optional[Callable[[int, object], None]] = None) -> list:
        """``fn(*a)`` for every ``a`` of ``args`` as Ray tasks (lost workers re-run them); results
        in input order, ``on_done(index, result)`` as each ends; a task's error is raised here."""
        ray = self._ray
        remote = ray.remote(max_retries=MAX_ATTEMPTS - 1, num_cpus=1)(fn)
        refs = [remote.remote(*a) for a in args]
        index = {ref: i for i, ref in enumerate(refs)}
        out: dict[int, object] = {}
        waiting = list(refs)
        while waiting:
            done, waiting = ray.wait(waiting, num_returns=1)
            for ref in done:
                out[index[ref]] = ray.get(ref)
                if on_done:
                    on_done(index[ref], out[index[ref]])
        return [out[i] for i in range(len(args))]

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()
            self._started = False


def _check_reachable(address: str) -> None:
    """Open a TCP connection to ``address`` (``host:port`` or ``ray://host:port``) within
    :data:`CONNECT_TIMEOUT_S`, else raise naming ``DISPATCH_RAY_ADDRESS``."""
    if address in ("auto", "local"):
        return
    hostport = address.split("://", 1)[-1].rstrip("/")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise ParallelBackendError(f"DISPATCH_RAY_ADDRESS={address!r}: expected host:port or ray://host:port")
    try:
        with socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S) as conn:
            # Ray's head (GCS) and client server speak gRPC: an HTTP/2 server sends its SETTINGS
            # frame at once. A port that accepts and stays silent is not a Ray head.
            conn.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
            if not conn.recv(9):
                raise OSError("the connection was closed without an answer")
    except socket.timeout:
        raise ParallelBackendError(
            f"DISPATCH_RAY_ADDRESS={address!r}: no answer from a Ray head within {CONNECT_TIMEOUT_S:g} s "
            "(the port accepts connections but does not speak Ray's protocol)") from None
    except OSError as exc:
        raise ParallelBackendError(
            f"DISPATCH_RAY_ADDRESS={address!r}: cannot reach the Ray cluster within {CONNECT_TIMEOUT_S:g} s ({exc})") from exc


def _init_with_timeout(ray, address: str) -> None:
    """``ray.init(address)`` in a daemon thread, abandoned with an error after a bounded wait."""
    import threading

    _use_token_if_available()
    box: dict = {}

    def connect():
        try:
            ray.init(address=address, log_to_driver=False, configure_logging=False)
            box["ok"] = True
        except Exception as exc:
            box["error"] = exc

    thread = threading.Thread(target=connect, daemon=True)
    thread.start()
    thread.join(6 * CONNECT_TIMEOUT_S)
    if "ok" not in box:
        detail = box.get("error") or f"no answer within {6 * CONNECT_TIMEOUT_S:g} s"
        raise ParallelBackendError(f"DISPATCH_RAY_ADDRESS={address!r}: cannot connect to the Ray cluster ({detail})")


def _use_token_if_available() -> None:
    """Ray 2.5x clusters started with token authentication (the default when ``~/.ray/auth_token``
    exists) refuse drivers without it: when ``RAY_AUTH_MODE`` is unset and a token is available
    (``RAY_AUTH_TOKEN``, ``RAY_AUTH_TOKEN_PATH`` or that file), connect in token mode, as
    ``ray start`` does. Older Ray versions have no token authentication: nothing to do."""
    if os.environ.get("RAY_AUTH_MODE"):
        return
    try:
        from ray._private.authentication.authentication_token_setup import maybe_enable_token_auth_if_token_available
    except ImportError:
        return
    maybe_enable_token_auth_if_token_available(warn_if_disabled=False)


def backend_name() -> str:
    """``DISPATCH_PARALLEL`` checked (``ray``, ``processes`` or ``off``; default see module docstring)."""
    name = (os.environ.get("DISPATCH_PARALLEL") or "").strip().lower()
    if not name:
        return "ray" if os.environ.get("DISPATCH_RAY_ADDRESS") else "processes"
    if name not in ("ray", "processes", "off"):
        raise ParallelBackendError(f"DISPATCH_PARALLEL={name!r}: expected ray, processes or off")
    return name


def open_backend(workers: int = 0, n_tasks: int = 0, name: Optional[str] = None, address: Optional[str] = None) -> Backend:
    """The backend named by ``name`` (default :func:`backend_name`) with ``workers`` at once
    (0 = its CPUs). ``processes`` with a single task or a single core, or inside a worker
    process of a pool (an API solver worker, a what-if run: they already run in parallel, and a
    daemonic one may not start processes), runs in this process."""
    name = name or backend_name()
    if name == "ray":
        return RayBackend(address if address is not None else os.environ.get("DISPATCH_RAY_ADDRESS"), workers)
    cpus = workers or os.cpu_count() or 1
    if name == "off" or cpus <= 1 or n_tasks <= 1 or current_process().name != "MainProcess":
        return Backend(1)  # inside a pool's worker (API solver, what-if run): no nested pool
    return ProcessBackend(min(cpus, n_tasks))
