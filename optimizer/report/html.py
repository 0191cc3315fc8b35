"""Rendering the self-contained report page: one HTML file, everything inline.

The page loads nothing: no scripts, styles, fonts, images or map tiles from anywhere (a strict
Content-Security-Policy in the page forbids it), so it works offline and can be mailed around.
The data (:func:`optimizer.report.payload.report_payload`) is embedded as JSON.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any, Optional, Sequence, Union

from optimizer.i18n import Msg, gettext
from optimizer.models import Problem, Solution
from optimizer.replan.request import ReplanResponse
from optimizer.report.payload import comparison_payload, report_payload
from optimizer.report.static import BODY, CSS, JS

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def _json_for_script(data: Any) -> str:
    """JSON safe inside a <script> element (no '</' can close it early)."""
    return json.dumps(data, separators=(",", ":")).replace("</", "<\\/").replace("<!--", "<\\!--")


def render_page(payload: dict[str, Any]) -> str:
    """The HTML page for a report payload."""
    return (
        f"<!DOCTYPE html>\n<html lang=\"{html.escape(payload.get('lang', 'en'))}\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(payload['title'])}</title><style>{CSS}</style></head><body>"
        f"{BODY}<script id=\"report-data\" type=\"application/json\">{_json_for_script(payload)}</script>"
        f"<script>{JS}</script></body></html>\n"
    )


def render_report(problem: Problem, solution: Solution, title: Optional[str] = None, road: Optional[bool] = None,
                  replan: Optional[ReplanResponse] = None, language: Optional[str] = None) -> str:
    """The report page of one plan (map, Gantt, KPI cards, late and unassigned jobs). With
    ``replan`` (the answer of a re-plan whose solution is ``solution``): work already done, the
    changes with their causes and a "now" line on the Gantt. Texts in ``language`` (default the
    problem's ``options.language``)."""
    language = language or problem.options.language
    title = title if title is not None else gettext("Dispatch plan", language)
    return render_page(report_payload([(gettext("Plan", language), problem, solution)], title=title, road=road, replan=replan,
                                      language=language))


def render_scenario_report(result, title: Optional[str] = None, road: Optional[bool] = None, language: Optional[str] = None) -> str:
    """The report page of a scenario run (:class:`~optimizer.scenarios.runner.ScenarioResult`):
    the comparison of the variants, then any plan chosen in a select box (base first)."""
    named = [(r.name, r.kpis) for r in result.runs]
    comparison = comparison_payload(named, [r.wall_time_s for r in result.runs])
    plans: Sequence = [(r.name, r.problem, r.solution) for r in result.runs]
    language = language or result.runs[0].problem.options.language
    payload = report_payload(plans, title=title or Msg("What-if: {name}", name=result.name).render(language), comparison=comparison,
                             descriptions=result.descriptions, road=road, language=language)
    return render_page(payload)


def write_report(page: str, path: Union[str, Path]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
