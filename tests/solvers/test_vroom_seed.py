"""VROOM's starting plan: it respects every hard rule our scheduler knows (so no job is pushed out
when the plan is timed), only uses allowed technicians, asks for on-time starts, and the engine
seeded by it still returns valid, complete answers."""

from __future__ import annotations

from unittest.mock import patch

from hypothesis import HealthCheck, given, settings

from optimizer.solve import prepare, solve
from optimizer.solvers.costs import build_cost_model
from optimizer.solvers.insertion import RouteState
from optimizer.solvers.ortools_engine import OrToolsEngine
from optimizer.solvers.precheck import precheck
from optimizer.solvers.schedule import Infeasible
from optimizer.solvers.vroom_seed import _break_windows, exploration_level, vroom_routes
from tests.factories import at, job, point, problem, tech, window
from tests.solvers.test_properties import assert_valid_and_complete, random_problems


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_problems())
def test_vroom_plan_is_feasible_for_our_scheduler(p):
    cp = prepare(p)
    precheck(cp)
    routes = vroom_routes(cp, build_cost_model(cp), 1.0)
    usable = {t.index for t in cp.techs if _break_windows(t) is not None and t.ready_s <= t.shift_end_s}
    if not any(j.allowed & usable for j in cp.jobs):
        assert routes is None
        return
    assert routes is not None and len(routes) == len(cp.techs)
    seen = [i for seq in routes for i in seq]
    assert len(seen) == len(set(seen)), "a job in two routes"
    for tech_, seq in zip(cp.techs, routes):
        jobs = [cp.jobs[i] for i in seq]
        assert all(tech_.index in j.allowed for j in jobs), "job given to a technician it is not allowed"
        state = RouteState.build(tech_, jobs, cp.durations)
        assert not isinstance(state, Infeasible), f"{tech_.id}: {state}"


def test_vroom_plan_meets_deadlines_when_it_can():
    # One technician, two jobs at the same place; the one with a deadline must go first.
    p = problem(
        [tech("t1", start=8, end=16)],
        [
            job("late-ok", loc=point(2, 0), duration_min=60),
            job("due", loc=point(2, 0), duration_min=60, sla_deadline=at(9.5), priority="urgent"),
        ],
    )
    cp = prepare(p)
    precheck(cp)
    routes = vroom_routes(cp, build_cost_model(cp), 1.0)
    ids = [cp.jobs[i].id for i in routes[0]]
    assert ids == ["due", "late-ok"]


def test_job_that_cannot_be_on_time_is_still_planned():
    p = problem(
        [tech("t1", start=8, end=16)],
        [job("hopeless", loc=point(3, 0), duration_min=60, sla_deadline=at(8.5), time_windows=[window(10, 12)])],
    )
    cp = prepare(p)
    precheck(cp)
    routes = vroom_routes(cp, build_cost_model(cp), 1.0)
    assert [cp.jobs[i].id for i in routes[0]] == ["hopeless"]


def test_exploration_level_shrinks_with_size_and_grows_with_time():
    assert exploration_level(100, 10) == 5
    assert exploration_level(1500, 20) == 0
    assert exploration_level(400, 2) <= exploration_level(400, 20)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_problems())
def test_engine_seeded_by_vroom_gives_valid_complete_answers(p):
    with patch.object(OrToolsEngine, "VROOM_MIN_JOBS", 0):
        solution = solve(p)
    assert_valid_and_complete(p, solution)


def _tiny_cp():
    p = problem([tech("a"), tech("b", loc=point(2, 0))],
                [job(f"j{i}", loc=point(i % 3, i // 3), duration_min=20) for i in range(6)])
    cp = prepare(p)
    precheck(cp)
    return cp, build_cost_model(cp)


def canonical(routes):
    """Routes compared as VROOM may give them on a loaded machine: a route may come back reversed
    (the same cost: symmetric travel, no windows) when its search stops at the timeout."""
    return sorted(min(r, r[::-1]) for r in routes)


def test_bounded_vroom_gives_vroom_s_plan():
    from optimizer.solvers.vroom_seed import vroom_routes_bounded

    cp, costs = _tiny_cp()
    assert canonical(vroom_routes_bounded(cp, costs, 2.0)) == canonical(vroom_routes(cp, costs, 2.0))


def test_bounded_vroom_is_stopped_at_its_time_limit():
    """VROOM's construction ignores its timeout on large problems (Homberger C2_10_2: 145 s for
    12 s); the bounded call kills it. Here the VROOM call is replaced by one that takes 30 s."""
    import time as _time

    import optimizer.solvers.vroom_seed as vs

    cp, costs = _tiny_cp()

    def slow(*args, **kwargs):
        _time.sleep(30)
        return [[0]]

    with patch.object(vs, "vroom_routes", slow):
        t0 = _time.monotonic()
        assert vs.vroom_routes_bounded(cp, costs, 0.5) is None
        assert _time.monotonic() - t0 < 3.0


def _bounded_in_daemon(conn) -> None:
    from optimizer.solvers.vroom_seed import vroom_routes_bounded

    cp, costs = _tiny_cp()
    conn.send(vroom_routes_bounded(cp, costs, 2.0))


def test_bounded_vroom_runs_in_a_daemonic_process():
    """The server's solver workers are daemonic processes, where multiprocessing refuses
    children ("daemonic processes are not allowed to have children" failed every solve that
    used the VROOM seed there): the bounded call forks directly and gives VROOM's plan."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_bounded_in_daemon, args=(sender,), daemon=True)
    proc.start()
    assert receiver.poll(60)
    got = receiver.recv()
    proc.join(10)
    cp, costs = _tiny_cp()
    assert got is not None and canonical(got) == canonical(vroom_routes(cp, costs, 2.0))
