"""The compiled search's incremental evaluation against recomputation from scratch.

* ``search.concat_cost`` (the cost of every candidate route a move builds: a prefix of one route,
  up to two jobs, a suffix of a route) equals ``eval_route`` of the materialized sequence, on the
  O(1) path (no costed deadline, no breaks: ``Data.fast == 1``) and on the general path; with a
  finite ``limit`` it only answers -2 when the exact cost is >= the limit;
* after ``try_moves`` and ``run_iterations`` the incremental state (sequences, positions, prefix
  data, route costs, total) is what a fresh refresh of the same sequences gives, every route is
  feasible under every rule, and the total equals ``plan_cost`` of the routes plus the drop
  penalties of the engine jobs left out;
* ``NativeEngine.solve`` reports the objective of the routes it returns.
"""

from __future__ import annotations

import os
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.solvers.budget import Budget
from optimizer.solvers.native import search as K
from optimizer.solvers.native.engine import NativeEngine
from optimizer.solvers.native.timing import INF, eval_route
from tests import explicit as x
from tests.solvers.native.problems import build, problems

SETTINGS = settings(max_examples=int(os.environ.get("NATIVE_TEST_EXAMPLES", 60)), deadline=None, derandomize=True, print_blob=True,
                    suppress_health_check=list(HealthCheck))


def params(granular: bool) -> np.ndarray:
    """``run_iterations``' settings: avg removed, max string, blinks, local-search neighbours,
    local-search passes, granular recreate (as NativeEngine.solve builds them)."""
    return np.array([4.0, 4.0, 0.01, 6.0, 1.0, 1.0 if granular else 0.0], dtype=np.float64)


def routes_of(S) -> list[list[int]]:
    return [[int(e) for e in S.seq[r, : S.rlen[r]]] for r in range(S.rlen.shape[0])]


def random_state(b, rng: random.Random, iterations: int = 0):
    """A feasible state: random starting routes (``load_routes`` keeps the feasible ones and
    inserts the rest; ``check_state`` then checks every rule), then optionally a few iterations
    of search to mix it up."""
    S = K.new_state(b.D)
    K.seed_rng(rng.randrange(2**31))
    seqs = np.full((b.m, int(b.D.cap)), -1, dtype=np.int64)
    lens = np.zeros(b.m, dtype=np.int64)
    jobs = list(range(b.n))
    rng.shuffle(jobs)
    for e in jobs:
        t = rng.randrange(b.m)
        # timing, van stock and max_jobs unchecked here: load_routes must drop what breaks them
        if b.D.allowed[e, t] and lens[t] < b.D.cap and rng.random() < 0.8:
            seqs[t, lens[t]] = e
            lens[t] += 1
    cur = K.load_routes(b.D, S, seqs, lens)
    if iterations:
        best_seq = np.full((b.m, int(b.D.cap)), -1, dtype=np.int64)
        best_len = np.zeros(b.m, dtype=np.int64)
        K.snapshot(S, best_seq, best_len)
        cur, _ = K.run_iterations(b.D, S, iterations, cur, cur, best_seq, best_len, 1000.0, 10.0, params(rng.random() < 0.5))
    return S, cur


def expected_concat(b, S, ra, ia, mid, rb, jb) -> tuple[int, list[int]]:
    seq = routes_of(S)
    cand = seq[ra][:ia] + list(mid) + seq[rb][jb:]
    if not b.statically_ok(ra, cand):
        return -1, cand
    c = int(eval_route(b.D, ra, np.array(cand + [-1], dtype=np.int64), len(cand), b.work()))
    return c, cand


def check_concat_costs(b, S, rng: random.Random, where: str, count: int = 60) -> int:
    """Random candidate routes; returns how many took the O(1) timing path."""
    seq = routes_of(S)
    mid = np.full(4, -1, dtype=np.int64)
    fast = 0
    for _ in range(count):
        ra, rb = rng.randrange(b.m), rng.randrange(b.m)
        ia = rng.randint(0, len(seq[ra]))
        jb = rng.randint(ia if ra == rb else 0, len(seq[rb]))  # prefix and suffix disjoint
        used = set(seq[ra][:ia]) | set(seq[rb][jb:])
        free = [e for e in range(b.n) if e not in used]
        nmid = rng.randint(0, min(2, len(free)))
        chosen = rng.sample(free, nmid)
        mid[:] = -1
        mid[:nmid] = chosen
        want, cand = expected_concat(b, S, ra, ia, chosen, rb, jb)
        got = int(K.concat_cost(b.D, S, ra, ia, mid, nmid, rb, jb, INF))
        nb = b.D.bptr[ra + 1] - b.D.bptr[ra]
        if b.D.fast == 1 and nb == 0 and (ra == rb or (b.D.tend[ra] == b.D.tend[rb] and b.D.tshift[ra] == b.D.tshift[rb])):
            fast += 1
        what = f"concat_cost(ra={ra}, ia={ia}, mid={chosen}, rb={rb}, jb={jb}) = {cand} for technician {ra}; routes {seq}\n{where}"
        assert got == want, what
        if want >= 0:
            # the lower bound never cuts a candidate that beats the limit
            limit = want + rng.choice([-1, 0, 1, 500])
            bounded = int(K.concat_cost(b.D, S, ra, ia, mid, nmid, rb, jb, limit))
            assert bounded == want or (bounded == -2 and want >= limit), what + f"\nlimit {limit}: {bounded}"
    return fast


