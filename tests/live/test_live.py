"""Live plans in the library: risk, escalation, promises and versions, on hand-given travel
matrices so every expected time below is computed by hand in the comments.

Matrix (seconds): 0 = t1's depot, 1 = job a, 2 = job b, 3 = t2's depot.
0-1 600, 1-2 600, 0-2 1200, 3-2 900, 3-1 1500, 3-0 1800 (symmetric).
"""

from __future__ import annotations

from datetime import timedelta

from optimizer.live import LiveEvent, LiveSettings, MatrixCache, apply, create
from optimizer.live.promises import Promise, constrain
from optimizer.models import Solution
from optimizer.solve import solve
from optimizer.validate import validate
from tests import explicit as x

D = [[0, 600, 1200, 1800], [600, 0, 600, 1500], [1200, 600, 0, 900], [1800, 1500, 900, 0]]
NO_BALANCE = {"workload_balance_per_s": 0.0}
WIDE = {"risk_threshold_min": {"urgent": 60, "high": 45, "normal": 30, "low": 15}, "risk_confirm_versions": 1}
"""Thresholds the hand-computed risk tests below were written for (wider than the defaults) and
every low slack listed at once."""


def _problem(jobs, techs=None, **options):
    techs = techs or [x.tech("t1", 0), x.tech("t2", 3)]
    return x.problem(D, techs, jobs, engine="native", weights=NO_BALANCE, max_iterations=300, **options)


def _events(*bodies):
    return [LiveEvent.model_validate({"id": f"e{i}", "event": b}) for i, b in enumerate(bodies)]


def _start(solution: Solution, job_id: str):
    return next(s.start for r in solution.routes for s in r.stops if s.job_id == job_id)


def test_risk_predicted_end_slack_and_reasons_by_hand():
    # One technician: a 08:10-08:40 (600 s drive), b 08:50-09:20 (600 s more).
    problem = _problem([x.job("a", 1, priority="urgent", sla_deadline=x.at(9)),
                        x.job("b", 2, priority="normal", sla_deadline=x.at(9 + 10 / 60))], techs=[x.tech("t1", 0)])
    plan = solve(problem)
    cache = MatrixCache(problem)
    v1 = create("p", problem, plan, LiveSettings(**WIDE), cache.matrix, cache.points).version
    at_risk = {r.job_id: r for r in v1.risk.at_risk}
    breaches = {r.job_id: r for r in v1.risk.breaches}
    assert set(at_risk) == {"a"} and set(breaches) == {"b"}
    assert at_risk["a"].slack_min == 20.0 and at_risk["a"].predicted_end == x.instant(8 + 40 / 60)  # 09:00 - 08:40
    assert breaches["b"].slack_min == -10.0 and breaches["b"].reason == "travel"  # 09:10 - 09:20
    assert breaches["b"].travel_upstream_min == 20.0  # 600 s + 600 s
    # a overruns by 15 min while under way (08:20): b ends 09:35, slack -25, pushed by the overrun.
    v2 = apply(v1, LiveSettings(**WIDE), _events({"type": "job_overrun", "job_id": "a", "minutes": 15}), now=x.instant(8 + 20 / 60), cache=cache).version
    assert validate(v2.problem, v2.solution) == []
    b = next(r for r in v2.risk.breaches if r.job_id == "b")
    assert (b.slack_min, b.reason, b.overrun_upstream_min) == (-25.0, "overrun_upstream", 15.0)
    # a delay of t1 is a late start for b (nothing overran upstream of it in this version's plan).
    v3 = apply(v1, LiveSettings(**WIDE), _events({"type": "technician_delayed", "technician_id": "t1", "minutes": 20}), now=x.instant(8), cache=cache).version
    b3 = next(r for r in v3.risk.breaches if r.job_id == "b")
    assert b3.reason == "late_start" and b3.late_start_min == 20.0


