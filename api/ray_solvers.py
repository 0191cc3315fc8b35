"""The API's solver workers as Ray tasks (``DISPATCH_SOLVER_BACKEND=ray``).

Several API replicas connected to one Ray cluster (``DISPATCH_RAY_ADDRESS=host:port``) share
its CPUs: each replica still owns its queue, its fairness and its jobs (the database decides who
solves what), and runs at most ``DISPATCH_WORKERS`` tasks at once on the cluster; Ray places
every task on a free CPU of any node, or holds it until one frees. Without an address the
server starts a local Ray runtime with ``DISPATCH_WORKERS`` CPUs.

A task is :func:`api.worker.handle` in a Ray worker process (the same code as the local
process pool, so the outcomes are the same: ``ok``, ``invalid``, ``error``). Around it:

* progress: the task sends its search progress (at most every 0.5 s) to a small actor of this
  replica (:class:`ProgressBox`, no CPU), which the replica polls while the task runs;
* cancellation and time limits: :meth:`RaySolvers.cancel` is ``ray.cancel(force=True)``, which
  kills the worker process running the task (or drops it from Ray's queue); the solve itself
  stops at its time limit, as in a local worker;
* a worker lost mid-solve (killed, out of memory, its node gone): Ray runs the task again, up to
  :data:`MAX_ATTEMPTS` runs in all; after that the task ends with outcome ``error`` and a reason
  naming the lost worker (an asynchronous job is then ``failed`` with that reason, never lost);
* a replica that dies takes its running tasks with it (Ray ends the tasks of a driver that went
  away); its jobs stay in the database and are run again (restart, or another replica once the
  lease ran out: :mod:`api.store`).

An unreachable ``DISPATCH_RAY_ADDRESS`` is a :class:`SolverBackendError` naming the setting
within seconds (checked before the server starts: ``dispatch serve`` exits 2).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import Any, Callable, Optional

log = logging.getLogger("api.ray")

MAX_ATTEMPTS = 3
"""Runs of one task at most when its Ray worker is lost."""

PROGRESS_POLL_S = 0.5
"""How often a replica asks for the latest progress of a task running on Ray."""


class SolverBackendError(ValueError):
    """The solver backend cannot be used (the message names the setting); ``dispatch serve``
    reports it in one line and exits 2."""


def run_solver_task(kind: str, payload: str, box: Any, key: str) -> tuple[str, str]:
    """In a Ray worker: one pool task (see :func:`api.worker.handle`); progress goes to ``box``."""
    from api import worker

    os.environ.setdefault("DISPATCH_PARALLEL", "off")  # a decomposed job's territories run in this task
    if box is not None:
        worker._send = lambda message: box.put.remote(key, message[1])
    try:
        return worker.handle(kind, payload)
    finally:
        worker._send = None


class ProgressBox:
    """A replica's mailbox for the latest progress of each of its running tasks (a Ray actor)."""

    def __init__(self) -> None:
        self.latest: dict[str, str] = {}

    def put(self, key: str, text: str) -> None:
        self.latest[key] = text

    def take(self, key: str) -> Optional[str]:
        return self.latest.pop(key, None)


class RaySolvers:
    """This replica's connection to Ray (see module docstring)."""

    def __init__(self, address: Optional[str], cpus: int):
        try:
            import ray
        except ImportError:
            raise SolverBackendError("DISPATCH_SOLVER_BACKEND=ray needs Ray: pip install 'fieldservice-dispatch[ray]'") from None
        from optimizer.decompose.parallel import ParallelBackendError, _check_reachable, _init_with_timeout

        self._ray = ray
        self.address = address
        self._started = False
        if not ray.is_initialized():
            try:
                if address:
                    _check_reachable(address)
                    _init_with_timeout(ray, address)
                else:
                    ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, configure_logging=False)
            except ParallelBackendError as exc:
                raise SolverBackendError(str(exc)) from None
            self._started = True
        self.cpus = int(ray.cluster_resources().get("CPU", 0))
        self._remote = ray.remote(max_retries=MAX_ATTEMPTS - 1, num_cpus=1)(run_solver_task)
        self._box: Any = ray.remote(num_cpus=0)(ProgressBox).remote()

    @property
    def connected(self) -> bool:
        return bool(self._ray.is_initialized())

    def submit(self, kind: str, payload: str, key: str) -> Any:
        """Start the task; its ObjectRef."""
        return self._remote.remote(kind, payload, self._box, key)

    async def result(self, ref: Any, key: str, on_progress: Callable[[dict], None]) -> tuple[str, str]:
        """Wait for the task, passing its progress on; ``(outcome, text)`` as from a local worker,
        or raises :class:`LostTask` (its worker was lost too often) / :class:`CancelledTask`."""
        ray = self._ray
        done = asyncio.wrap_future(ref.future())
        while True:
            finished, _ = await asyncio.wait({done}, timeout=PROGRESS_POLL_S)
            if finished:
                break
            try:
                text = await asyncio.wait_for(asyncio.wrap_future(self._box.take.remote(key).future()), 5)
            except Exception:  # noqa: BLE001 - progress is best effort
                text = None
            if text:
                on_progress(json.loads(text))
        try:
            status, text = done.result()
        except ray.exceptions.TaskCancelledError:
            raise CancelledTask() from None
        except ray.exceptions.RayError as exc:
            raise LostTask(f"the Ray task running this solve failed after {MAX_ATTEMPTS} attempt(s): "
                           f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}") from None
        self._box.take.remote(key)  # forget a last progress message that came after the poll
        return status, text

    def cancel(self, ref: Any) -> None:
        try:
            self._ray.cancel(ref, force=True)
        except Exception:  # noqa: BLE001 - already finished
            pass

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()
            self._started = False


class LostTask(Exception):
    """The task's Ray worker was lost :data:`MAX_ATTEMPTS` times (or the cluster failed it)."""


class CancelledTask(Exception):
    """The task was cancelled (``ray.cancel``)."""


def connect(settings: Any) -> Optional[RaySolvers]:
    """The Ray connection when ``settings.solver_backend`` is ``ray``, else None; raises
    :class:`SolverBackendError` naming the setting when Ray cannot be used."""
    if settings.solver_backend != "ray":
        return None
    return RaySolvers(settings.ray_address, settings.workers)
