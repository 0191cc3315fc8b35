"""One hand-made case per rule: the job that breaks it is left unassigned with the right reason,
the rest is served, and the independent validator accepts every answer."""


from optimizer.solve import solve
from optimizer.validate import assert_valid
from tests.factories import job, point, problem, tech, window


def _solve(p):
    solution = solve(p)
    assert_valid(p, solution)
    routed = {s.job_id for r in solution.routes for s in r.stops}
    unassigned = {u.job_id: u for u in solution.unassigned}
    assert routed.isdisjoint(unassigned)
    assert routed | set(unassigned) == {j.id for j in p.jobs}
    return solution, routed, unassigned


def _reason(p, job_id):
    _, routed, unassigned = _solve(p)
    assert job_id not in routed
    return unassigned[job_id]


def test_skill_nobody_has():
    p = problem([tech("a", ["hvac"])], [job("ok", skills=["hvac"]), job("x", skills=["gas"])])
    u = _reason(p, "x")
    assert u.code == "skill" and u.reason == "no technician has skill gas"


def test_skill_level_too_high():
    p = problem([tech("a", {"hvac": 2})], [job("ok", skills={"hvac": 2}), job("x", skills={"hvac": 3})])
    assert _reason(p, "x").reason == "no technician has skill hvac at level 3"


def test_no_single_technician_has_all_skills():
    p = problem([tech("a", ["hvac"]), tech("b", ["gas"])], [job("x", skills=["hvac", "gas"])])
    assert "no single technician has all required skills" in _reason(p, "x").reason


def test_time_windows_outside_every_shift():
    p = problem([tech("a", start=8, end=16)], [job("ok"), job("x", time_windows=[window(18, 20)])])
    u = _reason(p, "x")
    assert u.code == "time_window" and u.reason == "time windows fall outside every shift"


def test_window_too_early_to_reach():
    far = point(30, 0)  # about 30 km: over an hour of driving
    p = problem([tech("a", start=8, end=16)], [job("x", loc=far, time_windows=[window(8, 8.25)])])
    assert "cannot reach" in _reason(p, "x").reason or "time window" in _reason(p, "x").reason


def test_parts_more_than_any_van_carries():
    p = problem(
        [tech("a", ["hvac"], parts={"filter-A": 2}), tech("b", [], parts={"filter-A": 5})],
        [job("x", skills=["hvac"], parts={"filter-A": 4})],
    )
    assert _reason(p, "x").reason == "parts filter-A: 4 needed, at most 2 carried by any qualified technician"


def test_parts_stock_used_up_by_other_jobs():
    p = problem(
        [tech("a", parts={"valve": 2})],
        [job("j1", parts={"valve": 1}, priority="high"), job("j2", parts={"valve": 1}, priority="high"), job("x", parts={"valve": 1}, priority="low")],
    )
    u = _reason(p, "x")
    assert u.code == "parts" and "van stock" in u.reason


def test_pinned_technician_lacking_skill():
    p = problem([tech("a", []), tech("b", ["hvac"])], [job("x", skills=["hvac"], pinned_technician="a")])
    assert _reason(p, "x").reason == "pinned technician a lacks skill hvac"


def test_pinned_is_respected():
    p = problem([tech("a"), tech("b", loc=point(1, 1))], [job("x", pinned_technician="a")])
    solution, routed, _ = _solve(p)
    assert solution.assignment()["x"] == "a"


def test_every_qualified_technician_excluded():
    p = problem([tech("a", ["hvac"]), tech("b", [])], [job("x", skills=["hvac"], excluded_technicians=["a"])])
    assert _reason(p, "x").code == "excluded"


def test_excluded_is_respected():
    p = problem([tech("a", loc=point(1, 1)), tech("b")], [job("x", excluded_technicians=["a"])])
    solution, _, _ = _solve(p)
    assert solution.assignment()["x"] == "b"


