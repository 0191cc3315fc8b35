"""Scenario files and the parallel runner, on real solves of a small problem (1 s each)."""

from __future__ import annotations

import json

import pytest

from optimizer.models import Kpis
from optimizer.scenarios import ScenarioFileError, compare, format_table, load_scenario, run_scenario
from optimizer.validate import validate
from tests import factories as f


def small_problem():
    techs = [f.tech(f"t{i}", skills={"hvac": 1}, loc=f.point(i - 1, 0)) for i in range(3)]
    jobs = [f.job(f"j{i}", loc=f.point((i % 4) - 1.5, (i // 4) - 1), duration_min=30, sla_deadline=f.at(11 + i % 4),
                  priority=["urgent", "high", "normal", "low"][i % 4]) for i in range(10)]
    return f.problem(techs, jobs, time_limit_s=1.0)


def write_scenario(tmp_path, suffix=".yaml"):
    (tmp_path / "base.json").write_text(small_problem().model_dump_json())
    text = """
name: small
base: base.json
options: {time_limit_s: 1, candidates_per_job: 0}
seed: 5
variants:
  - name: one off sick
    changes: [{type: remove_technicians, ids: [t1]}]
  - name: demand +50%
    changes: [{type: scale_demand, factor: 1.5}]
  - name: SLA halved
    changes: [{type: scale_sla, factor: 0.5}]
"""
    path = tmp_path / f"scenario{suffix}"
    if suffix == ".json":
        import yaml

        text = json.dumps(yaml.safe_load(text))
    path.write_text(text)
    return path


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_load_scenario_with_relative_base(tmp_path, suffix):
    scenario = load_scenario(write_scenario(tmp_path, suffix))
    assert scenario.name == "small" and [v.name for v in scenario.variants] == ["one off sick", "demand +50%", "SLA halved"]
    assert len(scenario.base.jobs) == 10


def test_bad_scenario_files_name_the_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("base: missing.json\nvariants: [{name: a}]\n")
    with pytest.raises(ScenarioFileError, match="cannot read .*missing.json"):
        load_scenario(bad)
    (tmp_path / "base.json").write_text(small_problem().model_dump_json())
    bad.write_text("base: base.json\nvariants:\n  - name: a\n    changes: [{type: speed_factor, factor: 0}]\n")
    with pytest.raises(ScenarioFileError, match=r"bad.yaml: variants.0.changes.0.speed_factor.factor"):
        load_scenario(bad)
    bad.write_text("base: [unclosed\n")
    with pytest.raises(ScenarioFileError, match="not valid YAML"):
        load_scenario(bad)


def test_run_scenario_in_two_processes_keeps_order_and_solves_each_variant(tmp_path):
    scenario = load_scenario(write_scenario(tmp_path))
    result = run_scenario(scenario, workers=2)
    assert [r.name for r in result.runs] == ["base", "one off sick", "demand +50%", "SLA halved"]
    assert result.workers == 2
    for run in result.runs:
        assert validate(run.problem, run.solution) == []
        assert isinstance(run.kpis, Kpis)
    assert result.run("one off sick").kpis.technicians_total == 2
    assert result.run("demand +50%").kpis.jobs_total == 15
    base_sla = {j.id: j.sla_deadline for j in result.base.problem.jobs}
    tight = {j.id: j.sla_deadline for j in result.run("SLA halved").problem.jobs}
    assert all(tight[k] < base_sla[k] for k in base_sla)
    table = format_table([(r.name, r.kpis) for r in result.runs])
    assert "one off sick" in table and "jobs served" in table


def test_run_scenario_in_process_matches_names(tmp_path):
    scenario = load_scenario(write_scenario(tmp_path))
    scenario.variants = scenario.variants[:1]
    result = run_scenario(scenario, workers=1)
    assert [r.name for r in result.runs] == ["base", "one off sick"]
    assert result.workers == 1


def kpis(**over) -> Kpis:
    data = dict(jobs_total=10, jobs_assigned=8, jobs_unassigned=2, sla_jobs=8, sla_met_pct=75.0,
                sla_breaches={"urgent": 1, "high": 1, "normal": 0, "low": 0},
                sla_met_pct_by_priority={"urgent": 50.0, "high": 50.0, "normal": 100.0, "low": None},
                unassigned_by_priority={"urgent": 0, "high": 0, "normal": 1, "low": 1}, travel_time_s=7200,
                distance_m=50000, service_time_s=14400, utilization_pct=60.0, workload_stddev_min=30.0,
                technicians_used=3, technicians_total=3, overtime_s=0)
    data.update(over)
    return Kpis(**data)


def test_compare_deltas_and_direction():
    table = compare([("base", kpis()), ("v", kpis(jobs_assigned=9, jobs_unassigned=1, travel_time_s=9000, utilization_pct=70.0))])
    served = table["jobs_assigned"]["v"]
    assert (served.value, served.delta, served.better) == (9, 1, True)
    travel = table["travel_h"]["v"]
    assert travel.delta == pytest.approx(0.5) and travel.better is False
    assert table["utilization_pct"]["v"].better is None  # neutral metric
    assert table["sla_met_pct_low"]["v"].delta is None  # no low-priority deadlines on either side
    assert table["jobs_assigned"]["base"].delta is None
    text = format_table([("base", kpis()), ("v", kpis(jobs_assigned=9))], markdown=True)
    assert "| jobs served | 8 | 9 (+1) |" in text


def test_relaxed_skills_what_if_lists_the_jobs_not_first_visit_ready():
    """Base: j0..j2 need hvac level 2, only t0 has it (level 2); t1 has hvac 1. Variant: skills
    relaxed on j1 and j2, so t1 may serve them. Readiness is measured against the base rules:
    each relaxed job that t1 serves lacks hvac 2; the base run is 100 % ready."""
    from optimizer.scenarios import Scenario

    techs = [f.tech("t0", skills={"hvac": 2}, loc=f.point(-3, 0)), f.tech("t1", skills={"hvac": 1}, loc=f.point(1, 1))]
    jobs = [f.job(f"j{i}", loc=f.point(1, 1 + 0.1 * i), duration_min=30, skills={"hvac": 2}) for i in range(3)]
    base = f.problem(techs, jobs, max_iterations=50, candidates_per_job=0)
    scenario = Scenario.model_validate({"name": "relax", "base": base.model_dump(mode="json"), "variants": [
        {"name": "anyone", "changes": [{"type": "relax_rules", "ids": ["j1", "j2"], "skills": True}]}]})
    result = run_scenario(scenario, workers=1)
    base_run, variant = result.runs
    assert validate(base_run.problem, base_run.solution) == [] and validate(variant.problem, variant.solution) == []
    assert base_run.kpis.first_visit_ready_pct == 100.0
    by_t1 = {s.job_id for s in variant.solution.route_of("t1").stops}
    assert by_t1 and by_t1 <= {"j1", "j2"}  # t1 is next door; j0 still needs level 2
    not_ready = {n.job_id: n for n in variant.kpis.first_visit_not_ready}
    assert set(not_ready) == by_t1
    assert all(n.technician_id == "t1" and n.missing_skills == {"hvac": 2} for n in not_ready.values())
    served = variant.kpis.jobs_assigned
    assert variant.kpis.first_visit_ready_pct == round(100 * (served - len(by_t1)) / served, 2)
    table = compare([(r.name, r.kpis) for r in result.runs])
    assert table["first_visit_not_ready"]["anyone"].value == len(by_t1)
    assert table["first_visit_not_ready"]["anyone"].better is False


def test_relax_rules_needs_something_to_relax():
    from optimizer.scenarios.model import Variant

    with pytest.raises(Exception, match="relax skills, parts or both"):
        Variant.model_validate({"name": "x", "changes": [{"type": "relax_rules"}]})


def test_compare_costs_and_service_rows():
    from optimizer.models import Backlog, CostKpis, ResponseTime

    def money(total, per_job):
        return CostKpis(currency="EUR", total=total, labour=total, overtime=0, vehicle=0, fixed=0, parts=0,
                        per_served_job=per_job, per_technician_used=total / 3)

    rt = {"urgent": ResponseTime(jobs=2, mean_min=30.0, p90_min=45.0), "all": ResponseTime(jobs=5, mean_min=50.0, p90_min=90.0)}
    rt2 = {"urgent": ResponseTime(jobs=2, mean_min=20.0, p90_min=25.0), "all": ResponseTime(jobs=5, mean_min=60.0, p90_min=120.0)}
    old = Backlog(jobs=2, by_priority={}, by_age={"lt_1d": 0, "1d_3d": 0, "3d_7d": 1, "ge_7d": 1, "unknown": 0}, oldest_age_h=200.0)
    table = compare([("base", kpis(cost=money(800.0, 100.0), response_time_by_priority=rt, backlog=old)),
                     ("v", kpis(cost=money(900.0, 100.0), response_time_by_priority=rt2))])
    assert (table["cost_total"]["v"].delta, table["cost_total"]["v"].better) == (100.0, False)
    assert table["cost_per_served_job"]["v"].better is None  # no change
    assert (table["response_p90_min_urgent"]["v"].delta, table["response_p90_min_urgent"]["v"].better) == (-20.0, True)
    assert table["response_p90_min_all"]["v"].better is False
    assert table["backlog_older_3d"]["base"].value == 2 and table["backlog_older_3d"]["v"].value is None
    text = format_table([("base", kpis(cost=money(800.0, 100.0))), ("v", kpis(cost=money(900.0, 100.0)))])
    assert "total cost" in text and "900.00 (+100.00)" in text


def test_comparison_table_in_chinese_keeps_columns_aligned():
    text = format_table([("base", kpis()), ("v", kpis(jobs_assigned=9))], language="zh-CN")
    lines = text.splitlines()
    assert lines[0].startswith("指标") and any(line.startswith("已服务工单") and line.endswith("9 (+1)") for line in lines)
    import unicodedata

    def width(s):
        return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in s)
    assert len({width(line) for line in lines}) == 1  # every row as wide as the header on a terminal
