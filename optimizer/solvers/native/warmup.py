"""Compile (or load from numba's on-disk cache) every kernel of the native engine, once.

``python -m optimizer.solvers.native.warmup`` runs at install (``make demo``, ``make test``), so
the compiled machine code is in the cache before any user's first solve. In a new process the
first solve still pays the (short) cache load; :func:`ensure_compiled` measures it so that the
engine can report it apart from search time and add it to the deadline.
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

import numpy as np

_READY = False

_HERE = Path(__file__).resolve().parent


KERNEL_MODULES = ("data.py", "timing.py", "search.py")
"""The modules whose code or data layout the compiled kernels depend on."""


def _sources_digest() -> str:
    return hashlib.sha256(b"".join((_HERE / name).read_bytes() for name in KERNEL_MODULES)).hexdigest()


def drop_stale_cache() -> bool:
    """Delete numba's cached kernels of this package when any kernel module changed since they
    were cached. numba keys each file's cache on that file alone, so a change in ``timing.py``
    would otherwise leave the cached kernels of ``search.py`` running the old timing code.
    Returns True when the cache was dropped. Never raises (a read-only install keeps its cache)."""
    try:
        cache = _HERE / "__pycache__"
        stamp = cache / "native-sources.sha256"
        digest = _sources_digest()
        if stamp.exists() and stamp.read_text().strip() == digest:
            return False
        if cache.is_dir():
            for f in list(cache.glob("*.nbi")) + list(cache.glob("*.nbc")):
                f.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        stamp.write_text(digest + "\n")
        return True
    except OSError:
        return False


def _tiny_problem():
    """Two technicians (one with a break), four jobs with windows, a deadline, parts and a
    preference: every code path's argument types."""
    from optimizer.models import Problem

    day = "2026-01-05T"
    techs = [
        {"id": "a", "skills": {"x": 2}, "shift": {"start": day + "08:00:00+00:00", "end": day + "16:00:00+00:00"},
         "start_location": {"index": 0}, "parts": {"p": 2}, "max_jobs": 3,
         "breaks": [{"earliest_start": day + "11:00:00+00:00", "latest_start": day + "13:00:00+00:00", "duration_min": 30}]},
        {"id": "b", "skills": {"x": 1}, "shift": {"start": day + "08:00:00+00:00", "end": day + "16:00:00+00:00"},
         "start_location": {"index": 0}},
    ]
    jobs = [
        {"id": f"j{i}", "location": {"index": i}, "duration_min": 30, "skills": {"x": 1 + (i == 1)},
         "time_windows": [{"start": day + "08:00:00+00:00", "end": day + "12:00:00+00:00"},
                          {"start": day + "13:00:00+00:00", "end": day + "15:00:00+00:00"}],
         **({"sla_deadline": day + "10:00:00+00:00", "priority": "urgent"} if i == 2 else {}),
         **({"parts": {"p": 1}} if i == 3 else {}),
         **({"preferred_technicians": ["b"]} if i == 4 else {})}
        for i in range(1, 5)
    ]
    size = 5
    matrix = [[0 if r == c else 600 + 60 * abs(r - c) for c in range(size)] for r in range(size)]
    return Problem.model_validate({
        "technicians": techs,
        "jobs": jobs,
        "options": {"matrix": "explicit", "explicit_matrix": {"durations_s": matrix, "distances_m": matrix},
                    "time_limit_s": 1, "candidates_per_job": 0},
    })


def ensure_compiled() -> float:
    """Make every kernel callable in this process; returns the seconds it took (0.0 when already done)."""
    global _READY
    if _READY:
        return 0.0
    t0 = time.monotonic()
    drop_stale_cache()
    from optimizer.solve import prepare
    from optimizer.solvers.costs import build_cost_model
    from optimizer.solvers.native import search as K
    from optimizer.solvers.native.data import build_data
    from optimizer.solvers.precheck import precheck

    cp = prepare(_tiny_problem())
    precheck(cp)
    costs = build_cost_model(cp)
    D, job_index = build_data(cp, costs, 3)
    m = len(cp.techs)
    S = K.new_state(D)
    K.seed_rng(0)
    seqs = np.full((m, int(D.cap)), -1, dtype=np.int64)
    lens = np.zeros(m, dtype=np.int64)
    cur = K.load_routes(D, S, seqs, lens)
    K.local_search(D, S, 3, np.arange(len(job_index), dtype=np.int64), len(job_index), 2)
    K.clear_touched(S)
    best_seq = np.full((m, int(D.cap)), -1, dtype=np.int64)
    best_len = np.zeros(m, dtype=np.int64)
    K.snapshot(S, best_seq, best_len)
    params = np.array([2.0, 2.0, 0.01, 3.0, 1.0, 1.0])
    K.run_iterations(D, S, 5, cur, cur, best_seq, best_len, 1.0, 0.1, params)
    K.total_cost(D, S)
    _READY = True
    return time.monotonic() - t0


def main() -> int:
    took = ensure_compiled()
    print(f"native engine kernels ready in {took:.1f} s (numba cache warmed)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