def check_state(b, S, where: str = "") -> int:
    """Every cached value of the state equals a recomputation; returns the total cost."""
    D = b.D
    seen = {}
    for r in range(b.m):
        L = int(S.rlen[r])
        seq = [int(e) for e in S.seq[r, :L]]
        for i, e in enumerate(seq):
            assert e not in seen, f"job {e} in two places {seen[e]} and {(r, i)}{where}"
            seen[e] = (r, i)
            assert (S.route_of[e], S.pos_of[e]) == (r, i), f"route_of/pos_of of job {e} disagree with seq{where}"
        assert b.statically_ok(r, seq), f"route {r} {seq} breaks allowed / max_jobs / van stock{where}"
        w = b.work()
        fresh = int(eval_route(D, r, np.array(seq + [-1], dtype=np.int64), L, w))
        assert fresh >= 0, f"route {r} {seq} is infeasible{where}"
        assert S.rlate[r] == (w[4] if L else 0), f"rlate of route {r}: {S.rlate[r]}, its lateness cost {w[4]}{where}"
        assert S.rcost[r] == fresh == b.reference_cost(r, seq), f"route {r} {seq}: cached {S.rcost[r]}, fresh {fresh}{where}"
    for e in range(b.n):
        if e not in seen:
            assert S.route_of[e] == -1, f"job {e} is in no route but route_of says {S.route_of[e]}{where}"
    # prefix data: a fresh state refreshed from the same sequences
    F = K.new_state(D)
    F.seq[:] = S.seq
    F.rlen[:] = S.rlen
    for r in range(b.m):
        K.refresh_route(D, F, r)
        L = int(S.rlen[r])
        for name in ("parc", "ptrav", "pserv", "pnp", "lat"):
            assert np.array_equal(getattr(S, name)[r, : L + 1], getattr(F, name)[r, : L + 1]), f"{name} of route {r}{where}"
        assert np.array_equal(S.pload[r, : L + 1], F.pload[r, : L + 1]), f"pload of route {r}{where}"
        assert np.array_equal(S.fin[r, :L], F.fin[r, :L]), f"fin of route {r}{where}"
        assert np.array_equal(S.rload[r], F.rload[r]), f"rload of route {r}{where}"
        # the timing programme's cached states (prefix states priced by tail_late)
        # (lateness of a state no schedule reaches, time INF, is meaningless)
        assert np.array_equal(S.fs_time[r, : L + 1], F.fs_time[r, : L + 1]), f"fs_time of route {r}{where}"
        reached = F.fs_time[r, : L + 1] < INF
        for name in ("fs_late", "fs_cost"):
            assert np.array_equal(getattr(S, name)[r, : L + 1][reached], getattr(F, name)[r, : L + 1][reached]), f"{name} of route {r}{where}"
    total = int(K.total_cost(D, S))
    assert total == b.plan_objective(routes_of(S)), f"total_cost differs from plan_cost + drops{where}"
    return total


@SETTINGS
@given(problems(fast=True, max_jobs=10), st.integers(0, 2**31))
def test_concat_cost_on_the_fast_path(p, seed):
    b = build(p)
    assert b.D.fast == 1
    rng = random.Random(seed)
    S, _ = random_state(b, rng, iterations=rng.choice([0, 5]))
    check_state(b, S)
    fast = check_concat_costs(b, S, rng, p.model_dump_json(exclude_none=True))
    assert fast == 60  # every candidate took the O(1) path


@SETTINGS
@given(problems(max_jobs=10), st.integers(0, 2**31))
def test_concat_cost_on_the_general_path(p, seed):
    b = build(p)
    rng = random.Random(seed)
    S, _ = random_state(b, rng, iterations=rng.choice([0, 5]))
    check_state(b, S)
    check_concat_costs(b, S, rng, p.model_dump_json(exclude_none=True))


