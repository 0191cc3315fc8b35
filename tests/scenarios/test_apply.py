"""Scenario changes applied to Problems: each change type does what its docstring says, and
the base is never mutated."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from optimizer.models import Problem
from optimizer.scenarios import ScenarioError, apply_changes, scenario_problems
from optimizer.scenarios.model import Change, Scenario
from tests import factories as f

CHANGE = TypeAdapter(Change)


def change(**data):
    return CHANGE.validate_python(data)


def base_problem() -> Problem:
    techs = [
        f.tech("A", skills={"hvac": 1}, breaks=[{"earliest_start": f.at(11), "latest_start": f.at(12), "duration_min": 30}]),
        f.tech("B", skills={"electrical": 2}, loc=f.point(1, 0)),
        f.tech("C", skills={"hvac": 2}, start=9, end=17),
    ]
    jobs = [
        f.job("j1", loc=f.point(0.5, 0.5), priority="urgent", sla_deadline=f.at(12), time_windows=[f.window(8, 10)]),
        f.job("j2", loc=f.point(-0.5, 0.5), priority="normal", sla_deadline=f.at(16), pinned_technician="B"),
        f.job("j3", loc=f.point(0.5, -0.5), priority="low", preferred_technicians=["A", "C"], excluded_technicians=["B"]),
        f.job("j4", loc=f.point(-0.5, -0.5), priority="high", skills={"hvac": 1}, sla_deadline=f.at(14)),
    ]
    return f.problem(techs, jobs)


def test_remove_technicians_releases_their_references():
    base = base_problem()
    before = base.model_dump()
    out = apply_changes(base, [change(type="remove_technicians", ids=["A", "B"])])
    assert [t.id for t in out.technicians] == ["C"]
    assert out.job("j2").pinned_technician is None
    assert out.job("j3").preferred_technicians == ["C"]
    assert out.job("j3").excluded_technicians == []
    assert base.model_dump() == before  # the base is untouched


def test_remove_unknown_or_all_technicians_is_an_error():
    with pytest.raises(ScenarioError, match="unknown technician"):
        apply_changes(base_problem(), [change(type="remove_technicians", ids=["Z"])])
    with pytest.raises(ScenarioError, match="no technician left"):
        apply_changes(base_problem(), [change(type="remove_technicians", ids=["A", "B", "C"])])


def test_unavailability_shortens_shift_adds_break_or_removes():
    base = base_problem()
    morning = apply_changes(base, [change(type="technicians_unavailable", ids=["A"], end=f.at(10))])
    assert morning.technician("A").shift.start.isoformat() == f.at(10)
    evening = apply_changes(base, [change(type="technicians_unavailable", ids=["A"], start=f.at(11.5))])
    tech = evening.technician("A")
    assert tech.shift.end.isoformat() == f.at(11.5)
    assert tech.breaks[0].latest_start.isoformat() == f.at(11.5)  # clamped into the new shift
    middle = apply_changes(base, [change(type="technicians_unavailable", ids=["B"], start=f.at(13), end=f.at(14))])
    (gap,) = middle.technician("B").breaks
    assert gap.earliest_start == gap.latest_start and gap.duration_min == 60
    whole = apply_changes(base, [change(type="technicians_unavailable", ids=["C"])])
    assert "C" not in {t.id for t in whole.technicians}


def test_add_technicians_clones_with_fresh_ids():
    out = apply_changes(base_problem(), [change(type="add_technicians", clone_of="B", count=2)])
    ids = [t.id for t in out.technicians]
    assert ids[-2:] == ["B-extra1", "B-extra2"]
    assert out.technician("B-extra2").skills == {"electrical": 2}
    assert out.technician("B-extra1").start_location == out.technician("B").start_location


def test_change_shift_and_skills():
    out = apply_changes(base_problem(), [
        change(type="change_shift", ids=["A"], end_delta_min=60, start_delta_min=-30),
        change(type="add_skills", ids=["B"], skills={"hvac": 3, "electrical": 1}),
        change(type="remove_skills", skills=["hvac"]),
    ])
    a = out.technician("A")
    assert a.shift.start.isoformat() == f.at(7.5) and a.shift.end.isoformat() == f.at(17)
    assert out.technician("B").skills == {"electrical": 2}  # hvac added, then removed from everyone; level kept
    assert all("hvac" not in t.skills for t in out.technicians)
    with pytest.raises(ScenarioError, match="ends before it starts"):
        apply_changes(base_problem(), [change(type="change_shift", end=f.at(7))])


def test_scale_demand_up_samples_like_existing_jobs_reproducibly():
    base = base_problem()
    up = change(type="scale_demand", factor=1.5)
    a = apply_changes(base, [up], seed=3)
    b = apply_changes(base, [up], seed=3)
    c = apply_changes(base, [up], seed=4)
    assert len(a.jobs) == 6 and a == b
    assert [j.location for j in a.jobs[4:]] != [j.location for j in c.jobs[4:]]
    lats = [j.location.lat for j in base.jobs]
    lons = [j.location.lon for j in base.jobs]
    for new in a.jobs[4:]:
        template = base.job(new.id.split("-new")[0])
        assert (new.duration_min, new.skills, new.priority, new.sla_deadline) == (
            template.duration_min, template.skills, template.priority, template.sla_deadline)
        assert new.pinned_technician is None
        assert min(lats) <= new.location.lat <= max(lats) and min(lons) <= new.location.lon <= max(lons)


def test_scale_demand_down_removes_unpinned_jobs():
    out = apply_changes(base_problem(), [change(type="scale_demand", factor=0.5, seed=1)])
    assert len(out.jobs) == 2
    assert "j2" in {j.id for j in out.jobs}  # pinned to B: never the one removed


def test_scale_sla_halves_the_time_from_release():
    base = base_problem()
    out = apply_changes(base, [change(type="scale_sla", factor=0.5)])
    # j1: released at its window start 08:00, due 12:00 -> 10:00.
    assert out.job("j1").sla_deadline.isoformat() == f.at(10)
    # j2: no window, released at the planning origin 08:00, due 16:00 -> 12:00.
    assert out.job("j2").sla_deadline.isoformat() == f.at(12)
    assert out.job("j3").sla_deadline is None
    only_urgent = apply_changes(base, [change(type="scale_sla", factor=2, priorities=["urgent"])])
    assert only_urgent.job("j1").sla_deadline.isoformat() == f.at(16)
    assert only_urgent.job("j4").sla_deadline == base.job("j4").sla_deadline


def test_priorities_weights_speed_and_options():
    out = apply_changes(base_problem(), [
        change(type="change_priorities", from_priority="normal", to_priority="high", jobs={"j3": "urgent"}),
        change(type="set_weights", weights={"travel_time_per_s": 2, "unassigned_penalty": {"low": 3}}),
        change(type="speed_factor", factor=1.25),
        change(type="speed_factor", factor=2),
        change(type="set_options", options={"time_limit_s": 3}),
    ])
    assert out.job("j2").priority.value == "high" and out.job("j3").priority.value == "urgent"
    w = out.options.weights
    assert w.travel_time_per_s == 2 and w.unassigned_penalty["low"] == 3 and w.unassigned_penalty["urgent"] == 8
    assert out.options.speed_factor == pytest.approx(2.5)
    assert out.options.time_limit_s == 3
    with pytest.raises(ScenarioError, match="change 1 .set_options."):
        apply_changes(base_problem(), [change(type="set_options", options={"time_limit_s": -1})])


def test_add_and_remove_jobs():
    extra = f.job("j9", loc=f.point(0, 1))
    out = apply_changes(base_problem(), [change(type="add_jobs", jobs=[extra]), change(type="remove_jobs", ids=["j1"])])
    assert [j.id for j in out.jobs] == ["j2", "j3", "j4", "j9"]
    with pytest.raises(ScenarioError, match="already in the problem"):
        apply_changes(base_problem(), [change(type="add_jobs", jobs=[f.job("j1")])])


def test_invalid_result_names_the_change():
    # Pinning to a technician that the next change removes is fine; excluding and pinning the same is not.
    with pytest.raises(ScenarioError, match=r"change 1 \(add_jobs\): the result is invalid at jobs.4.pinned_technician"):
        apply_changes(base_problem(), [change(type="add_jobs", jobs=[f.job("j9", pinned_technician="nobody")])])


def test_unknown_change_type_and_fields_are_rejected():
    with pytest.raises(ValidationError):
        change(type="fire_everyone")
    with pytest.raises(ValidationError):
        change(type="speed_factor", factor=1.2, typo=1)


def test_scenario_options_apply_to_base_and_variants():
    base = base_problem()
    scenario = Scenario.model_validate({
        "base": base.model_dump(mode="json"), "options": {"time_limit_s": 2.5},
        "variants": [{"name": "sick", "changes": [{"type": "remove_technicians", "ids": ["A"]}]}],
    })
    problems = scenario_problems(scenario)
    assert list(problems) == ["base", "sick"]
    assert all(p.options.time_limit_s == 2.5 for p in problems.values())
    with pytest.raises(ValidationError, match="used twice"):
        Scenario.model_validate({"base": base.model_dump(mode="json"), "variants": [{"name": "x"}, {"name": "x"}]})