def test_at_risk_is_listed_after_two_versions_of_low_slack_and_breaches_at_once():
    # Same day as above: a ends 08:40 (urgent, deadline 09:00: slack 20 min), b ends 09:20
    # (normal, deadline 09:10: slack -10). Thresholds: urgent 30 (a is low), normal 30.
    problem = _problem([x.job("a", 1, priority="urgent", sla_deadline=x.at(9)),
                        x.job("b", 2, priority="normal", sla_deadline=x.at(9 + 10 / 60))], techs=[x.tech("t1", 0)])
    plan = solve(problem)
    cache = MatrixCache(problem)
    settings = LiveSettings.model_validate({"risk_threshold_min": {"urgent": 30, "normal": 30}})
    assert settings.risk_confirm_versions == 2  # the default
    v1 = create("p", problem, plan, settings, cache.matrix, cache.points).version
    assert [r.job_id for r in v1.risk.at_risk] == [] and [r.job_id for r in v1.risk.breaches] == ["b"]  # breach at once
    assert v1.tracking.low_slack == {"a": 1, "b": 1}
    position = {"type": "technician_position", "technician_id": "t1", "location": {"index": 0}, "at": x.at(8)}
    v2 = apply(v1, settings, _events(position), now=x.instant(8), cache=cache).version
    assert [(r.job_id, r.slack_min) for r in v2.risk.at_risk] == [("a", 20.0)]  # second version in a row: listed
    assert v2.tracking.low_slack == {"a": 2, "b": 2}
    # With a 15 min urgent threshold a's slack (20) is no longer low: the count restarts.
    relaxed = settings.model_copy(update={"risk_threshold_min": {"urgent": 15, "normal": 30}})
    v3 = apply(v2, relaxed, _events({**position, "at": x.at(8 + 1 / 60)}), now=x.instant(8 + 1 / 60), cache=cache).version
    assert v3.risk.at_risk == [] and v3.tracking.low_slack == {"b": 3}
    v4 = apply(v3, settings, _events({**position, "at": x.at(8 + 2 / 60)}), now=x.instant(8 + 2 / 60), cache=cache).version
    assert v4.risk.at_risk == [] and v4.tracking.low_slack == {"a": 1, "b": 4}  # one version low again: not yet


def test_urgent_at_risk_gets_a_reassignment_proposal_then_is_not_repeated():
    # t1 does a (must start by 08:30) then b (travel 600+600+1200 home = 2400 s, less than t2
    # taking b: 1200+1800); b ends 09:20, 40 min before its 10:00 deadline: at risk (urgent
    # threshold 60 min). t2 could drive 900 s from its depot and end b at 08:45.
    problem = _problem([x.job("a", 1, time_windows=[x.window(8, 8.5)]), x.job("b", 2, priority="urgent", sla_deadline=x.at(10))])
    plan = solve(problem)
    assert [s.job_id for s in plan.route_of("t1").stops] == ["a", "b"]
    cache = MatrixCache(problem)
    v1 = create("p", problem, plan, LiveSettings(**WIDE), cache.matrix, cache.points).version
    [esc] = v1.escalations
    assert (esc.job_id, esc.action, esc.level, esc.technician_id) == ("b", "propose_reassignment", "at_risk", "t1")
    assert esc.proposed_technician == "t2"
    assert esc.proposed_start == x.instant(8.25) and esc.proposed_end == x.instant(8.75)
    assert v1.tracking.escalated["b"] == "at_risk|propose_reassignment|t2"
    # A high-priority job predicted late is escalated for a person (default rule).
    rules = LiveSettings.model_validate({**WIDE, "escalation_rules": [{"name": "vip", "job_ids": ["b"], "level": "at_risk", "action": "escalate"}]})
    v1b = create("p", problem, plan, rules, cache.matrix, cache.points).version
    assert [(e.job_id, e.action, e.rule) for e in v1b.escalations] == [("b", "escalated", "vip")]
    # The next version (nothing changed for b) records no new escalation.
    v2 = apply(v1, LiveSettings(**WIDE), _events({"type": "technician_position", "technician_id": "t2", "location": {"index": 3},
                                            "at": x.at(8)}), now=x.instant(8), cache=cache).version
    assert [e.job_id for e in v2.escalations if e.job_id == "b"] == []


