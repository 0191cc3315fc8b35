"""The plan's money and service figures as lines a dispatcher reads, in English or Chinese (the
CLI summary prints them; every text comes from the message catalog, see :mod:`optimizer.i18n`).
"""

from __future__ import annotations

from typing import Optional

from optimizer.i18n import Msg, gettext, translate
from optimizer.models import PRIORITIES, Kpis

PRIORITY_NAMES = {
    "urgent": Msg("urgent"), "high": Msg("high"), "normal": Msg("normal"), "low": Msg("low"), "all": Msg("all"),
}
"""Display names of the priorities (the codes stay ``urgent`` ... in the JSON)."""

AGE_NAMES = {
    "lt_1d": Msg("under 1 day"), "1d_3d": Msg("1-3 days"), "3d_7d": Msg("3-7 days"), "ge_7d": Msg("7 days or more"),
    "unknown": Msg("age unknown"),
}
"""Display names of the backlog age buckets."""


def _money(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _minutes(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.0f}"


def cost_line(kpis: Kpis, language: str) -> Optional[str]:
    """``cost CNY 1,234.00 | per served job ... | per technician used ... | labour ... (overtime ...) |
    vehicle ... | fixed ... | parts ...``; None when the plan has no cost figures."""
    c = kpis.cost
    if c is None:
        return None
    return translate(Msg(
        "cost {currency} {total} | per served job {per_job} | per technician used {per_tech} | labour {labour} "
        "(overtime {overtime}) | vehicle {vehicle} | fixed {fixed} | parts {parts}",
        currency=c.currency, total=_money(c.total), per_job=_money(c.per_served_job), per_tech=_money(c.per_technician_used),
        labour=_money(c.labour), overtime=_money(c.overtime), vehicle=_money(c.vehicle), fixed=_money(c.fixed),
        parts=_money(c.parts),
    ), language)


def response_line(kpis: Kpis, language: str) -> Optional[str]:
    """``response time (report to arrival), mean / p90 min: urgent 35 / 80 | ...``, for the
    priorities with reported jobs; None when no served job has ``reported_at``."""
    parts = []
    for key in [p.value for p in PRIORITIES] + ["all"]:
        rt = kpis.response_time_by_priority.get(key)
        if rt is None or not rt.jobs:
            continue
        parts.append(Msg("{priority} {mean} / {p90} ({jobs} jobs)", priority=PRIORITY_NAMES[key],
                         mean=_minutes(rt.mean_min), p90=_minutes(rt.p90_min), jobs=rt.jobs))
    if not parts:
        return None
    return translate(Msg("response time (report to arrival), mean / p90 min: {figures}", figures=_joined(parts, language)), language)


def backlog_line(kpis: Kpis, language: str) -> Optional[str]:
    """``backlog 5: urgent 1, ... | by age: under 1 day 2, ...``; None when nothing is unserved."""
    b = kpis.backlog
    if b is None or not b.jobs:
        return None
    prio = [Msg("{name} {count}", name=PRIORITY_NAMES[p], count=n) for p, n in b.by_priority.items() if n]
    ages = [Msg("{name} {count}", name=AGE_NAMES[a], count=n) for a, n in b.by_age.items() if n]
    return translate(Msg("backlog {count}: {by_priority} | by age: {by_age}", count=b.jobs,
                         by_priority=_joined(prio, language), by_age=_joined(ages, language)), language)


def readiness_line(kpis: Kpis, language: str) -> Optional[str]:
    """``first-visit ready 100.0% (jobs not ready: J1 hvac 2, J4 parts filter 1)``."""
    if kpis.first_visit_ready_pct is None:
        return None
    pct = f"{kpis.first_visit_ready_pct:.1f}"
    if not kpis.first_visit_not_ready:
        return translate(Msg("first-visit ready {pct}%", pct=pct), language)
    items = []
    for n in kpis.first_visit_not_ready[:10]:
        lacks = [Msg("skill {skill} at level {level}", skill=s, level=lvl) for s, lvl in n.missing_skills.items()]
        lacks += [Msg("{units} x part {part} short", units=u, part=p) for p, u in n.missing_parts.items()]
        items.append(Msg("{job} ({tech} lacks {what})", job=n.job_id, tech=n.technician_id, what=lacks))
    more = len(kpis.first_visit_not_ready) - len(items)
    text = Msg("first-visit ready {pct}%; not ready: {jobs}", pct=pct, jobs=_joined(items, language))
    if more > 0:
        text = Msg("{first} (and {count} more)", first=text, count=more)
    return translate(text, language)


def day_lines(kpis: Kpis, language: str) -> list[str]:
    """One line per day of a multi-day horizon: ``2026-11-23: 92 jobs | travel 1.5 h | utilisation
    48.0% | technicians 20 | SLA breaches 0``; none for one-shift problems."""
    return [
        translate(Msg("{day}: {jobs} jobs | travel {travel_h} h | utilisation {pct}% | technicians {techs} | SLA breaches {breaches}",
                      day=day, jobs=d.jobs_assigned, travel_h=f"{d.travel_time_s / 3600:.1f}", pct=f"{d.utilization_pct:.1f}",
                      techs=d.technicians_used, breaches=d.sla_breaches), language)
        for day, d in kpis.by_day.items()
    ]


def kpi_lines(kpis: Kpis, language: str) -> list[str]:
    """Every line above that applies, in order: days (multi-day), cost, response time, backlog, readiness."""
    lines = [*day_lines(kpis, language), cost_line(kpis, language), response_line(kpis, language), backlog_line(kpis, language),
             readiness_line(kpis, language)]
    return [line for line in lines if line]


def _joined(items: list[Msg], language: str) -> str:
    return gettext(", ", language).join(translate(i, language) for i in items)
