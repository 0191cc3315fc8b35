"""The ``native`` engine: ruin and recreate (SISR string removals, cheapest insertion with blinks)
plus a granular local search (relocate, swap, 2-opt*, intra-route relocate and 2-opt), with
simulated-annealing acceptance, compiled with numba.

One *iteration* is one ruin, one recreate, the local search on the routes they touched and the
acceptance test. The search runs in chunks of compiled iterations; between chunks Python checks
the :class:`~optimizer.solvers.budget.Budget` (and reports progress through its hook). With ``budget.max_iterations`` set, chunks have a
fixed size and the temperature follows the iteration count, so a seed and an iteration limit
always give the same plan; otherwise the temperature follows the elapsed share of the time.

Below ``small_below_jobs`` jobs the search is ``restarts`` independent runs from the same start,
each with its own random stream and an equal share of the time (or iterations); the best one
wins. A last local search over every job with ``final_ls_neighbours`` neighbours (the share
``final_ls_share`` of the time is kept for it) polishes the best plan. Neither applies when jobs
are linked (crews, dependencies): their start pins live in ``Data`` and belong to the search's
current plan.

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
        params = np.array(
            [p.avg_removed, p.max_string, p.blink_rate, p.ls_neighbours, p.ls_passes if p.ls_neighbours > 0 else 0,
             1.0 if n >= p.granular_from_jobs else 0.0, p.late_seed_rate,
             p.out_seed_rate, p.out_spill_rate if n < p.small_below_jobs else 0.0],
            dtype=np.float64,
        )
        limit = budget.max_iterations
        # Crews and dependencies keep their start pins in D, for the search's current plan: one run,
        # and no final local search on another plan.
        linked = int(D.links) == 1
        runs = p.restarts if n < p.small_below_jobs and not linked else 1
        if limit is not None:
            runs = max(1, min(runs, limit))
        search_t0 = time.monotonic()
        total_s = max(1e-6, budget.deadline - search_t0)
        final_share = p.final_ls_share if p.final_ls_neighbours > 0 and not linked else 0.0
        best = None
        best_seq = np.full((m, int(D.cap)), -1, dtype=np.int64)
        best_len = np.zeros(m, dtype=np.int64)
        run_seq = np.full((m, int(D.cap)), -1, dtype=np.int64)
        run_len = np.zeros(m, dtype=np.int64)
        done = 0
        stats = np.zeros(3, dtype=np.int64)
        for run in range(runs):
            if run > 0:
                # an independent search from the same start (its own random stream); the best run wins
                S = K.new_state(D)
                K.seed_rng((int(seed) + 7919 * run) % (2**32))
            end_it = None if limit is None else (limit * (run + 1)) // runs
            end_t = search_t0 + total_s * (1.0 - final_share) * (run + 1) / runs
            run_best, done = self._anneal(K, D, S, seqs, lens, params, budget, done, end_it, end_t, run_seq, run_len, best)
            stats += S.stats[:3]
            if best is None or run_best < best:
                best = run_best
                best_seq[:] = run_seq
                best_len[:] = run_len
            if budget.expired(done):
                break
        if p.final_ls_neighbours > 0 and best is not None and not linked and budget.remaining_s() > 0:
            # a last, wider local search on the best plan (every job, more neighbours, to a local
            # optimum), in slices of jobs so that the deadline is checked between them
            f0 = time.monotonic()
            F = K.new_state(D)
            K.load_routes(D, F, best_seq, best_len)
            order = np.random.RandomState(int(seed) % (2**32)).permutation(n).astype(np.int64)
            for _ in range(100):
                moves = 0
                for a in range(0, n, 100):
                    if budget.remaining_s() <= 0:
                        break
                    moves += K.local_search(D, F, p.final_ls_neighbours, order[a : a + 100].copy(), min(100, n - a), 1)
                if moves == 0 or budget.remaining_s() <= 0:
                    break
            K.clear_touched(F)
            polished = K.total_cost(D, F)
            if polished < best:
                notes.append(f"final local search ({time.monotonic() - f0:.2f} s): {(best - polished) / costs.units_per_weight:.0f} less objective")
                best = polished
                K.snapshot(F, best_seq, best_len)
        routes = [[int(job_index[best_seq[r, i]]) for i in range(best_len[r])] for r in range(m)]
        search_s = time.monotonic() - search_t0
        notes.append(
            f"native search: {done} iterations in {search_s:.2f} s ({done / max(search_s, 1e-9):.0f}/s), "
            f"{int(stats[1])} accepted, {int(stats[2])} improvements"
            + (f", best of {runs} independent runs" if runs > 1 else "")
            + (f"; kernels loaded/compiled in {compile_s:.2f} s (added to the time limit)" if compile_s > 0.05 else "")
        )
        return EngineResult(
            routes,
            "iteration_limit" if limit is not None and done >= limit else "time_limit",
            float(best if best is not None else 0.0),
            time.monotonic() - t0,
            notes,
            iterations=done,
            compile_time_s=compile_s,
        )


    def _anneal(self, K, D, S, seqs, lens, params, budget: Budget, done: int, end_it: Optional[int], end_t: float,
                best_seq: np.ndarray, best_len: np.ndarray, incumbent: Optional[float]) -> tuple[float, int]:
        """One search from the starting routes ``seqs``/``lens`` on the fresh state ``S``: load
        them (inserting what is missing), a full local search, then annealing until iteration
        ``end_it`` (with an iteration limit) or the clock ``end_t``. The run's best routes go to
        ``best_seq``/``best_len``; returns (their cost, iterations done in total)."""
        p = self.params
        n, m = S.route_of.shape[0], S.rlen.shape[0]
        cur = K.load_routes(D, S, seqs, lens)
        if p.ls_neighbours > 0:
            S.stats[3] += K.local_search(D, S, max(p.ls_neighbours, p.start_ls_neighbours), np.arange(n, dtype=np.int64), n, 1000)
            K.clear_touched(S)
            cur = K.total_cost(D, S)
        best = cur
        K.snapshot(S, best_seq, best_len)
        served = int(np.sum(S.route_of >= 0))
        arcs = int(sum(S.parc[r, S.rlen[r]] for r in range(m) if S.rlen[r] > 0))
        scale = arcs / max(1, served + int(np.sum(S.rlen > 0)))
        t_hi = p.start_temperature * scale
        t_lo = max(p.end_temperature * scale, 1e-9)
        start_it = done
        run_t0 = time.monotonic()
        run_s = max(1e-6, end_t - run_t0)
        chunk = 10
        while not budget.expired(done) and (end_it is None or done < end_it) and (end_it is not None or time.monotonic() < end_t):
            if end_it is not None:
                chunk = min(p.iterations_per_chunk, end_it - done)
                span = max(1, end_it - start_it)
                f0, f1 = (done - start_it) / span, (done - start_it + chunk) / span
            else:
                f0 = (time.monotonic() - run_t0) / run_s
                f1 = min(1.0, f0 + p.chunk_s / run_s)
            temp0 = _temperature(t_hi, t_lo, f0)
            temp1 = _temperature(t_hi, t_lo, f1)
            c0 = time.monotonic()
            cur, best = K.run_iterations(D, S, chunk, cur, best, best_seq, best_len, temp0, temp1, params)
            done += chunk
            if budget.progress is not None:
                shown = best if incumbent is None else min(best, incumbent)
                budget.report(done, float(shown), int(best_len.sum()))
            if end_it is None:
                took = time.monotonic() - c0
                want = min(p.chunk_s, max(0.0, end_t - time.monotonic()))
                rate = chunk / max(took, 1e-6)
                chunk = int(max(1, min(chunk * 4, rate * want)))
        return best, done


def _temperature(hi: float, lo: float, fraction: float) -> float:
    fraction = min(1.0, max(0.0, fraction))
    if hi <= 0:
        return 0.0
    return hi * (lo / hi) ** fraction
