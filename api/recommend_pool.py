"""Recommendation processes: ``POST /v1/recommendations`` computes in a small pool of its own
processes, neither on the server's event loop or threads (CPU-bound Python there holds the GIL
and slows every other request) nor behind the solver queue (urgent requests must not wait for
long solves).

At most ``max_inflight`` requests are computing or waiting at once; more get 429 at once
(:class:`api.pool.QueueFull`). The processes die with the server (see
:func:`api.worker.die_with_parent`).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Optional

from api import worker
from api.pool import QueueFull

log = logging.getLogger("api.recommend")


class RecommendPool:
    def __init__(self, size: int, max_inflight: int):
        self.size = size
        self.max_inflight = max_inflight
        self.inflight = 0
        self.closing = False
        self._executor: Optional[ProcessPoolExecutor] = None

    def _new_executor(self) -> ProcessPoolExecutor:
        executor = ProcessPoolExecutor(
            max_workers=self.size, mp_context=multiprocessing.get_context("spawn"),
            initializer=worker.die_with_parent, initargs=(os.getpid(),),
        )
        for _ in range(self.size):  # start and warm the processes in the background
            executor.submit(worker.warm_recommend)
        return executor

    def start(self) -> None:
        self._executor = self._new_executor()

    def acquire(self) -> None:
        """Take an in-progress place; :class:`QueueFull` when all ``max_inflight`` are taken.
        Call before reading the request body, so refused requests cost the server nothing."""
        if self.closing or self._executor is None:
            raise QueueFull(5, self.max_inflight)
        if self.inflight >= self.max_inflight:
            raise QueueFull(1, self.max_inflight)
        self.inflight += 1

    def release(self) -> None:
        self.inflight -= 1

    async def run_acquired(self, body: bytes, settings) -> tuple[str, str]:
        """``(status, text)`` of :func:`api.worker.run_recommend` (after :meth:`acquire`)."""
        executor = self._executor
        if executor is None:
            return "error", "the server is shutting down"
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, worker.run_recommend, body, settings)
        except BrokenProcessPool:
            log.error("a recommendation process died; starting new ones")
            if self._executor is executor and not self.closing:
                executor.shutdown(wait=False, cancel_futures=True)
                self._executor = self._new_executor()
            return "error", "the recommendation process died"

    async def run_call(self, fn, *args) -> tuple[str, str]:
        """``fn(*args)`` (a picklable module-level function returning ``(status, text)``) in a
        recommendation process, after :meth:`acquire`; used for live-plan recommendations."""
        executor = self._executor
        if executor is None:
            return "error", "the server is shutting down"
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, worker.run_guarded, fn, *args)
        except BrokenProcessPool:
            log.error("a recommendation process died; starting new ones")
            if self._executor is executor and not self.closing:
                executor.shutdown(wait=False, cancel_futures=True)
                self._executor = self._new_executor()
            return "error", "the recommendation process died"

    def stop(self) -> None:
        self.closing = True
        executor, self._executor = self._executor, None
        if executor is None:
            return
        processes = list(getattr(executor, "_processes", {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:  # they ignore SIGTERM; do not leave one computing
            try:
                process.kill()
            except (OSError, AttributeError):
                pass