def test_escalation_rules_in_the_problem_replace_the_settings_and_stay_with_the_plan():
    # The day of the test above: b (urgent, ends 09:20 with t1, deadline 10:00) is at risk with
    # reason travel; t2 could end it at 08:45.
    from optimizer.models.escalation import EscalationRule

    jobs = [x.job("a", 1, time_windows=[x.window(8, 8.5)]), x.job("b", 2, priority="urgent", sla_deadline=x.at(10))]
    rules = [{"name": "overruns only", "when": {"priorities": ["urgent"], "reasons": ["overrun_upstream"]}, "action": "propose_reassignment"},
             {"name": "vip b", "when": {"job_ids": ["b"], "level": "at_risk"}, "action": "escalate"}]
    problem = _problem(jobs).model_copy(update={"escalation_rules": [EscalationRule.model_validate(r) for r in rules]})
    plan = solve(problem)
    cache = MatrixCache(problem)
    # The settings' default rule would propose t2; the problem's rules decide instead: the first
    # covers only overruns (b's reason is travel), the second flags b for a person.
    v1 = create("p", problem, plan, LiveSettings(**WIDE), cache.matrix, cache.points).version
    assert [(e.job_id, e.rule, e.action, e.proposed_technician) for e in v1.escalations] == [("b", "vip b", "escalated", None)]
    # The rules travel with the state: an overrun of a (under way) makes b's reason
    # overrun_upstream, so the first rule now applies and proposes t2.
    start = {"type": "job_started", "job_id": "a", "technician_id": "t1", "at": x.at(8 + 10 / 60)}
    v2 = apply(v1, LiveSettings(**WIDE), _events(start, {"type": "job_overrun", "job_id": "a", "minutes": 30}),
               now=x.instant(8 + 15 / 60), cache=cache).version
    assert v2.problem.escalation_rules == problem.escalation_rules
    risk_b = next(r for r in v2.risk.at_risk + v2.risk.breaches if r.job_id == "b")
    assert risk_b.reason == "overrun_upstream"
    [esc] = [e for e in v2.escalations if e.job_id == "b"]
    assert (esc.rule, esc.action, esc.proposed_technician) == ("overruns only", "propose_reassignment", "t2")
    # Without rules in the problem the settings' rules apply (default: urgent at risk -> proposal).
    v1d = create("p", _problem(jobs), plan, LiveSettings(**WIDE), cache.matrix, cache.points).version
    assert [(e.rule, e.action) for e in v1d.escalations] == [("urgent at risk", "propose_reassignment")]
    # The flat form of a rule (before "when") is still read.
    flat = EscalationRule.model_validate({"name": "old", "priorities": ["high"], "level": "breach", "action": "escalate"})
    assert (flat.when.level, [p.value for p in flat.when.priorities]) == ("breach", ["high"])


def test_promise_becomes_a_hard_window_and_a_priced_promised_start():
    problem = _problem([x.job("a", 1, duration_min=30, time_windows=[x.window(8, 16)], sla_deadline=x.at(15))])
    promises = {"a": Promise(job_id="a", start=x.instant(10))}
    settings = LiveSettings.model_validate({"promises": {"tolerance_min": 30, "early_tolerance_min": 10, "cost_per_min": 75}})
    out, ids = constrain(problem, promises, settings.promises)
    job = out.jobs[0]
    assert ids == {"a"}
    assert [(w.start, w.end) for w in job.time_windows] == [(x.instant(10 - 10 / 60), x.instant(10.5))]
    assert job.sla_deadline == x.instant(15)  # the SLA stays the customer's own
    assert [(p.job_id, p.start, p.cost_per_min) for p in out.promised_starts] == [("a", x.instant(10), 75.0)]
    assert problem.jobs[0].time_windows[0].start == x.instant(8) and problem.promised_starts == []  # the input is not changed


