"""The report in a real headless Chromium (Chrome DevTools protocol): it loads without console
errors or network requests, the Gantt has one row per route, the map draws every route, and a
screenshot is saved to test-artifacts/report.png (test-artifacts/whatif.png for a scenario)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from optimizer.models import Problem
from optimizer.paths import DATA_DIR, REPO_ROOT
from optimizer.report import render_report, render_scenario_report, write_report
from optimizer.scenarios import Scenario, run_scenario
from optimizer.solve import solve
from tests.report.browser import Browser, chromium_path

ARTIFACTS = REPO_ROOT / "test-artifacts"
READY = "document.body && document.body.getAttribute('data-ready') === '1'"


@pytest.fixture(scope="module")
def browser():
    binary = chromium_path()
    if binary is None:
        script = REPO_ROOT / "scripts" / "ensure_chromium.sh"
        done = subprocess.run([str(script)], capture_output=True, text=True, timeout=900)
        binary = chromium_path()
        if binary is None:
            pytest.skip(f"chromium is not installed and could not be installed: {done.stderr.strip() or done.returncode}")
    b = Browser(binary)
    yield b
    b.close()


@pytest.fixture(scope="module")
def demo():
    problem = Problem.model_validate_json((DATA_DIR / "demo_problem.json").read_text())
    problem.options.time_limit_s = 2.0
    problem.options.candidates_per_job = 0
    return problem, solve(problem)


def open_page(browser: Browser, path: Path) -> None:
    browser.events.clear()
    browser.open(path.resolve().as_uri(), READY)


def test_plan_report_in_chromium(browser, demo, tmp_path):
    problem, solution = demo
    assert solution.solver.matrix_source == "road"
    path = write_report(render_report(problem, solution, title="Demo plan"), tmp_path / "report.html")
    open_page(browser, path)
    assert browser.errors() == []
    assert {url.split(":")[0] for url in browser.requested_urls()} == {"file"}  # nothing from the network
    assert browser.evaluate("document.querySelectorAll('#gantt g.gantt-row').length") == len(solution.routes)
    used = sum(1 for r in solution.routes if r.stops)
    assert browser.evaluate("document.querySelectorAll('#map polyline.route').length") == used
    assert browser.evaluate("document.querySelectorAll('#map path.basemap').length") == 1  # streets drawn
    n_stops = sum(len(r.stops) for r in solution.routes)
    assert browser.evaluate("document.querySelectorAll('#map circle.stop').length") == n_stops
    assert browser.evaluate("document.querySelectorAll('#map .unassigned-job').length") == len(solution.unassigned)
    late = sum(1 for r in solution.routes for s in r.stops if s.sla_met is False)
    assert browser.evaluate("document.querySelectorAll('#gantt rect.seg.service.late').length") == late
    assert browser.evaluate("document.querySelectorAll('#gantt rect.seg.service').length") == n_stops
    assert browser.evaluate("document.getElementById('comparison').style.display") == "none"
    shot = browser.screenshot(ARTIFACTS / "report.png")
    assert shot.stat().st_size > 20_000


def test_scenario_report_in_chromium(browser, demo, tmp_path):
    problem, _ = demo
    base = problem.model_copy(deep=True)
    base.options.matrix = "haversine"  # straight lines, no basemap
    base.options.time_limit_s = 1.0
    scenario = Scenario.model_validate({
        "name": "browser", "base": base.model_dump(mode="json"),
        "variants": [
            {"name": "two off sick", "changes": [{"type": "remove_technicians", "ids": ["T03", "T07"]}]},
            {"name": "demand +30%", "changes": [{"type": "scale_demand", "factor": 1.3}]},
        ],
    })
    result = run_scenario(scenario, workers=1)
    path = write_report(render_scenario_report(result), tmp_path / "whatif.html")
    open_page(browser, path)
    assert browser.errors() == []
    assert browser.evaluate("document.querySelectorAll('#cmp-table tbody tr').length") >= 10
    assert browser.evaluate("document.querySelectorAll('svg.bar-chart').length") == 8
    assert browser.evaluate("document.querySelectorAll('#map path.basemap').length") == 0
    rows = []
    for i, run in enumerate(result.runs):
        browser.evaluate(f"(function(){{var s=document.getElementById('plan-select'); s.value='{i}'; s.dispatchEvent(new Event('change')); return 1}})()")
        rows.append(browser.evaluate("document.querySelectorAll('#gantt g.gantt-row').length"))
    assert rows == [len(r.solution.routes) for r in result.runs] == [14, 12, 14]
    assert browser.errors() == []
    browser.evaluate("(function(){var s=document.getElementById('plan-select'); s.value='0'; s.dispatchEvent(new Event('change')); return 1})()")
    browser.screenshot(ARTIFACTS / "whatif.png")
