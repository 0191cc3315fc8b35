"""The report in a real headless Chromium (Chrome DevTools protocol): it loads without console
errors or network requests, the Gantt has one row per route, the map draws every route, and a
screenshot is saved to test-artifacts/report.png (test-artifacts/whatif.png for a scenario)."""

from __future__ import annotations

import json
import math
import os
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from optimizer.models import Problem, Solution
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
            message = f"chromium is not installed and could not be installed: {done.stderr.strip() or done.returncode}"
            if os.environ.get("DISPATCH_REQUIRE_SHARED") == "1":  # .ci/run: a missing browser is a failure
                pytest.fail(message)
            pytest.skip(message)
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
    _check_scale_bar(browser, problem, solution)
    # Street names of the region, read here straight from its OSM extract (pyrosm), not by the report's code.
    import pyrosm

    from optimizer.geo.region import default_region_path

    net = pyrosm.OSM(str(default_region_path(problem.options.region))).get_network(network_type="driving")
    region_names = {n for n in net["name"] if isinstance(n, str)}
    labels = browser.evaluate("Array.from(document.querySelectorAll('#map text.street-name')).map(function (e) { return e.textContent; })")
    assert 20 <= len(labels) <= 80 and len(set(labels)) == len(labels) and set(labels) <= region_names, labels
    assert "Mannerheimintie" in labels  # the city's main street is among the longest
    shot = browser.screenshot(ARTIFACTS / "report.png")
    assert shot.stat().st_size > 20_000


def _haversine_m(a, b) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def _check_scale_bar(browser: Browser, problem: Problem, solution) -> None:
    """The scale bar says how many metres its bar spans on screen: checked against the
    great-circle distance between two drawn stops (an oracle independent of the page's code),
    before and after zooming in."""
    jobs = {j.id: j for j in problem.jobs}
    stops = [s.job_id for r in solution.routes for s in r.stops]
    a, b = jobs[stops[0]], max((jobs[j] for j in stops), key=lambda j: _haversine_m(jobs[stops[0]].location, j.location))
    true_m = _haversine_m(a.location, b.location)
    js = """(function (a, b) {
      var circles = Array.from(document.querySelectorAll('#map circle.stop'));
      function centre(id) { var c = circles.filter(function (e) { return e.querySelector('title').textContent.indexOf(id + ' ') === 0; })[0];
        var r = c.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; }
      var p = centre(a), q = centre(b);
      return [Math.hypot(p[0] - q[0], p[1] - q[1]), document.getElementById('scale-bar-line').getBoundingClientRect().width,
              Number(document.getElementById('scale-bar').getAttribute('data-metres')), document.getElementById('scale-bar-label').textContent];
    })(%r, %r)""" % (a.id, b.id)
    seen = []
    for zoom in (False, True):
        if zoom:
            browser.evaluate("document.getElementById('map').dispatchEvent(new WheelEvent('wheel', {deltaY: -100, clientX: 300, clientY: 300, bubbles: true, cancelable: true}))")
        screen_px, bar_px, bar_m, label = browser.evaluate(js)
        metres_per_px = true_m / screen_px
        assert bar_m * 10 ** -math.floor(math.log10(bar_m)) in (1, 2, 5) and 50 <= bar_px <= 260, (bar_m, bar_px)
        assert label == (f"{bar_m / 1000:g} km" if bar_m >= 1000 else f"{bar_m:g} m")
        assert abs(bar_px * metres_per_px - bar_m) / bar_m < 0.03, (bar_px, metres_per_px, bar_m)
        seen.append(round(metres_per_px, 3))
    assert seen[1] < seen[0] * 0.9  # zoomed in: fewer metres per pixel, and the bar followed


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
    assert browser.evaluate("document.querySelectorAll('#map text.street-name').length") == 0  # no road map, no names
    rows = []
    for i, run in enumerate(result.runs):
        browser.evaluate(f"(function(){{var s=document.getElementById('plan-select'); s.value='{i}'; s.dispatchEvent(new Event('change')); return 1}})()")
        rows.append(browser.evaluate("document.querySelectorAll('#gantt g.gantt-row').length"))
    assert rows == [len(r.solution.routes) for r in result.runs] == [14, 12, 14]
    assert browser.errors() == []
    browser.evaluate("(function(){var s=document.getElementById('plan-select'); s.value='0'; s.dispatchEvent(new Event('change')); return 1})()")
    browser.screenshot(ARTIFACTS / "whatif.png")