def test_max_jobs():
    p = problem([tech("a", max_jobs=2)], [job(f"j{i}", priority=("low" if i == 2 else "normal")) for i in range(3)])
    u = _reason(p, "j2")
    assert u.code == "capacity" and "max_jobs" in u.reason


def test_not_enough_working_time_left():
    p = problem([tech("a", start=8, end=10)], [job("j1", duration_min=50, priority="high"), job("j2", duration_min=50, priority="high"), job("x", duration_min=50, priority="low")])
    u = _reason(p, "x")
    assert u.code == "capacity" and "not enough working time" in u.reason


def test_break_must_be_taken_and_blocks_a_job():
    # The break must start between 11:00 and 11:05 and lasts 60 min; the only job needs to
    # start in 10:50-11:00 and lasts 90 min, so it would overlap the whole break window.
    p = problem(
        [tech("a", breaks=[{"earliest_start": "2026-11-24T11:00:00+02:00", "latest_start": "2026-11-24T11:05:00+02:00", "duration_min": 60}])],
        [job("x", duration_min=90, time_windows=[window(10.83, 11.0)])],
    )
    assert _reason(p, "x").code == "break"


def test_breaks_are_reported_and_validated():
    brk = {"earliest_start": "2026-11-24T11:30:00+02:00", "latest_start": "2026-11-24T12:30:00+02:00", "duration_min": 30}
    p = problem([tech("a", breaks=[brk])], [job(f"j{i}", loc=point(i * 0.3, 0.5), duration_min=60) for i in range(6)])
    solution, routed, _ = _solve(p)
    assert len(routed) == 6
    route = solution.route_of("a")
    assert len(route.breaks) == 1


def test_preferred_technician_wins_a_tie():
    p = problem([tech("a"), tech("b")], [job("x", preferred_technicians=["b"])])
    solution, _, _ = _solve(p)
    assert solution.assignment()["x"] == "b"


def test_priority_decides_who_is_served_when_time_is_short():
    # One technician, time for one 3-hour job only: the urgent one must win over the low one,
    # whatever their order in the input.
    jobs = [job("low", duration_min=180, priority="low"), job("urgent", duration_min=180, priority="urgent", loc=point(2, 2))]
    p = problem([tech("a", start=8, end=12)], jobs)
    solution, routed, unassigned = _solve(p)
    assert routed == {"urgent"} and set(unassigned) == {"low"}


def test_sla_priority_decides_order():
    # Both jobs fit, but only one can end by its deadline: the urgent deadline must be met.
    jobs = [
        job("normal", duration_min=60, priority="normal", sla_deadline="2026-11-24T09:15:00+02:00"),
        job("urgent", duration_min=60, priority="urgent", sla_deadline="2026-11-24T09:15:00+02:00"),
    ]
    p = problem([tech("a", start=8, end=16)], jobs)
    solution, routed, _ = _solve(p)
    stops = {s.job_id: s for s in solution.route_of("a").stops}
    assert stops["urgent"].sla_met is True and stops["normal"].sla_met is False


def test_every_technician_gets_a_route_and_idle_ones_are_empty():
    p = problem([tech("a"), tech("b", start=8, end=8.1)], [job("x")])
    solution, _, _ = _solve(p)
    assert {r.technician_id for r in solution.routes} == {"a", "b"}
    assert solution.route_of("b").stops == []


def test_candidates_rank_assigned_first_then_feasible_alternatives():
    p = problem([tech("a"), tech("b", loc=point(5, 5)), tech("c", loc=point(9, 9))], [job("x")], candidates_per_job=3)
    solution, _, _ = _solve(p)
    (cands,) = solution.candidates
    assert [c.rank for c in cands.ranked] == [1, 2, 3]
    assert cands.ranked[0].assigned and cands.ranked[0].technician_id == solution.assignment()["x"]
    assert [c.technician_id for c in cands.ranked[1:]] == ["b", "c"]  # nearer first
    assert cands.ranked[1].extra_travel_time_s <= cands.ranked[2].extra_travel_time_s
