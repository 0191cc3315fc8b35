"""Message catalogs: every text has a zh-CN translation with the same placeholders, the shipped
.pot/.mo are current with the code and the .po sources, and reasons come out in the language
asked for (codes unchanged) on a real solve checked by the validator."""

from __future__ import annotations

import gettext
import string
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from optimizer.i18n import LOCALE_DIR, Msg, best_language, normalize_language, translate
from optimizer.paths import REPO_ROOT
from optimizer.solve import solve
from optimizer.validate import validate
from tests import explicit as ex

PO = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "dispatch.po"
MO = PO.with_suffix(".mo")


def _fields(text: str) -> list[tuple[str, str, str]]:
    return [(name, spec or "", conv or "") for _, name, spec, conv in string.Formatter().parse(text) if name is not None]


def _catalog():
    with open(PO, "rb") as fh:
        return read_po(fh, locale="zh_CN")


def _extracted(tmp_path) -> set[str]:
    """The ids in the code now, extracted as `make messages` does (no copy of its logic)."""
    out = tmp_path / "now.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "Msg", "-k", "N_",
                    "--no-location", "-o", str(out), "optimizer", "api"], cwd=REPO_ROOT, check=True, capture_output=True)
    with open(out, "rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


def test_every_message_of_the_code_has_a_chinese_translation(tmp_path):
    catalog = _catalog()
    translated = {m.id: m.string for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    now = _extracted(tmp_path)
    missing = sorted(now - set(translated))
    assert not missing, f"run `make messages` and translate in {PO.relative_to(REPO_ROOT)}: {missing}"
    with open(LOCALE_DIR / "dispatch.pot", "rb") as fh:
        template = {m.id for m in read_po(fh) if m.id}
    assert template == now, "optimizer/locale/dispatch.pot is stale: run `make messages`"


def test_placeholders_match_and_are_plain():
    for message in _catalog():
        if not message.id:
            continue
        ids, zh = _fields(message.id), _fields(message.string)
        assert all(spec == conv == "" for _, spec, conv in ids), f"use plain {{name}} placeholders: {message.id!r}"
        assert "python-format" not in message.flags, f"reads as %-formatting to gettext tools: {message.id!r}"
        assert sorted(n for n, _, _ in ids) == sorted(n for n, _, _ in zh), f"placeholders differ: {message.id!r} -> {message.string!r}"
        assert message.string.strip() == message.string or message.id.strip() != message.id


def test_compiled_catalog_is_current():
    with open(MO, "rb") as fh:
        compiled = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    source = {m.id: m.string for m in _catalog() if m.id and m.string}
    assert {k: v for k, v in compiled.items() if k} == source, "the .mo differs from the .po: run `make messages`"


def test_language_tags():
    assert [normalize_language(t) for t in ("en", "en-GB", "zh", "zh_CN", "zh-Hans-CN", "zh-SG", "zh-TW", "zh-Hant", "fr", "")] == \
        ["en", "en", "zh-CN", "zh-CN", "zh-CN", "zh-CN", None, None, None, None]
    assert best_language("zh-CN,zh;q=0.9,en;q=0.8") == "zh-CN"
    assert best_language("en;q=0.5, zh;q=0.6") == "zh-CN"
    assert best_language("fr-FR, en;q=0.1") == "en"
    assert best_language("zh;q=0, en;q=0.2") == "en"
    assert best_language(None) == "en" and best_language("de") == "en"


def test_messages_render_from_the_catalog_not_by_concatenation():
    msg = Msg("pinned technician {tech} lacks {skills}", tech="T1",
              skills=[Msg("skill {skill} at level {level}", skill="hvac", level=2), Msg("skill {skill}", skill="gas")])
    assert msg == "pinned technician T1 lacks skill hvac at level 2, skill gas"
    assert translate(msg, "zh-CN") == "指定技术员 T1 缺少技能 hvac（2 级）、技能 gas"
    assert translate(msg, "en") == msg
    # A validation message written by pydantic, with its JSON path, matched against the catalog.
    assert translate("$.jobs[3].duration_min: Input should be greater than or equal to 0.", "zh-CN") == \
        "$.jobs[3].duration_min：输入应大于或等于 0。"
    assert translate("something nobody translated", "zh-CN") == "something nobody translated"


def test_unassigned_reasons_in_chinese_with_the_same_codes():
    def problem(language):
        return ex.problem(ex.uniform(3, 600), [ex.tech("T1", 0, skills={"hvac": 1})],
                          [ex.job("A", 1), ex.job("B", 2, skills={"gas": 2})], engine="native", max_iterations=20,
                          language=language)

    english, chinese = problem("en"), problem("zh")
    assert chinese.options.language == "zh-CN"
    en_plan, zh_plan = solve(english), solve(chinese)
    assert validate(english, en_plan) == [] and validate(chinese, zh_plan) == []
    (en,), (zh,) = en_plan.unassigned, zh_plan.unassigned
    assert en.job_id == zh.job_id == "B" and en.code == zh.code == "skill"
    assert en.reason == "no technician has skill gas at level 2"
    assert zh.reason == "没有技术员具备技能 gas（2 级）"


def test_unknown_language_names_the_field():
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as err:
        ex.problem(ex.uniform(2, 60), [ex.tech("T", 0)], [], language="fr")
    assert any(e["loc"] == ("options", "language") for e in err.value.errors())
