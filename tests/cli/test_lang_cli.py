"""``--lang`` on the command line (in-process, the real ``main``): the summary, the unassigned
reasons in the written solution and the what-if table in Chinese; codes unchanged; a language
the catalogs lack exits 2 naming the option."""

from __future__ import annotations

import json

from optimizer.cli import main
from optimizer.models import Problem, Solution
from optimizer.validate import validate
from tests import factories as f


def _problem_file(tmp_path):
    techs = [f.tech("a", {"hvac": 1}, cost_per_hour=40), f.tech("b", {"hvac": 1}, loc=f.point(2, 1))]
    jobs = [f.job(f"j{i}", loc=f.point(i - 1, 0.5), skills={"hvac": 1}, reported_at=f.at(7)) for i in range(3)]
    jobs.append(f.job("jx", skills={"gas": 2}))
    problem = f.problem(techs, jobs, max_iterations=30, candidates_per_job=0)
    data = problem.model_dump(mode="json", exclude_none=True)
    data["costs"] = {"currency": "CNY", "technician_per_hour": 35}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    return path


def test_optimize_summary_and_reasons_in_chinese(tmp_path, capsys):
    path = _problem_file(tmp_path)
    out = tmp_path / "s.json"
    assert main(["optimize", str(path), "-o", str(out), "--lang", "zh-CN", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "技术员" in printed and "未分配（1）：" in printed and "没有技术员具备技能 gas（2 级）" in printed
    assert "成本 CNY" in printed and "首次上门完备率 100.0%" in printed and "响应时间（报修到到达）" in printed
    solution = Solution.model_validate_json(out.read_text())
    problem = Problem.model_validate_json(path.read_text())
    assert validate(problem, solution) == []
    (jx,) = solution.unassigned
    assert (jx.code, jx.reason) == ("skill", "没有技术员具备技能 gas（2 级）")


def test_lang_before_the_command_and_english_by_default(tmp_path, capsys):
    path = _problem_file(tmp_path)
    assert main(["--lang=en", "optimize", str(path), "--summary", "--quiet", "-o", str(tmp_path / "s.json")]) == 0
    printed = capsys.readouterr().out
    assert "unassigned (1):" in printed and "no technician has skill gas at level 2" in printed and "cost CNY" in printed


def test_unknown_language_is_bad_input(tmp_path, capsys):
    assert main(["optimize", str(_problem_file(tmp_path)), "--lang", "fr"]) == 2
    assert "--lang" in capsys.readouterr().err


def test_replan_summary_in_chinese(tmp_path, capsys):
    """`dispatch replan ... --lang zh-CN` on the demo day at 11:00: the state line and every change
    line in Chinese (each change's sentence, with its cause)."""
    from optimizer.paths import REPO_ROOT

    out = tmp_path / "rp.json"
    code = main(["replan", str(REPO_ROOT / "data/demo_problem.json"), str(REPO_ROOT / "data/replan/morning_plan.json"),
                 str(REPO_ROOT / "data/replan/events_1100.json"), "--lang", "zh-CN", "--quiet", "--max-iterations", "50", "-o", str(out)])
    assert code == 0
    err = capsys.readouterr().err
    assert err.startswith("状态 于 11:00（由计划和状态事件推导）：已完成")
    assert "  警告：T09：最后位置已是 30 分钟前（超过 15 分钟）" in err.splitlines()  # the sample's stale position, translated
    lines = err.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("重新计划用时"))
    changes = []
    for line in lines[head + 1:]:  # the change lines, up to the late jobs' heading
        if not line.startswith("  "):
            break
        changes.append(line)
    assert changes and all("因事件" in line or "重新优化" in line for line in changes)
    assert Solution.model_validate_json(out.read_text()).unassigned[0].reason.startswith(("没有", "零件", "已完成"))
