"""The ``native`` engine: ruin and recreate (SISR string removals, cheapest insertion with blinks)
plus a granular local search (relocate, swap, 2-opt*, intra-route relocate and 2-opt), with
simulated-annealing acceptance, compiled with numba.

One *iteration* is one ruin, one recreate, the local search on the routes they touched and the
acceptance test. The search runs in chunks of compiled iterations; between chunks Python checks
the :class:`~optimizer.solvers.budget.Budget` (and reports progress through its hook). With ``budget.max_iterations`` set, chunks have a
fixed size and the temperature follows the iteration count, so a seed and an iteration limit
always give the same plan; otherwise the temperature follows the elapsed share of the time.

Compilation is a one-time cost: kernels are cached on disk (``cache=True``) and warmed at install
(``python -m optimizer.solvers.native.warmup``, run by ``make demo`` and ``make test``). The time
a first call in a process spends loading or compiling them is measured, reported as
``compile_time_s`` and added to the deadline, so it never eats the user's time limit.
"""

from __future__ import annotations

import time
from typing import Optional

import numpy as np

from optimizer.solvers.base import EngineResult
from optimizer.solvers.budget import Budget
from optimizer.solvers.compiled import CompiledProblem
from optimizer.solvers.costs import CostModel
from optimizer.solvers.native.data import build_data
from optimizer.solvers.native.params import NativeParams


class NativeEngine:
    name = "native"

    def __init__(self, **settings) -> None:
        self.params = NativeParams(**settings)

    def solve(
        self,
        cp: CompiledProblem,
        costs: CostModel,
        budget: Budget,
        seed: int = 0,
        initial: Optional[list[list[int]]] = None,
    ) -> EngineResult:
        t0 = time.monotonic()
        from optimizer.solvers.native.warmup import ensure_compiled

        compile_s = ensure_compiled()
        if compile_s > 0:
            budget = Budget(budget.deadline + compile_s, budget.max_iterations, budget.progress)
        from optimizer.solvers.native import search as K

        p = self.params
        D, job_index = build_data(cp, costs, p.neighbours)
        n, m = len(job_index), len(cp.techs)
        if n == 0:
            return EngineResult([[] for _ in cp.techs], "trivial", 0.0, time.monotonic() - t0, compile_time_s=compile_s)
        S = K.new_state(D)
        K.seed_rng(int(seed) % (2**32))
        engine_of = {int(ci): e for e, ci in enumerate(job_index)}
        seqs = np.full((m, int(D.cap)), -1, dtype=np.int64)
        lens = np.zeros(m, dtype=np.int64)
        notes: list[str] = []
        if initial is None and p.vroom_from_jobs and p.vroom_from_jobs <= n < p.vroom_below_jobs:
            from optimizer.solvers.vroom_seed import vroom_routes_bounded

            v0 = time.monotonic()
            initial = vroom_routes_bounded(cp, costs, p.vroom_share * budget.remaining_s())  # None without pyvroom
            if initial is not None:
                notes.append(f"started from VROOM's plan ({time.monotonic() - v0:.2f} s)")
            else:
                notes.append(f"no VROOM plan within its share ({time.monotonic() - v0:.2f} s); started from greedy insertion")
        if initial is not None:
            for r, seq in enumerate(initial):
                # crews and dependency groups are inserted whole by the search (pinned starts)
                route = [engine_of[i] for i in seq if i in engine_of and D.gid[engine_of[i]] < 0]
                if len(route) > D.cap:
                    route = route[: int(D.cap)]
                seqs[r, : len(route)] = route
                lens[r] = len(route)
        cur = K.load_routes(D, S, seqs, lens)
        all_jobs = np.arange(n, dtype=np.int64)
        if p.ls_neighbours > 0:
            S.stats[3] += K.local_search(D, S, p.ls_neighbours, all_jobs, n, 1000)
            K.clear_touched(S)
            cur = K.total_cost(D, S)
        best = cur
        best_seq = np.full((m, int(D.cap)), -1, dtype=np.int64)
        best_len = np.zeros(m, dtype=np.int64)
        K.snapshot(S, best_seq, best_len)
        served = int(np.sum(S.route_of >= 0))
        arcs = int(sum(S.parc[r, S.rlen[r]] for r in range(m) if S.rlen[r] > 0))
        scale = arcs / max(1, served + int(np.sum(S.rlen > 0)))
        t_hi = p.start_temperature * scale
        t_lo = max(p.end_temperature * scale, 1e-9)
        params = np.array(
            [p.avg_removed, p.max_string, p.blink_rate, p.ls_neighbours, p.ls_passes if p.ls_neighbours > 0 else 0,
             1.0 if n >= p.granular_from_jobs else 0.0],
            dtype=np.float64,
        )
        limit = budget.max_iterations
        search_t0 = time.monotonic()
        total_s = max(1e-6, budget.deadline - search_t0)
        done = 0
        chunk = 10
        while not budget.expired(done):
            if limit is not None:
                chunk = min(p.iterations_per_chunk, limit - done)
                f0, f1 = done / limit, (done + chunk) / limit
            else:
                f0 = (time.monotonic() - search_t0) / total_s
                f1 = min(1.0, f0 + p.chunk_s / total_s)
            temp0 = _temperature(t_hi, t_lo, f0)
            temp1 = _temperature(t_hi, t_lo, f1)
            c0 = time.monotonic()
            cur, best = K.run_iterations(D, S, chunk, cur, best, best_seq, best_len, temp0, temp1, params)
            done += chunk
            if budget.progress is not None:
                budget.report(done, float(best), int(best_len.sum()))
            if limit is None:
                took = time.monotonic() - c0
                remaining = budget.remaining_s()
                want = min(p.chunk_s, remaining)
                rate = chunk / max(took, 1e-6)
                chunk = int(max(1, min(chunk * 4, rate * want)))
        routes = [[int(job_index[best_seq[r, i]]) for i in range(best_len[r])] for r in range(m)]
        search_s = time.monotonic() - search_t0
        notes.append(
            f"native search: {done} iterations in {search_s:.2f} s ({done / max(search_s, 1e-9):.0f}/s), "
            f"{int(S.stats[1])} accepted, {int(S.stats[2])} improvements"
            + (f"; kernels loaded/compiled in {compile_s:.2f} s (added to the time limit)" if compile_s > 0.05 else "")
        )
        return EngineResult(
            routes,
            "iteration_limit" if limit is not None and done >= limit else "time_limit",
            float(best),
            time.monotonic() - t0,
            notes,
            iterations=done,
            compile_time_s=compile_s,
        )


def _temperature(hi: float, lo: float, fraction: float) -> float:
    fraction = min(1.0, max(0.0, fraction))
    if hi <= 0:
        return 0.0
    return hi * (lo / hi) ** fraction
