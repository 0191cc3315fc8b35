"""The report of a multi-day plan in a real headless Chromium: the Gantt shows one day at a time,
a row per technician with a shift that day, and the day selector switches between the days."""

from __future__ import annotations

from optimizer.report import render_report, write_report
from optimizer.solve import solve
from tests import factories as f
from tests.report.test_browser import browser, open_page  # noqa: F401  (the module's Chromium fixture)


def week():
    techs = [{"id": tid, "start_location": f.point(k, 0), "skills": {},
              "shifts": [{"start": f.at(24 * d + 8), "end": f.at(24 * d + 16)} for d in days]}
             for k, (tid, days) in enumerate((("A", (0, 1, 2)), ("B", (1, 2))))]
    jobs = [f.job(f"j{i}", loc=f.point(i % 4, i // 4), time_windows=[f.window(24 * (i % 3) + 9, 24 * (i % 3) + 15)]) for i in range(9)]
    return f.problem(techs, jobs, time_limit_s=1.0, candidates_per_job=0)


def test_multi_day_gantt_has_a_day_selector(browser, tmp_path):  # noqa: F811
    problem = week()
    solution = solve(problem)
    path = write_report(render_report(problem, solution, title="Week"), tmp_path / "week.html")
    open_page(browser, path)
    days = browser.evaluate("Array.from(document.getElementById('gantt-day').options).map(function (o) { return o.value; })")
    assert days == ["2026-11-24", "2026-11-25", "2026-11-26"]
    rows = "Array.from(document.querySelectorAll('.gantt-row')).map(function (g) { return g.getAttribute('data-tech') + ' ' + g.getAttribute('data-day'); })"
    assert browser.evaluate(rows) == ["A 2026-11-24"]  # day 1: only A works
    browser.evaluate("(function () { var s = document.getElementById('gantt-day'); s.value = '2026-11-25'; s.dispatchEvent(new Event('change')); })()")
    assert browser.evaluate(rows) == ["A 2026-11-25", "B 2026-11-25"]
    assert browser.evaluate("document.getElementById('gantt-day').value") == "2026-11-25"
    assert browser.errors() == []