# Promise cost by hand. Points: 0 = t1's start, 1 = job a, 2 = job b, 3 = t1's end.
# 0-1 600, 0-2 600, 1-2 600, 1-3 60, 2-3 1200, 0-3 600 (symmetric). Jobs of 30 min.
# Order b, a drives 600 + 600 + 60 = 1260 s; order a, b drives 600 + 600 + 1200 = 2400 s.
# b, a: b 08:10-08:40, a starts 08:50; a, b: a starts 08:10.
D_PROMISE = [[0, 600, 600, 600], [600, 0, 600, 60], [600, 600, 0, 1200], [600, 60, 1200, 0]]


def _promise_problem(engine: str, cost_per_min: float, **a_extra):
    from optimizer.models.promise import PromisedStart

    techs = [x.tech("t1", 0, end_location=x.loc(3))]
    jobs = [x.job("a", 1, **a_extra), x.job("b", 2)]
    problem = x.problem(D_PROMISE, techs, jobs, engine=engine, weights={**NO_BALANCE, "technician_fixed_cost": 0.0}, max_iterations=200)
    if cost_per_min:
        problem = problem.model_copy(update={"promised_starts": [PromisedStart(job_id="a", start=x.instant(8 + 10 / 60), cost_per_min=cost_per_min)]})
    return problem


def test_a_promised_start_is_priced_per_minute_on_its_own_in_both_engines():
    for engine in ("native", "ortools"):
        # Without a promise the shorter drive wins: b, a (1260 s).
        plain = solve(_promise_problem(engine, 0))
        assert [s.job_id for s in plain.route_of("t1").stops] == ["b", "a"], engine
        assert plain.solver.objective == 1260.0, engine
        # Promise a at 08:10 for 12 per minute (20 cost units a second, exact): b, a still wins
        # (1260 + 40 min x 12 = 1740 < 2400).
        cheap = solve(_promise_problem(engine, 12))
        assert [s.job_id for s in cheap.route_of("t1").stops] == ["b", "a"], engine
        assert cheap.solver.objective == 1740.0, engine
        # 60 per minute: b, a would cost 1260 + 2400 = 3660 > 2400, so a goes first, on its promise.
        dear = solve(_promise_problem(engine, 60))
        assert [s.job_id for s in dear.route_of("t1").stops] == ["a", "b"], engine
        assert dear.solver.objective == 2400.0 and _start(dear, "a") == x.instant(8 + 10 / 60), engine
        # 60 min of service for a with t1: b, a costs 1260 + 40 x 12 = 1740 (start 08:50) < 2400.
        slow = solve(_promise_problem(engine, 12, durations_by_technician={"t1": 60}))
        assert [s.job_id for s in slow.route_of("t1").stops] == ["b", "a"] and slow.solver.objective == 1740.0, engine
        # Apart from the SLA: a normal job due 08:40 (its promised end too) ends 09:20 in b, a:
        # 40 min x 120 (SLA weight of normal) + 40 min x 12 (promise) = 5280 on top of 1260.
        both = solve(_promise_problem(engine, 12, sla_deadline=x.at(8 + 40 / 60)))
        sla_only = solve(_promise_problem(engine, 0, sla_deadline=x.at(8 + 40 / 60)))
        assert [s.job_id for s in sla_only.route_of("t1").stops] == ["a", "b"], engine  # 1260 + 4800 > 2400
        assert sla_only.solver.objective == 2400.0 and both.solver.objective == 2400.0, engine
        # The objective of one plan with both terms, by hand (the engines' shared objective).
        from optimizer.solve import build_cost_model, objective, precheck, prepare, repair

        # The promise is on the start: a takes t1 60 min (durations by technician), b, a still
        # starts a at 08:50, 40 min after the promise (not 70 min after promise + 30 min).
        longer = _promise_problem(engine, 12, durations_by_technician={"t1": 60})
        for problem, want in ((_promise_problem(engine, 12, sla_deadline=x.at(8 + 40 / 60)), 1260 + 4800 + 480),
                              (_promise_problem(engine, 12), 1260 + 480), (_promise_problem(engine, 0), 1260), (longer, 1260 + 480)):
            cp = prepare(problem)
            assert precheck(cp) == []
            costs = build_cost_model(cp)
            plan = repair(cp, costs, [[1, 0]], [])  # b then a
            assert [j.id for j in plan.routes[0].jobs] == ["b", "a"]
            assert objective(cp, costs, plan, []) == want * 100, (engine, want)




