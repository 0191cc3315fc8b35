"""The texts of the HTML report's page and script (``optimizer/report/static.py``), listed for the
message catalog: the script is JavaScript inside a Python string, which the extractor cannot
read, so every text it shows through ``T("...")`` is marked here with ``N_``. The report embeds
their translations (:func:`report_messages`) and ``T`` fills the ``{placeholders}``.
``tests/report/test_report_i18n.py`` checks that every ``T("...")`` of the script is listed.
"""

from __future__ import annotations

from typing import Iterable

from optimizer.i18n import N_, gettext, normalize_language

REPORT_TEXTS = [
    # KPI cards
    N_("jobs served"), N_("{count} unserved"), N_("SLA met"), N_("no deadlines"), N_("SLA breaches"), N_("none"),
    N_("travel"), N_("utilisation"), N_("service + travel / shift time"), N_("workload spread"),
    N_("sd; min {min}, max {max} min"), N_("overtime"), N_("after shift ends"), N_("technicians used"),
    N_("total cost"), N_("{amount} per served job, {per_tech} per technician"), N_("response p90 urgent"),
    N_("mean {mean} min; all jobs p90 {p90} min"), N_("backlog"), N_("{count} older than 3 days"),
    N_("first-visit ready"), N_("{count} jobs not ready"), N_("no reported jobs"),
    N_("engine {engine}, {wall} s, matrix {matrix}"),
    # map
    N_("no coordinates to draw"), N_("Streets and routes from the road network."),
    N_("Red crosses: unassigned jobs; squares: start locations."), N_("Wheel to zoom, drag to pan."),
    N_("Grey ticks: work done before now; black-and-yellow halos with !: late services."),
    N_("{count} jobs"), N_("{count} late"), N_("UNASSIGNED {job}: {reason}"), N_("{tech} start"), N_("due {time}"), N_("LATE"),
    N_("{n} min"), N_(", "),
    # schedule
    N_("{tech}: {jobs} jobs; travel {travel}, service {service}, breaks {breaks}, idle {idle}"),
    N_("service (route colour)"), N_("break"), N_("idle / waiting"), N_("SLA breach"), N_("service"), N_("idle"),
    N_("shift {from}–{to}"), N_("late service (any route colour)"), N_("Day"),
    # re-plan: work done, late jobs, changes
    N_("done before now"), N_("completed work, not planned again"), N_("none"),
    N_("{tech} · {late} min late{priority} · ended {end}, due {due}"), N_("(assumed from the plan)"), N_("(reported)"),
    N_("DONE"), N_("now"), N_("done"), N_("job"), N_("change"), N_("technician"), N_("start"), N_("shift"), N_("cause"),
    N_("re-optimisation"), N_("event #{number} {type}"), N_("Late jobs"), N_("Done before now"),
    N_("Changes against the previous plan"),
    # comparison
    N_("KPI"), N_("solve wall s"), N_("(higher is better)"), N_("(lower is better)"),
    # page
    N_("generated {at} · times in UTC{offset}"), N_("Scenario comparison (deltas against the base)"), N_("Map"),
    N_("Unassigned"), N_("Schedule"), N_("plan shown"), N_("Dispatch plan"), N_("Plan"), N_("What-if: {name}"),
    # priorities
    N_("urgent"), N_("high"), N_("normal"), N_("low"),
]


def report_messages(language: str, extra: Iterable[str] = ()) -> dict[str, str]:
    """``{English text: translation}`` for every report text and the ``extra`` ones (the compared
    metrics' labels); empty in English: the script shows the ids themselves."""
    language = normalize_language(language) or "en"
    if language == "en":
        return {}
    out = {}
    for text in [*REPORT_TEXTS, *extra]:
        found = gettext(text, language)
        if found != text:
            out[text] = found
    return out
