"""The local process pool backend: a worker process killed mid-solve is replaced and its
territory re-runs; nothing is lost."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

from optimizer.solve import solve
from optimizer.validate import validate
from tests.decompose.test_decomposed_solve import _every_job_once, _west_east


def _pool_workers() -> list[int]:
    """Our spawned pool workers: children of this process started by multiprocessing's spawn."""
    me = os.getpid()
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == me and b"spawn_main" in (entry / "cmdline").read_bytes():
                out.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            pass
    return out


def test_a_killed_pool_worker_reruns_its_territory(monkeypatch):
    monkeypatch.setenv("DISPATCH_PARALLEL", "processes")
    p = _west_east(border_rounds=0).model_copy(deep=True)
    p.options.max_iterations = None
    p.options.time_limit_s = 8  # territories search about 5 s
    p.options.decomposition_params.workers = 2
    killed: list[int] = []

    def kill_one():
        deadline = time.monotonic() + 30
        while not killed and time.monotonic() < deadline:
            workers = _pool_workers()
            if len(workers) == 2:
                time.sleep(3.0)  # both are inside their territory's solve by now
                os.kill(workers[0], signal.SIGKILL)
                killed.append(workers[0])
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one, daemon=True)
    killer.start()
    solution = solve(p)
    killer.join()
    assert killed, "no pool worker was seen"
    info = solution.solver.decomposition
    assert info.backend == "processes"
    assert [t.status for t in info.territories] == ["ok", "ok"]
    assert max(t.attempts for t in info.territories) == 2  # the lost one ran again
    assert validate(p, solution) == []
    assert _every_job_once(p, solution)
    assert solution.kpis.jobs_assigned == 7