def test_a_sick_technician_does_not_shift_promised_customers_beyond_the_tolerance():
    # a and c must start by 08:30 (a at 1, c at 2, one hour each): t1 takes a (08:10), t2 takes c
    # (08:15). Every start is promised (confirm_all). t1 falls sick at 08:05: t2, busy with c until
    # 09:15, cannot start a by 08:30, so a's promise is broken (a is unserved) while c's holds.
    w = [x.window(8, 8.5)]
    problem = _problem([x.job("a", 1, duration_min=60, time_windows=w), x.job("b", 1, duration_min=30),
                        x.job("c", 2, duration_min=60, time_windows=w), x.job("d", 2, duration_min=30)])
    plan = solve(problem)
    settings = LiveSettings.model_validate({"promises": {"confirm_all": True, "tolerance_min": 30}, "replan": {"time_limit_s": 0.3}})
    cache = MatrixCache(problem)
    v1 = create("p", problem, plan, settings, cache.matrix, cache.points).version
    promised = {k: p.start for k, p in v1.promises.items()}
    assert set(promised) == {"a", "b", "c", "d"}
    v2 = apply(v1, settings, _events({"type": "technician_unavailable", "technician_id": "t1"}), now=x.instant(8 + 5 / 60), cache=cache).version
    assert validate(v2.problem, v2.solution) == []
    broken = {c.job_id: c for c in v2.changes if c.kind == "promise_broken"}
    placed = {s.job_id: s.start for r in v2.solution.routes for s in r.stops}
    for job_id, promise in promised.items():
        if job_id in broken:
            assert broken[job_id].promised_start == promise and broken[job_id].reason
            assert "within 30 min" in broken[job_id].reason
        else:  # kept: started within [promise, promise + 30 min]
            assert job_id in placed and timedelta(0) <= placed[job_id] - promise <= timedelta(minutes=30), job_id
    assert "a" in broken and "a" not in placed and "c" not in broken
    assert "technician_unavailable event e0" in broken["a"].reason
    for job_id, change in broken.items():  # a broken promise is renewed at the new start, or dropped
        assert (v2.promises[job_id].start == placed[job_id] and v2.promises[job_id].renewed == 1) if job_id in placed else job_id not in v2.promises


def test_versions_number_events_and_keep_the_old_state():
    problem = _problem([x.job("a", 1), x.job("b", 2)])
    plan = solve(problem)
    cache = MatrixCache(problem)
    settings = LiveSettings.model_validate({"replan": {"time_limit_s": 0.2}})
    v1 = create("p", problem, plan, settings, cache.matrix, cache.points).version
    before = v1.model_dump_json()
    new = {"type": "new_job", "job": x.job("n", 2, priority="urgent", sla_deadline=x.at(12))}
    v2 = apply(v1, settings, _events(new, {"type": "job_cancelled", "job_id": "a"}), now=x.instant(8), cache=cache).version
    assert v1.model_dump_json() == before  # the old version is untouched
    assert (v2.version, [e.id for e in v2.events]) == (2, ["e0", "e1"])
    assert {c.job_id: c.cause_event_id for c in v2.changes}.get("n") == "e0"
    assert any(u.job_id == "a" and u.code == "cancelled" for u in v2.solution.unassigned)
    assert validate(v2.problem, v2.solution) == []


