"""Offline HTML plan reports: map (road network or points), Gantt, KPI cards, scenario charts."""

from optimizer.report.html import render_page, render_report, render_scenario_report, write_report
from optimizer.report.payload import comparison_payload, report_payload
from optimizer.report.timeline import Segment, route_segments, totals_s

__all__ = [
    "Segment", "comparison_payload", "render_page", "render_report", "render_scenario_report", "report_payload",
    "route_segments", "totals_s", "write_report",
]