@SETTINGS
@given(st.booleans().flatmap(lambda fast: problems(fast=fast, max_jobs=10)), st.integers(0, 2**31))
def test_moves_keep_the_incremental_state_exact(p, seed):
    """``try_moves`` on random pairs: an applied move lowers the total by exactly what the
    recomputed routes say (it was priced exactly), a refused move leaves the state untouched;
    the state stays consistent throughout, and after ``run_iterations`` too."""
    b = build(p)
    if b.n < 2:
        return
    rng = random.Random(seed)
    S, cur = random_state(b, rng)
    where = "\n" + p.model_dump_json(exclude_none=True)
    total = check_state(b, S, where)
    assert total == cur
    applied = 0
    for _ in range(40):
        u, v = rng.randrange(b.n), rng.randrange(b.n)
        if u == v:
            continue
        before = routes_of(S)
        moved = bool(K.try_moves(b.D, S, u, v))
        K.clear_touched(S)
        after = check_state(b, S, f" after try_moves({u}, {v}) on {before}{where}")
        if moved:
            applied += 1
            assert after < total, f"try_moves({u}, {v}) applied a move that does not improve: {total} -> {after}{where}"
        else:
            assert routes_of(S) == before and after == total
        total = after
    best_seq = np.full((b.m, int(b.D.cap)), -1, dtype=np.int64)
    best_len = np.zeros(b.m, dtype=np.int64)
    K.snapshot(S, best_seq, best_len)
    cur, best = K.run_iterations(b.D, S, 30, total, total, best_seq, best_len, 2000.0, 10.0, params(rng.random() < 0.5))
    assert cur == check_state(b, S, " after run_iterations" + where)
    best_routes = [[int(e) for e in best_seq[r, : best_len[r]]] for r in range(b.m)]
    assert best == b.plan_objective(best_routes) <= total


@SETTINGS
@given(problems(max_jobs=10), st.integers(0, 3))
def test_engine_objective_is_the_objective_of_its_routes(p, seed):
    b = build(p)
    result = NativeEngine().solve(b.cp, b.costs, Budget.of(10.0, 150), seed)
    engine_of = {int(ci): e for e, ci in enumerate(b.job_index)}
    routes = [[engine_of[ci] for ci in route] for route in result.routes]
    for t, route in enumerate(routes):
        assert b.statically_ok(t, route)
    if b.n:
        assert result.iterations == 150 and result.status == "iteration_limit"
    assert result.objective == b.plan_objective(routes), p.model_dump_json(exclude_none=True)


@pytest.mark.parametrize("a_to_b, feasible", [(600, True), (601, False)])
def test_the_o1_check_is_exact_to_the_second(a_to_b, feasible):
    """Insert A before B, whose only start time is 8:30: leave 8:00, 10 min to A, serve 10 min,
    then 600 s to B arrives at 8:30 sharp (feasible), 601 s one second late (infeasible). No
    deadline and no break: the O(1) path decides, and must agree with the full timing."""
    d = [[0, 600, 1200], [600, 0, a_to_b], [1200, a_to_b, 0]]
    p = x.problem(d, [x.tech("t", 0, 8, 16)],
                  [x.job("A", 1, 10), x.job("B", 2, 15, time_windows=[x.window(8.5, 8.5)])], engine="native")
    b = build(p)
    assert b.D.fast == 1 and b.D.bptr[1] == b.D.bptr[0]
    A, B = (list(b.job_index).index(j.index) for j in sorted(b.cp.jobs, key=lambda j: j.id))
    S = K.new_state(b.D)
    K.seed_rng(0)
    S.seq[0, 0] = B
    S.rlen[0] = 1
    assert K.refresh_route(b.D, S, 0) >= 0
    mid = np.array([A, -1, -1, -1], dtype=np.int64)
    got = int(K.concat_cost(b.D, S, 0, 0, mid, 1, 0, 0, INF))
    want = b.reference_cost(0, [A, B])
    assert (want >= 0) == feasible
    assert got == want
    # and after B: A appended (no window), always feasible
    assert int(K.concat_cost(b.D, S, 0, 1, mid, 1, 0, 1, INF)) == b.reference_cost(0, [B, A]) >= 0


