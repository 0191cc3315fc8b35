"""Solver worker pool with a bounded queue, driven from the asyncio event loop.

With ``DISPATCH_SOLVER_BACKEND=ray`` the ``size`` places run their tasks as Ray tasks
(:class:`_RaySlot`, :mod:`api.ray_solvers`) instead of in local worker processes; everything
below (queue, fairness, cancellation, shutdown, outcomes) is the same.

``size`` long-lived worker processes (see :mod:`api.worker`) each run one task at a time. Tasks
wait in a FIFO of at most ``max_queue`` entries; :meth:`WorkerPool.submit` raises
:class:`QueueFull` (with a ``Retry-After`` estimate in seconds) instead of growing without bound.
Blocking pipe I/O runs on a small thread pool, so the event loop only schedules. A running task is
cancelled by terminating its worker process, which is then replaced.

Invariants: a task is in exactly one of ``pending`` or a slot's ``task``; every task's future
gets exactly one outcome (``TaskOutcome``), also on shutdown.

Fairness: the next task to start is the oldest task of the *group* (``Task.group``, e.g. one
scenario's runs; by default each task is its own group) that started a task least recently, so a
large scenario is interleaved with other clients' work instead of running first.

Shutdown (:meth:`WorkerPool.stop`): no new task starts; running tasks get ``grace_s`` seconds to
finish; after that their workers are killed and the tasks end with the outcome ``interrupted``
(as do queued ones), which persisted jobs map to "queued again" (see
:func:`api.routers.optimize.job_task`). Workers die with the server even on ``kill -9``: they
ignore SIGTERM/SIGINT (the server stops them) and ask the kernel for SIGKILL when their parent
dies (see :mod:`api.worker`).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import math
import multiprocessing
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Awaitable, Callable, Optional

from api import worker

log = logging.getLogger("api.pool")


class QueueFull(Exception):
    """The queue is at capacity; retry after ``retry_after_s`` seconds (an estimate)."""

    def __init__(self, retry_after_s: int, capacity: int):
        super().__init__(f"the solve queue is full ({capacity} waiting)")
        self.retry_after_s = retry_after_s
        self.capacity = capacity


@dataclass
class TaskOutcome:
    """``status`` is ``ok`` (``text`` = result JSON), ``invalid`` (input refused by the
    library: ``text`` = reason), ``error`` (``text`` = reason), ``cancelled`` or
    ``interrupted`` (the server stopped before the task finished; it may run again)."""

    status: str
    text: Optional[str] = None


@dataclass
class Task:
    """One unit of work. ``payload`` is the request JSON, or None when ``prepare`` loads it.

    ``prepare`` runs just before the task starts and returns the payload, or None to skip the
    task (e.g. an asynchronous job cancelled meanwhile). ``time_limit_s`` is the expected run
    time, used for progress and for the Retry-After estimate.
    """

    kind: str
    time_limit_s: float
    payload: Optional[str] = None
    key: Optional[str] = None
    prepare: Optional[Callable[[], Awaitable[Optional[str]]]] = None
    on_finish: Optional[Callable[[TaskOutcome], Awaitable[None]]] = None
    future: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    started_at: Optional[float] = None
    cancel_requested: bool = False
    interrupted: bool = False
    group: Optional[str] = None
    """Fair-share group (e.g. a scenario id); None = the task is a group of its own."""
    search: Optional[dict] = None
    """The latest progress the worker reported (a SolveProgress as a dict), None before any."""

    def progress(self) -> float:
        """0 before start; elapsed share of ``time_limit_s`` while running (at most 0.99)."""
        if self.started_at is None:
            return 0.0
        return min(0.99, (time.monotonic() - self.started_at) / max(self.time_limit_s, 1e-3))


class _Slot:
    """One worker process and the task it runs."""

    def __init__(self, pool: "WorkerPool", number: int):
        self.pool = pool
        self.number = number
        self.process: Optional[multiprocessing.process.BaseProcess] = None
        self.conn: Optional[Connection] = None
        self.ready = False
        self.task: Optional[Task] = None

    async def start(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe(duplex=True)
        process = ctx.Process(target=worker.main, args=(child, os.getpid()), name=f"dispatch-worker-{self.number}", daemon=True)
        process.start()
        child.close()
        self.process, self.conn, self.ready = process, parent, False
        try:
            message = await self.pool._io(parent.recv)
        except (EOFError, OSError):
            log.error("worker %d died during start-up (exit code %s)", self.number, process.exitcode)
            await asyncio.sleep(1.0)
            if not self.pool.closing:
                asyncio.get_running_loop().create_task(self.start())
            return
        if message[0] == "ready" and self.process is process:
            self.ready = True
            self.pool._dispatch()

    async def run(self, task: Task) -> None:
        self.task = task
        outcome: TaskOutcome
        try:
            payload = task.payload
            if task.prepare is not None:
                payload = await task.prepare()
            if task.interrupted:
                outcome = TaskOutcome("interrupted")
            elif payload is None or task.cancel_requested:
                outcome = TaskOutcome("cancelled")
            else:
                task.started_at = time.monotonic()
                outcome = await self._call(task, payload)
        except Exception as exc:  # noqa: BLE001 - the pool must keep running
            log.exception("task %s failed in the pool", task.key)
            outcome = TaskOutcome("error", f"{type(exc).__name__}: {exc}")
        finally:
            self.task = None
        await self.pool._finish(task, outcome)
        if self.ready:
            self.pool._dispatch()

    async def _call(self, task: Task, payload: str) -> TaskOutcome:
        conn, process = self.conn, self.process
        assert conn is not None and process is not None, "a task runs on a started worker"
        try:
            await self.pool._io(conn.send, (task.kind, payload))
            while True:
                status, text = await self.pool._io(conn.recv)
                if status != "progress":
                    return TaskOutcome(status, text)
                task.search = json.loads(text)  # the latest SolveProgress of the running search
        except (EOFError, OSError, BrokenPipeError):
            self.ready = False
            await self.pool._io(process.join, 5)
            if not self.pool.closing:
                asyncio.get_running_loop().create_task(self.start())
            if task.interrupted:
                return TaskOutcome("interrupted")
            if task.cancel_requested:
                return TaskOutcome("cancelled")
            return TaskOutcome("error", f"the solver worker process died (exit code {process.exitcode})")

    def kill(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.kill()  # workers ignore SIGTERM

    async def stop(self) -> None:
        process, conn = self.process, self.conn
        if process is None:
            return
        self.ready = False
        if self.task is None and conn is not None:
            try:
                conn.send(None)
            except OSError:
                pass
        else:
            process.kill()
        await self.pool._io(process.join, 3)
        if process.is_alive():
            process.kill()
            await self.pool._io(process.join, 2)


class _RaySlot(_Slot):
    """A place for one task on Ray (``DISPATCH_SOLVER_BACKEND=ray``, :mod:`api.ray_solvers`)
    instead of a local worker process: same queue, outcomes, cancellation and shutdown."""

    def __init__(self, pool: "WorkerPool", number: int, solvers):
        super().__init__(pool, number)
        self.solvers = solvers
        self.ref = None

    async def start(self) -> None:
        self.ready = True
        self.pool._dispatch()

    async def _call(self, task: Task, payload: str) -> TaskOutcome:
        from api.ray_solvers import CancelledTask, LostTask

        def progress(search: dict) -> None:
            task.search = search

        self.ref = self.solvers.submit(task.kind, payload, task.key or f"task-{id(task)}")
        try:
            status, text = await self.solvers.result(self.ref, task.key or f"task-{id(task)}", progress)
            return TaskOutcome(status, text)
        except (CancelledTask, LostTask) as exc:
            if task.interrupted:
                return TaskOutcome("interrupted")
            if task.cancel_requested:
                return TaskOutcome("cancelled")
            return TaskOutcome("error", str(exc) or "the Ray task was cancelled outside this server")
        finally:
            self.ref = None

    def kill(self) -> None:
        if self.ref is not None:
            self.solvers.cancel(self.ref)

    async def stop(self) -> None:
        self.ready = False
        self.kill()


class WorkerPool:
    """See module docstring. ``solvers``: a :class:`api.ray_solvers.RaySolvers` to run the tasks
    as Ray tasks (``size`` at once) instead of ``size`` local worker processes."""

    def __init__(self, size: int, max_queue: int, grace_s: float = 0.0, solvers=None):
        self.size = size
        self.max_queue = max_queue
        self.grace_s = grace_s
        self._served: dict[str, int] = {}  # group -> dispatch counter when it last started a task
        self._counter = 0
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self.reserved = 0  # places promised to requests that are still writing their jobs
        self._stop_requested_at: Optional[float] = None
        self.pending: collections.deque[Task] = collections.deque()
        self.solvers = solvers
        self.slots: list[_Slot] = [_RaySlot(self, i, solvers) if solvers is not None else _Slot(self, i) for i in range(size)]
        self.closing = False
        self._executor = ThreadPoolExecutor(max_workers=2 * size + 2, thread_name_prefix="pool-io")
        self._tasks: set[asyncio.Task] = set()

    async def _io(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def start(self) -> None:
        """Start the worker processes in the background (tasks queue up until they are ready)."""
        self._loop = asyncio.get_running_loop()
        for slot in self.slots:
            self._spawn(slot.start())

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def request_stop(self) -> None:
        """From a signal handler (any thread): start no task from now on, answer queued tasks
        ``interrupted`` at once (persisted jobs stay queued; waiting synchronous requests get
        503 instead of holding the shutdown up), and start the grace period of :meth:`stop`."""
        if self._stop_requested_at is not None or self._loop is None:
            return
        self._stop_requested_at = time.monotonic()
        self.closing = True
        loop = self._loop
        loop.call_soon_threadsafe(lambda: self._spawn(self._interrupt_pending()))
        loop.call_soon_threadsafe(lambda: loop.call_later(self.grace_s, self._interrupt_running))

    def _interrupt_running(self) -> None:
        """At the end of the grace period that began with the signal: stop the tasks still
        running (outcome ``interrupted``: a synchronous request gets 503 with Retry-After, a
        persisted job is queued again), so that their requests are answered while the HTTP
        server still waits for them (its own timeout is a few seconds longer) instead of being
        cut off with a bare 500."""
        for slot in self.slots:
            if slot.task is not None:
                slot.task.interrupted = True
                slot.kill()

    async def _interrupt_pending(self) -> int:
        count = 0
        while self.pending:
            task = self.pending.popleft()
            task.interrupted = True
            count += 1
            await self._finish(task, TaskOutcome("interrupted"))
        return count

    async def stop(self, grace_s: Optional[float] = None) -> dict:
        """Graceful stop (see module docstring); returns counts for the log:
        ``{"requeued": queued tasks, "finished": running tasks that ended within the grace
        period, "interrupted": running tasks stopped after it}``."""
        grace_s = self.grace_s if grace_s is None else grace_s
        if self._stop_requested_at is not None:  # the grace period started with the signal
            grace_s = max(0.0, grace_s - (time.monotonic() - self._stop_requested_at))
        self.closing = True
        counts = {"requeued": await self._interrupt_pending(), "finished": 0, "interrupted": 0}
        running = [slot.task.future for slot in self.slots if slot.task is not None]
        if running and grace_s > 0:
            log.warning("stopping: waiting up to %g s for %d running task(s)", grace_s, len(running))
            await asyncio.wait(running, timeout=grace_s)
        counts["finished"] = sum(1 for f in running if f.done())
        for slot in self.slots:
            if slot.task is not None:
                slot.task.interrupted = True
                counts["interrupted"] += 1
                slot.kill()
        if running:  # let run() record the outcomes (jobs queued again) before the store closes
            await asyncio.wait(running, timeout=10)
        await asyncio.gather(*(slot.stop() for slot in self.slots), return_exceptions=True)
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self.solvers is not None:
            self.solvers.close()
        return counts

    # -- queue -----------------------------------------------------------------------------
    def retry_after_s(self) -> int:
        """Seconds until a queue place is likely free: the shortest remaining run time of the
        running tasks (a place frees when one finishes and the next task starts), at least 1."""
        remaining = [
            max(0.0, s.task.time_limit_s * (1 - s.task.progress())) for s in self.slots if s.task is not None
        ]
        return max(1, math.ceil(min(remaining, default=1.0)))

    def check_capacity(self, places: int = 1) -> None:
        """Raise :class:`QueueFull` unless ``places`` more tasks fit in the queue."""
        if self.closing:
            raise QueueFull(5, self.max_queue)
        if len(self.pending) + self.reserved + places > self.max_queue:
            raise QueueFull(self.retry_after_s(), self.max_queue)

    @contextlib.contextmanager
    def reservation(self, places: int = 1):
        """Hold ``places`` queue places while a request stores its jobs (awaits), so concurrent
        requests cannot all pass the capacity check and overfill the queue; raises
        :class:`QueueFull`. Inside the block, ``submit(task, reserved=True)`` uses a place."""
        self.check_capacity(places)
        self.reserved += places
        held = [places]
        try:
            yield held
        finally:
            self.reserved -= held[0]

    def submit(self, task: Task, force: bool = False, reservation: Optional[list] = None) -> asyncio.Future:
        """Queue ``task``; raise :class:`QueueFull` when the queue is full (unless ``force``, or
        ``reservation``, the value of a :meth:`reservation` block, holds a place for it)."""
        if self.closing:
            raise QueueFull(5, self.max_queue)
        if reservation is not None and reservation[0] > 0:
            reservation[0] -= 1
            self.reserved -= 1
        elif not force:
            self.check_capacity()
        self.pending.append(task)
        self._dispatch()
        return task.future

    def _next(self) -> Task:
        """Remove and return the oldest task of the group served least recently."""
        best, best_rank = self.pending[0], None
        for task in self.pending:
            rank = self._served.get(task.group, -1) if task.group is not None else -1
            if best_rank is None or rank < best_rank:
                best, best_rank = task, rank
                if rank == -1:
                    break
        self.pending.remove(best)
        if best.group is not None:
            self._counter += 1
            self._served[best.group] = self._counter
            if len(self._served) > 10_000:  # forget old groups
                for g in sorted(self._served, key=lambda name: self._served[name])[:5000]:
                    del self._served[g]
        return best

    def _dispatch(self) -> None:
        for slot in self.slots:
            if not self.pending or self.closing:
                return
            if slot.ready and slot.task is None:
                task = self._next()
                slot.task = task
                self._spawn(slot.run(task))

    def find(self, key: str) -> Optional[Task]:
        for task in self.pending:
            if task.key == key:
                return task
        for slot in self.slots:
            if slot.task is not None and slot.task.key == key:
                return slot.task
        return None

    def running_keys(self) -> list[str]:
        """Keys of the tasks running on a worker now."""
        return [slot.task.key for slot in self.slots if slot.task is not None and slot.task.key is not None and slot.task.started_at is not None]

    async def cancel(self, key: str) -> Optional[str]:
        """Cancel the task with ``key``: ``'queued'`` or ``'running'`` (what it was), or None."""
        for task in list(self.pending):
            if task.key == key:
                self.pending.remove(task)
                task.cancel_requested = True
                await self._finish(task, TaskOutcome("cancelled"))
                return "queued"
        for slot in self.slots:
            if slot.task is not None and slot.task.key == key:
                slot.task.cancel_requested = True
                if slot.task.started_at is not None:  # else run() skips it after prepare
                    slot.kill()
                return "running"
        return None

    async def _finish(self, task: Task, outcome: TaskOutcome) -> None:
        if task.on_finish is not None:
            try:
                await task.on_finish(outcome)
            except Exception:  # noqa: BLE001
                log.exception("on_finish of task %s failed", task.key)
        if not task.future.done():
            task.future.set_result(outcome)

    def stats(self) -> dict:
        return {
            "workers": self.size,
            "workers_ready": sum(1 for s in self.slots if s.ready),
            "workers_busy": sum(1 for s in self.slots if s.task is not None),
            "queued": len(self.pending),
            "queue_capacity": self.max_queue,
            "solver_backend": "processes" if self.solvers is None else "ray",
        }
