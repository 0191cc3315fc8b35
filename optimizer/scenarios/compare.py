"""The side-by-side KPI comparison of a scenario's runs, with deltas against the base.

``METRICS`` is the one list of compared indicators (shared by the CLI table, the report charts
and the API): each reads a number from :class:`~optimizer.models.Kpis` and says which direction
is better, so a delta can be marked as an improvement or a loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from optimizer.i18n import N_, display_width, gettext, pad
from optimizer.models import Kpis


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    """English label; translated with :func:`optimizer.i18n.gettext` where it is shown."""
    read: Callable[[Kpis], Optional[float]]
    digits: int
    higher_is_better: Optional[bool]
    unit: str = ""


def _prio(p: str) -> Callable[[Kpis], Optional[float]]:
    return lambda k: k.sla_met_pct_by_priority.get(p)


def _cost(read: Callable) -> Callable[[Kpis], Optional[float]]:
    return lambda k: read(k.cost) if k.cost is not None else None


def _response(p: str, field: str) -> Callable[[Kpis], Optional[float]]:
    def read(k: Kpis) -> Optional[float]:
        rt = k.response_time_by_priority.get(p)
        return getattr(rt, field) if rt is not None else None
    return read


def _backlog_old(k: Kpis) -> Optional[float]:
    if k.backlog is None:
        return None
    return k.backlog.by_age.get("3d_7d", 0) + k.backlog.by_age.get("ge_7d", 0)


METRICS: tuple[Metric, ...] = (
    Metric("jobs_assigned", N_("jobs served"), lambda k: k.jobs_assigned, 0, True),
    Metric("jobs_total", N_("jobs to plan"), lambda k: k.jobs_total, 0, None),
    Metric("jobs_unassigned", N_("jobs unserved"), lambda k: k.jobs_unassigned, 0, False),
    Metric("sla_met_pct", N_("SLA met %"), lambda k: k.sla_met_pct, 1, True, "%"),
    Metric("sla_met_pct_urgent", N_("SLA met urgent %"), _prio("urgent"), 1, True, "%"),
    Metric("sla_met_pct_high", N_("SLA met high %"), _prio("high"), 1, True, "%"),
    Metric("sla_met_pct_normal", N_("SLA met normal %"), _prio("normal"), 1, True, "%"),
    Metric("sla_met_pct_low", N_("SLA met low %"), _prio("low"), 1, True, "%"),
    Metric("sla_breaches", N_("SLA breaches"), lambda k: sum(k.sla_breaches.values()), 0, False),
    Metric("travel_h", N_("travel h"), lambda k: k.travel_time_s / 3600.0, 2, False, "h"),
    Metric("distance_km", N_("distance km"), lambda k: k.distance_m / 1000.0, 1, False, "km"),
    Metric("utilization_pct", N_("utilisation %"), lambda k: k.utilization_pct, 1, None, "%"),
    Metric("workload_stddev_min", N_("workload sd min"), lambda k: k.workload_stddev_min, 1, False, "min"),
    Metric("overtime_min", N_("overtime min"), lambda k: k.overtime_s / 60.0, 1, False, "min"),
    Metric("technicians_used", N_("technicians used"), lambda k: k.technicians_used, 0, None),
    Metric("technicians_total", N_("technicians"), lambda k: k.technicians_total, 0, None),
    Metric("cost_total", N_("total cost"), _cost(lambda c: c.total), 2, False),
    Metric("cost_per_served_job", N_("cost per served job"), _cost(lambda c: c.per_served_job), 2, False),
    Metric("cost_per_technician", N_("cost per technician used"), _cost(lambda c: c.per_technician_used), 2, False),
    Metric("response_mean_min_urgent", N_("response mean min urgent"), _response("urgent", "mean_min"), 1, False, "min"),
    Metric("response_p90_min_urgent", N_("response p90 min urgent"), _response("urgent", "p90_min"), 1, False, "min"),
    Metric("response_p90_min_high", N_("response p90 min high"), _response("high", "p90_min"), 1, False, "min"),
    Metric("response_p90_min_all", N_("response p90 min all"), _response("all", "p90_min"), 1, False, "min"),
    Metric("backlog_urgent", N_("backlog urgent"), lambda k: k.unassigned_by_priority.get("urgent"), 0, False),
    Metric("backlog_older_3d", N_("backlog older than 3 days"), _backlog_old, 0, False),
    Metric("first_visit_ready_pct", N_("first-visit ready %"), lambda k: k.first_visit_ready_pct, 1, True, "%"),
    Metric("first_visit_not_ready", N_("jobs not first-visit ready"), lambda k: len(k.first_visit_not_ready), 0, False),
)


@dataclass
class Cell:
    value: Optional[float]
    delta: Optional[float]
    """value - base value, both rounded to the metric's digits first (so a table reads
    consistently); None for the base itself or when either side is None."""
    better: Optional[bool]
    """True/False when the delta is an improvement/loss; None when neutral or zero."""


def compare(named_kpis: Sequence[tuple[str, Kpis]]) -> dict[str, dict[str, Cell]]:
    """``{metric key: {run name: Cell}}``; the first entry is the base."""
    if not named_kpis:
        return {}
    _, base = named_kpis[0]
    out: dict[str, dict[str, Cell]] = {}
    for m in METRICS:
        b = m.read(base)
        row = {}
        for i, (name, kpis) in enumerate(named_kpis):
            v = m.read(kpis)
            if i == 0 or v is None or b is None:
                row[name] = Cell(v, None, None)
                continue
            delta = round(round(v, m.digits) - round(b, m.digits), m.digits)  # as displayed
            better = None
            if m.higher_is_better is not None and round(delta, m.digits) != 0:
                better = (delta > 0) == m.higher_is_better
            row[name] = Cell(v, delta, better)
        out[m.key] = row
    return out


def _fmt(value: Optional[float], digits: int, signed: bool = False) -> str:
    if value is None:
        return "-"
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return "+0" if signed and float(text) == 0 and digits == 0 else text


def format_table(named_kpis: Sequence[tuple[str, Kpis]], wall_times_s: Optional[Sequence[float]] = None, markdown: bool = False,
                 language: str = "en") -> str:
    """A text (or Markdown) table: one row per metric, one column per run; variant cells read
    ``value (delta)``. Labels in ``language`` (en, zh-CN)."""
    names = [n for n, _ in named_kpis]
    table = compare(named_kpis)
    rows = [[gettext("KPI", language), *names]]
    for m in METRICS:
        row = [gettext(m.label, language)]
        for i, name in enumerate(names):
            cell = table[m.key][name]
            text = _fmt(cell.value, m.digits)
            if i > 0 and cell.delta is not None:
                text += f" ({_fmt(cell.delta, m.digits, signed=True)})"
            row.append(text)
        rows.append(row)
    if wall_times_s is not None:
        rows.append([gettext("solve wall s", language), *[f"{t:.1f}" for t in wall_times_s]])
    if markdown:
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return "\n".join(lines)
    widths = [max(display_width(r[c]) for r in rows) for c in range(len(rows[0]))]
    return "\n".join(
        "  ".join(pad(cell, widths[c], left=c == 0) for c, cell in enumerate(r)) for r in rows
    )
