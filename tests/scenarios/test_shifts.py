"""What-if scenarios on a problem whose technicians have several shifts: changes that do not
touch the shifts run; shift changes on such a technician are refused by name."""

from __future__ import annotations

import pytest

from optimizer.scenarios import ScenarioError, apply_changes
from optimizer.scenarios.model import Scenario
from optimizer.scenarios.runner import run_scenario
from tests import factories as f
from tests.scenarios.test_apply import change


def week_problem():
    week = {"id": "W", "skills": {"hvac": 1}, "start_location": f.point(),
            "shifts": [{"start": f.at(8), "end": f.at(16)}, {"start": f.at(32), "end": f.at(40)}]}
    jobs = [f.job("a", skills={"hvac": 2}, time_windows=[f.window(33, 34)]), f.job("b", time_windows=[f.window(9, 10)])]
    return f.problem([week, f.tech("D")], jobs, time_limit_s=0.5)


def test_shift_changes_on_a_technician_with_shifts_are_refused_by_name():
    for kind in ("change_shift", "technicians_unavailable"):
        extra = {"end_delta_min": -60} if kind == "change_shift" else {"start": f.at(8), "end": f.at(9)}
        with pytest.raises(ScenarioError, match=r"several shifts.*\['W'\]"):
            apply_changes(week_problem(), [change(type=kind, ids=["W"], **extra)])


def test_a_skill_what_if_runs_over_the_week():
    base = week_problem()
    scenario = Scenario.model_validate({"name": "week", "base": base.model_dump(mode="json"),
                                        "variants": [{"name": "upskill", "changes": [{"type": "add_skills", "ids": ["W"], "skills": {"hvac": 2}}]}]})
    result = run_scenario(scenario, workers=1)
    runs = {r.name: r for r in result.runs}
    assert "a" not in {s.job_id for r in runs["base"].solution.routes for s in r.stops}
    upskilled = runs["upskill"].solution
    assert [s.job_id for r in upskilled.routes if r.shift_index == 1 for s in r.stops] == ["a"]


def test_replan_and_live_plans_refuse_technicians_with_shifts_by_field():
    from optimizer.live import LiveSettings, create
    from optimizer.replan.apply import ReplanError
    from optimizer.replan.replan import replan
    from optimizer.solve import solve

    p = week_problem()
    s = solve(p)
    with pytest.raises(ReplanError, match=r"technicians\.0\.shifts"):
        replan(p, s, [])
    with pytest.raises(ValueError, match=r"problem\.technicians\.0\.shifts"):
        create("p1", p, s, LiveSettings())


def test_report_payload_has_a_row_per_technician_day_and_the_days():
    from optimizer.report.payload import report_payload
    from optimizer.solve import solve

    p = week_problem()
    s = solve(p)
    plan = report_payload([("plan", p, s)])["plans"][0]
    assert plan["days"] == ["2026-11-24", "2026-11-25"]
    rows = [(r["technician_id"], r["day"]) for r in plan["routes"]]
    assert rows == [("W", "2026-11-24"), ("W", "2026-11-25"), ("D", "2026-11-24")]  # a one-shift technician: its shift's day
    day2 = next(r for r in plan["routes"] if r["technician_id"] == "W" and r["day"] == "2026-11-25")
    assert day2["shift"][0] == 24 * 3600  # origin: 08:00 on day 1; the day-2 shift starts 24 h later
