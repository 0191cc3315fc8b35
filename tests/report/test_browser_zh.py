"""A Chinese report in a real headless Chromium: the page declares ``lang="zh-CN"``, its Chinese
texts are there, and no Chinese character falls back to a box (tofu). Chromium itself says which
installed font drew each text (DevTools ``CSS.getPlatformFontsForNode``); fontconfig, not the code
under test, says which fonts cover Chinese. A screenshot goes to test-artifacts/report-zh.png."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from optimizer.paths import REPO_ROOT
from optimizer.report import render_report, write_report
from optimizer.solve import solve
from optimizer.validate import validate
from tests import factories as f
from tests.report.browser import Browser, chromium_path

ARTIFACTS = REPO_ROOT / "test-artifacts"
READY = "document.body && document.body.getAttribute('data-ready') === '1'"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")

MARK_CJK = r"""
(function () {
  var re = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/, n = 0;
  document.querySelectorAll('body *').forEach(function (e) {
    var own = '';
    e.childNodes.forEach(function (c) { if (c.nodeType === 3) own += c.textContent; });
    if (re.test(own) && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden'
        && !e.closest('script, style, title, option')) { e.setAttribute('data-cjk', String(n++)); }
  });
  return n;
})()
"""


def _cjk_families() -> set[str]:
    """Font families fontconfig says cover Chinese (the system's own oracle)."""
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    return {name.strip() for line in out.splitlines() for name in line.split(",") if name.strip()}


@pytest.fixture(scope="module")
def browser():
    binary = chromium_path()
    fonts = _cjk_families() if binary else set()
    if binary is None or not fonts:
        done = [subprocess.run([str(REPO_ROOT / "scripts" / s)], capture_output=True, text=True, timeout=900)
                for s in ("ensure_chromium.sh", "ensure_cjk_font.sh")]
        binary = chromium_path()
        if binary is None or not _cjk_families():
            message = "chromium or a Chinese font is missing and could not be installed: " + " ".join(d.stderr.strip() for d in done)
            if os.environ.get("DISPATCH_REQUIRE_SHARED") == "1":  # .ci/run: a missing browser is a failure
                pytest.fail(message)
            pytest.skip(message)
    b = Browser(binary)
    yield b
    b.close()


def _chinese_plan():
    techs = [f.tech("T1", skills={"hvac": 2}), f.tech("T2", skills={"hvac": 1}, loc=f.point(2, 1))]
    jobs = [f.job(f"J{i}", loc=f.point(i - 2, 0.5), skills={"hvac": 1}, sla_deadline=f.at(9 + i / 2),
                  priority=["urgent", "high", "normal"][i % 3], reported_at=f.at(7)) for i in range(6)]
    jobs.append(f.job("JX", skills={"gas": 3}))  # nobody: an unassigned reason in Chinese
    problem = f.problem(techs, jobs, max_iterations=50, language="zh-CN")
    data = problem.model_dump(mode="json")
    data["costs"] = {"currency": "CNY", "technician_per_hour": 80, "vehicle_per_km": 1.2}
    problem = type(problem).model_validate(data)
    solution = solve(problem)
    assert validate(problem, solution) == []
    return problem, solution


def _assert_no_tofu(browser: Browser, path, must_show: str, shot: str) -> None:
    browser.events.clear()
    browser.open(path.resolve().as_uri(), READY)
    assert browser.errors() == []
    assert browser.evaluate("document.documentElement.lang") == "zh-CN"
    assert must_show in browser.evaluate("document.body.innerText")
    marked = browser.evaluate(MARK_CJK)
    assert marked >= 20, "the Chinese report shows too little Chinese"
    covering = _cjk_families()
    browser.call("DOM.enable")
    browser.call("CSS.enable")
    root = browser.call("DOM.getDocument", depth=-1)["root"]["nodeId"]
    node_ids = browser.call("DOM.querySelectorAll", nodeId=root, selector="[data-cjk]")["nodeIds"]
    assert len(node_ids) == marked
    tofu = []
    for node_id in node_ids:
        own = browser.call("DOM.resolveNode", nodeId=node_id)["object"]["objectId"]
        text = browser.call("Runtime.callFunctionOn", objectId=own, returnByValue=True, functionDeclaration=(
            "function(){var t='';this.childNodes.forEach(function(c){if(c.nodeType===3)t+=c.textContent;});return t;}"))["result"]["value"]
        fonts = browser.call("CSS.getPlatformFontsForNode", nodeId=node_id)["fonts"]
        drawn_by_cjk = sum(font["glyphCount"] for font in fonts if font["familyName"] in covering)
        if drawn_by_cjk < len(CJK.findall(text)):
            tofu.append((text[:40], [(font["familyName"], font["glyphCount"]) for font in fonts]))
    assert tofu == [], f"Chinese text drawn without a Chinese font (boxes): {tofu[:5]}"
    assert browser.screenshot(ARTIFACTS / shot).stat().st_size > 20_000


def test_chinese_report_has_no_tofu(browser, tmp_path):
    problem, solution = _chinese_plan()
    path = write_report(render_report(problem, solution), tmp_path / "report-zh.html")
    _assert_no_tofu(browser, path, "没有技术员具备技能 gas（3 级）", "report-zh.png")
    assert browser.evaluate("document.title") == "派工计划"
    cards = browser.evaluate("Array.from(document.querySelectorAll('#kpis .card .l')).map(function(e){return e.textContent})")
    assert any(c.startswith("已服务工单") for c in cards) and any(c.startswith("总成本") for c in cards)


def test_chinese_replan_report_has_no_tofu(browser, tmp_path):
    """The 11:00 re-plan of the demo day in Chinese: work done, changes with their causes, now line."""
    import json
    from datetime import datetime

    from optimizer.models import Problem, Solution
    from optimizer.paths import DATA_DIR
    from optimizer.replan import EVENT_LIST, ReplanOptions, replan
    from optimizer.replan.request import ReplanResponse

    problem = Problem.model_validate_json((DATA_DIR / "demo_problem.json").read_text())
    previous = Solution.model_validate_json((REPO_ROOT / "data/replan/morning_plan.json").read_text())
    doc = json.loads((REPO_ROOT / "data/replan/events_1100.json").read_text())
    problem.now = datetime.fromisoformat(doc["now"])
    problem.options.max_iterations = 200
    problem.options.language = "zh-CN"
    result = replan(problem, previous, EVENT_LIST.validate_python(doc["events"]), ReplanOptions(time_limit_s=30))
    assert validate(result.problem, result.solution) == []
    answer = ReplanResponse(solution=result.solution, changes=result.changes, problem=result.problem, state=result.state)
    path = write_report(render_report(answer.problem, answer.solution, title="重新计划 11:00", replan=answer), tmp_path / "replan-zh.html")
    _assert_no_tofu(browser, path, "相对上一版计划的变更", "replan-zh.png")
    heads = browser.evaluate("Array.from(document.querySelectorAll('#changes th')).map(function(e){return e.textContent})")
    assert heads == ["工单", "变更", "技术员", "开始", "变动", "原因"]
    assert browser.evaluate("document.querySelectorAll('#changes tr.change').length") == len(answer.changes) > 0