def test_replan_report_in_chromium(browser, tmp_path):
    """The 11:00 re-plan of the demo day (data/replan): work done drawn as done (not as unassigned
    crosses) with KPI cards consistent, the changes with their causes, a "now" line on the Gantt,
    and each late service named and standing out whatever its route colour."""
    from optimizer.replan import EVENT_LIST, ReplanOptions, replan
    from optimizer.replan.request import ReplanResponse
    from optimizer.validate import validate

    problem = Problem.model_validate_json((DATA_DIR / "demo_problem.json").read_text())
    previous = Solution.model_validate_json((REPO_ROOT / "data/replan/morning_plan.json").read_text())
    doc = json.loads((REPO_ROOT / "data/replan/events_1100.json").read_text())
    problem.now = datetime.fromisoformat(doc["now"])
    problem.options.max_iterations = 300
    result = replan(problem, previous, EVENT_LIST.validate_python(doc["events"]), ReplanOptions(time_limit_s=30))
    assert not validate(result.problem, result.solution)
    answer = ReplanResponse(solution=result.solution, changes=result.changes, problem=result.problem, state=result.state)
    path = write_report(render_report(answer.problem, answer.solution, title="Re-plan 11:00", replan=answer), tmp_path / "replan.html")
    open_page(browser, path)
    assert browser.errors() == []
    assert {url.split(":")[0] for url in browser.requested_urls()} == {"file"}

    done = {d.job_id for d in result.state.completed}
    assert len(done) == 48
    open_jobs = [u.job_id for u in result.solution.unassigned if u.job_id not in done]
    assert browser.evaluate("document.querySelectorAll('#map .unassigned-job').length") == len(open_jobs)
    assert browser.evaluate("document.querySelectorAll('#map .done-job').length") == 48
    assert browser.evaluate("document.querySelectorAll('#gantt rect.seg.done').length") == 48
    assert int(browser.evaluate("document.getElementById('done-count').textContent")) == 48
    # KPI card and the unassigned heading agree: 120 + N1 - 48 done = 73 jobs to plan.
    served = sum(len(r.stops) for r in result.solution.routes)
    cards = browser.evaluate("Array.from(document.querySelectorAll('#kpis .card .v')).map(function (e) { return e.textContent; })")
    assert f"{served} / 73" in cards and "48" in cards
    assert int(browser.evaluate("document.getElementById('unassigned-count').textContent")) == 73 - served == len(open_jobs)
    # The now line at 11:00, and the changes with their causes.
    assert browser.evaluate("document.querySelectorAll('#gantt g.now-line').length") == 1
    assert browser.evaluate("document.querySelector('#gantt .now-label').textContent") == "now 11:00"
    assert browser.evaluate("document.querySelectorAll('#changes tr.change').length") == len(result.changes) > 0
    cause_of_n1 = browser.evaluate("document.querySelector('#changes tr.change[data-job=\"N1\"] td.cause').textContent")
    n1 = next(c for c in result.changes if c.job_id == "N1")
    assert cause_of_n1 == f"event #{n1.cause} new_job"
    # Late services: named with technician and minutes late, and marked in black and yellow.
    late = sorted(((s.job_id, r.technician_id, round(s.lateness_s / 60)) for r in result.solution.routes for s in r.stops
                   if s.sla_met is False), key=lambda x: -x[2])
    assert late, "the 11:00 re-plan of the sample day has late services"
    items = browser.evaluate("Array.from(document.querySelectorAll('#late li.late-job')).map(function (e) { return e.textContent; })")
    assert len(items) == len(late)
    for text, (job, tech, minutes) in zip(items, late):
        assert text.startswith(f"{job} \u00b7 {tech} \u00b7 {minutes} min late"), text
    assert browser.evaluate("document.querySelectorAll('#map .late-halo').length") == len(late)
    assert browser.evaluate("document.querySelectorAll('#gantt rect.late-overlay').length") == len(late)
    strokes = browser.evaluate("Array.from(document.querySelectorAll('#map .late-halo')).map(function (e) { return getComputedStyle(e).stroke; })")
    assert set(strokes) == {"rgb(17, 17, 17)"}  # the same ink whatever the route colour
    shot = browser.screenshot(ARTIFACTS / "replan.png")
    assert shot.stat().st_size > 20_000
