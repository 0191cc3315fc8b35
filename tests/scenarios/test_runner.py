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