def test_recommendations_against_a_version_equal_the_stateless_ranking():
    """The per-version fast path (compiled once, new jobs compiled and the matrix extended per
    request) answers exactly what optimizer.recommend.recommend answers on the whole problem."""
    from optimizer.live.recommend import LiveRecommender, LiveRecommendError
    from optimizer.models import Job
    from optimizer.recommend import recommend
    from tests import factories as f

    techs = [f.tech("t1", loc=f.point(0, 0)), f.tech("t2", loc=f.point(3, 0), skills={"gas": 1})]
    jobs = [f.job(f"j{i}", loc=f.point(i % 3, i // 3), duration_min=30, sla_deadline=f.at(10 + i * 0.5)) for i in range(6)]
    problem = f.problem(techs, jobs, max_iterations=200)
    plan = solve(problem)
    cache = MatrixCache(problem)
    rec = LiveRecommender([j.id for j in problem.jobs], ["t1", "t2"], problem, plan, cache)
    new = [Job.model_validate(f.job("n1", loc=f.point(1.5, 2), duration_min=20, sla_deadline=f.at(11))),
           Job.model_validate(f.job("n2", loc=f.point(-1, 1), skills={"gas": 1})),
           Job.model_validate(f.job("n3", loc=f.point(0, 1), skills={"plumbing": 2}))]
    got = rec.recommend(new, max_results=3)
    whole = problem.model_copy(update={"jobs": problem.jobs + new})
    assert [r.model_dump() for r in got] == [r.model_dump() for r in recommend(whole, plan, ["n1", "n2", "n3"], max_results=3)]
    assert got[1].options and {o.technician_id for o in got[1].options} == {"t2"}  # only t2 has gas
    assert not got[2].options and got[2].reason  # nobody has plumbing
    assert len(cache.points) == len(MatrixCache(problem).points)  # the request did not grow the cache
    try:
        rec.recommend([Job.model_validate(f.job("j1"))])
        raise AssertionError("an existing id must be refused")
    except LiveRecommendError as exc:
        assert str(exc).startswith("jobs[0].id:")


def test_road_recommendations_reuse_the_version_and_equal_the_stateless_ranking():
    """On road travel times the version's matrix, cost model and insertion index are built once
    and each request writes its new points into spare room: request after request (new points,
    a known location, two new points at once, a slower speed factor) the answers equal
    optimizer.recommend.recommend on the whole problem with a freshly built matrix."""
    from optimizer.live.recommend import LiveRecommender
    from optimizer.models import Job
    from optimizer.recommend import recommend
    from tests import factories as f

    for speed in (1.0, 1.3):
        techs = [f.tech("t1", loc=f.point(0, 0)), f.tech("t2", loc=f.point(0.8, 0.5))]
        jobs = [f.job(f"j{i}", loc=f.point(0.3 * (i % 3), 0.25 * (i // 3)), duration_min=30, sla_deadline=f.at(10 + i * 0.5)) for i in range(6)]
        problem = f.problem(techs, jobs, max_iterations=200, matrix="road", speed_factor=speed)
        plan = solve(problem)
        cache = MatrixCache(problem)
        rec = LiveRecommender([j.id for j in problem.jobs], ["t1", "t2"], problem, plan, cache)
        rec.prepare()
        requests = [[f.job("n1", loc=f.point(0.7, 0.6), duration_min=20, sla_deadline=f.at(11))],
                    [f.job("n2", loc=f.point(0.3, 0.0))],  # the location of j1: no new point
                    [f.job("n3", loc=f.point(0.75, 0.2)), f.job("n4", loc=f.point(0.2, 0.8), sla_deadline=f.at(9.5))],
                    [f.job("n5", loc=f.point(0.4, 0.4))]]
        for batch in requests:
            new = [Job.model_validate(j) for j in batch]
            got = rec.recommend(new, max_results=3)
            whole = problem.model_copy(update={"jobs": problem.jobs + new})
            want = recommend(whole, plan, [j.id for j in new], max_results=3)
            assert [r.model_dump() for r in got] == [r.model_dump() for r in want], (speed, [j.id for j in new])
            assert any(r.options for r in got)
        assert len(cache.points) == len(MatrixCache(problem).points)  # no request grew the cache
    # A new job outside the road region is the caller's mistake, named by its path (was a 500).
    from optimizer.live.recommend import LiveRecommendError

    far = [Job.model_validate(f.job("in", loc=f.point(0.3, 0.3))), Job.model_validate(f.job("out", loc=f.point(30, 0)))]
    try:
        rec.recommend(far)
        raise AssertionError("a location outside the region must be refused")
    except LiveRecommendError as exc:
        assert str(exc).startswith("jobs[1].location: ") and "outside the road region" in str(exc)


def test_matrix_extension_equals_a_full_road_build():
    """Rows and columns searched for new points only equal a full build (bundled Helsinki roads)."""
    from optimizer.geo.matrix import build_problem_matrix
    from tests import factories as f

    base = f.problem([f.tech("t1", loc=f.point(0, 0))], [f.job(f"j{i}", loc=f.point(i * 0.2, 0.1 * i)) for i in range(5)], matrix="road")
    cache = MatrixCache(base)
    from optimizer.models import Location

    more = base.model_copy(update={"jobs": base.jobs + [base.jobs[0].model_copy(update={"id": "x", "location": Location(**f.point(0.5, 0.4))})]})
    temp, temp_points = cache.extended([more.jobs[-1].location])
    grown, points = cache.ensure(more)
    full, full_points = build_problem_matrix(more)
    assert [p.key() for p in points.points] == [p.key() for p in full_points.points]
    for m in (temp, grown):
        assert (m.durations_s == full.durations_s).all() and (m.distances_m == full.distances_m).all()


def test_accepting_the_proposal_moves_the_job_and_pins_it():
    problem = _problem([x.job("a", 1, time_windows=[x.window(8, 8.5)]), x.job("b", 2, priority="urgent", sla_deadline=x.at(10))])
    plan = solve(problem)
    cache = MatrixCache(problem)
    settings = LiveSettings.model_validate({**WIDE, "replan": {"time_limit_s": 0.2}})
    v1 = create("p", problem, plan, settings, cache.matrix, cache.points).version
    [esc] = v1.escalations
    accept = _events({"type": "job_assigned", "job_id": "b", "technician_id": esc.proposed_technician})
    v2 = apply(v1, settings, accept, now=x.instant(8), cache=cache).version
    assert validate(v2.problem, v2.solution) == []
    assert [s.job_id for s in v2.solution.route_of("t2").stops] == ["b"]
    assert _start(v2.solution, "b") == x.instant(8.25)  # 900 s from t2's depot
    assert v2.problem.job("b").pinned_technician == "t2"
    [change] = [c for c in v2.changes if c.job_id == "b"]
    assert (change.kind, change.from_technician, change.to_technician, change.cause_event_id) == ("reassigned", "t1", "t2", "e0")
    assert not [r for r in v2.risk.at_risk if r.job_id == "b"]  # ends 08:45, 75 min before 10:00
    # a is on its way at 08:05 (t1 left at 08:00): it can no longer change hands.
    try:
        apply(v2, settings, _events({"type": "job_assigned", "job_id": "a", "technician_id": "t2"}), now=x.instant(8 + 5 / 60), cache=cache)
        raise AssertionError("a dispatched job must not be reassigned")
    except ValueError as exc:
        assert str(exc).startswith("events[0].event.job_id:") and "dispatched" in str(exc)
