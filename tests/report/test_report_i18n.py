"""The report speaks the problem's language: every text its script shows through ``_t("...")``
and every ``data-t`` heading is in the catalog's list of report texts, with a Chinese
translation; the page declares its language and embeds the translations."""

from __future__ import annotations

import json
import re

from optimizer.i18n import gettext
from optimizer.i18n.report_texts import REPORT_TEXTS
from optimizer.report import render_report
from optimizer.report.static import BODY, JS
from optimizer.solve import solve
from optimizer.validate import validate
from tests import explicit as ex


def _shown_texts() -> set[str]:
    calls = set(re.findall(r'_t\("((?:[^"\\]|\\.)*)"', JS))
    heads = set(re.findall(r'data-t="([^"]+)"', BODY))
    return {json.loads(f'"{t}"') for t in calls} | heads


def test_every_text_of_the_page_is_listed_and_translated():
    shown = _shown_texts()
    assert len(shown) > 40
    missing = sorted(shown - set(REPORT_TEXTS))
    assert missing == [], f"add to optimizer/i18n/report_texts.py: {missing}"
    untranslated = sorted(t for t in shown if gettext(t, "zh-CN") == t and t.strip(" ,") != "")
    assert untranslated == [], f"run `make messages` and translate: {untranslated}"


def test_page_declares_its_language_and_embeds_the_translations():
    problem = ex.problem(ex.uniform(3, 600), [ex.tech("T1", 0)], [ex.job("A", 1), ex.job("B", 2, skills={"gas": 1})],
                         engine="native", max_iterations=10, language="zh-CN")
    solution = solve(problem)
    assert validate(problem, solution) == []
    page = render_report(problem, solution)
    assert page.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
    data = json.loads(page.split('<script id="report-data" type="application/json">')[1].split("</script>")[0])
    assert data["lang"] == "zh-CN" and data["title"] == "派工计划"
    assert data["messages"]["jobs served"] == "已服务工单" and data["messages"]["SLA met urgent %"] == "紧急 SLA 达成率 %"
    english = render_report(problem, solution, language="en")
    assert english.startswith('<!DOCTYPE html>\n<html lang="en">') and '"messages":{}' in english
    assert "WenQuanYi Micro Hei" in page and "Noto Sans CJK SC" in page  # a font stack that renders Chinese