@SETTINGS
@given(problems(max_jobs=10), st.integers(0, 2**31))
def test_tail_late_from_cached_prefix_states_equals_the_full_programme(p, seed):
    """``tail_late`` (the timing programme restarted from a route's cached prefix states, and
    stopped early where its states meet the route's own again) gives the lateness cost that
    ``eval_route`` computes from scratch, feasibility included: on candidates made of a prefix,
    any middle (other jobs, or the route's own segment reversed or shifted, as the intra-route
    moves build them) and a suffix of the same or another route."""
    b = build(p)
    rng = random.Random(seed)
    S, _ = random_state(b, rng, iterations=rng.choice([0, 5]))
    seq = routes_of(S)
    where = "\n" + p.model_dump_json(exclude_none=True)
    for _ in range(60):
        ra = rng.randrange(b.m)
        La = len(seq[ra])
        if rng.random() < 0.5 and La >= 2:
            # an intra-route move: seq[:lo] + a rearranged seq[lo..hi] + seq[hi+1:]
            lo = rng.randrange(La - 1)
            hi = rng.randint(lo + 1, La - 1)
            seg = seq[ra][lo: hi + 1]
            mid = seg[::-1] if rng.random() < 0.5 else seg[1:] + seg[:1]
            ia, rb, jb = lo, ra, hi + 1
        else:
            rb = rng.randrange(b.m)
            ia = rng.randint(0, La)
            jb = rng.randint(ia if ra == rb else 0, len(seq[rb]))
            used = set(seq[ra][:ia]) | set(seq[rb][jb:])
            free = [e for e in range(b.n) if e not in used]
            mid = rng.sample(free, rng.randint(0, min(4, len(free))))
        cand = seq[ra][:ia] + list(mid) + seq[rb][jb:]
        w = b.work()
        full = int(eval_route(b.D, ra, np.array(cand + [-1], dtype=np.int64), len(cand), w))
        want = -1 if full < 0 else (int(w[4]) if cand else 0)
        got = int(K.tail_late(b.D, S, ra, ia, np.array(list(mid) + [-1], dtype=np.int64), len(mid), rb, jb)) if cand else 0
        assert got == want, f"tail_late(ra={ra}, ia={ia}, mid={mid}, rb={rb}, jb={jb}) = {cand}: {got}, eval_route {want}; routes {seq}{where}"


@SETTINGS
@given(problems(max_jobs=10), st.integers(0, 2**31))
def test_a_route_remembered_as_no_fit_really_has_no_feasible_position(p, seed):
    """Recreate skips a route for a job while ``nofit[j, r]`` equals the route's version: after a
    search, every such (job, route) pair must have no feasible insertion position at all."""
    b = build(p)
    rng = random.Random(seed)
    S, _ = random_state(b, rng, iterations=rng.choice([5, 30]))
    mid = np.full(4, -1, dtype=np.int64)
    where = "\n" + p.model_dump_json(exclude_none=True)
    for j in range(b.n):
        for r in range(b.m):
            if S.nofit[j, r] != S.ver[r] or S.route_of[j] == r:
                continue
            mid[0] = j
            for i in range(int(S.rlen[r]) + 1):
                got = int(K.concat_cost(b.D, S, r, i, mid, 1, r, i, INF))
                assert got < 0, f"job {j} remembered as fitting nowhere in route {r} {routes_of(S)[r]}, but position {i} costs {got}{where}"


@SETTINGS
@given(st.booleans().flatmap(lambda fast: problems(fast=fast, max_jobs=10)), st.integers(0, 2**31))
def test_ruins_seeded_at_late_and_left_out_jobs_keep_the_state_exact(p, seed):
    """``run_iterations`` with every ruin seeded at a late job or a left-out one (``late_rate``
    0.5, ``out_rate`` 0.5: the left-out seed first in recreate, and with ``spill_rate`` 0.5
    strings also taken from routes it may not use): the incremental state stays what a recomputation gives, and the best plan's
    cost is its recomputed objective."""
    b = build(p)
    rng = random.Random(seed)
    S, cur = random_state(b, rng)
    where = "\n" + p.model_dump_json(exclude_none=True)
    best_seq = np.full((b.m, int(b.D.cap)), -1, dtype=np.int64)
    best_len = np.zeros(b.m, dtype=np.int64)
    K.snapshot(S, best_seq, best_len)
    prm = np.append(params(rng.random() < 0.5), [0.5, 0.5, 0.5])
    cur, best = K.run_iterations(b.D, S, 30, cur, cur, best_seq, best_len, 2000.0, 10.0, prm)
    assert cur == check_state(b, S, " after run_iterations" + where)
    best_routes = [[int(e) for e in best_seq[r, : best_len[r]]] for r in range(b.m)]
    assert best == b.plan_objective(best_routes)


@SETTINGS
@given(problems(max_jobs=10), st.integers(0, 2**31))
def test_late_job_is_a_job_of_a_route_with_lateness(p, seed):
    """``late_job`` answers -1 exactly when no route has SLA lateness, else a job of a route
    whose lateness cost is positive."""
    b = build(p)
    rng = random.Random(seed)
    S, _ = random_state(b, rng, iterations=rng.choice([0, 5]))
    K.clear_touched(S)
    j = int(K.late_job(b.D, S))
    late_routes = [r for r in range(b.m) if S.rlate[r] > 0 and S.rlen[r] > 0]
    if not late_routes:
        assert j == -1
    else:
        assert j >= 0 and int(S.route_of[j]) in late_routes
