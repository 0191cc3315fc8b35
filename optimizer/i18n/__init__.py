"""Texts a dispatcher reads, in English and Simplified Chinese, from gettext message catalogs.

The English text is the message id; translations live in ``optimizer/locale/<locale>/LC_MESSAGES/
dispatch.po`` (the source, edited by translators) and the compiled ``dispatch.mo`` next to it,
both shipped with the package. ``make messages`` re-extracts the ids from the code (Babel,
``babel.cfg``), updates the catalogs and compiles them; ``tests/test_i18n.py`` checks that every
id has a Chinese translation, that placeholders match and that the ``.mo`` files are current.

A message with values is a :class:`Msg`: a ``str`` holding the English text (so code that only
needs English uses it as it is), plus its id and values so that :func:`translate` can render it
in another language. Values are filled in with ``str.format`` placeholders (``{job}``), never by
concatenating translated pieces; a value that is itself a ``Msg`` (or a list of them) is
translated too. Codes (``Unassigned.code``, error ``type``) are never translated.
"""

from __future__ import annotations

import gettext as _gettext
import re
import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional, Union

LANGUAGES: tuple[str, ...] = ("en", "zh-CN")
"""Supported languages (BCP 47 tags, as in ``options.language``, ``--lang`` and Accept-Language)."""

DEFAULT_LANGUAGE = "en"
DOMAIN = "dispatch"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
_LOCALES = {"en": "en", "zh-CN": "zh_CN"}


def normalize_language(tag: Optional[str]) -> Optional[str]:
    """A supported language for a BCP 47 / POSIX tag, or None: ``en``, ``en-GB`` -> ``en``;
    ``zh``, ``zh-CN``, ``zh_CN``, ``zh-Hans``, ``zh-Hans-CN``, ``zh-SG`` -> ``zh-CN``. Traditional
    Chinese (``zh-TW``, ``zh-HK``, ``zh-Hant``) and other languages -> None."""
    if not tag:
        return None
    parts = tag.strip().replace("_", "-").lower().split("-")
    if parts[0] == "en":
        return "en"
    if parts[0] == "zh" and not ({"tw", "hk", "mo", "hant"} & set(parts[1:])):
        return "zh-CN"
    return None


def best_language(accept_language: Optional[str], default: str = DEFAULT_LANGUAGE) -> str:
    """The supported language an ``Accept-Language`` header prefers most (highest q; ``q=0``
    refuses), else ``default``. ``"zh-CN,zh;q=0.9,en;q=0.8"`` -> ``zh-CN``."""
    best, best_q = default, -1.0
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        if match:
            try:
                q = float(match.group(1))
            except ValueError:
                continue
        language = normalize_language(tag)
        if language is not None and q > 0 and q > best_q:
            best, best_q = language, q
    return best


@lru_cache(maxsize=None)
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of ``language`` (English: the ids themselves)."""
    locale = _LOCALES.get(normalize_language(language) or DEFAULT_LANGUAGE, "en")
    return _gettext.translation(DOMAIN, str(LOCALE_DIR), languages=[locale], fallback=True)


def gettext(message: str, language: str) -> str:
    """``message`` (an id) in ``language``; the id itself when the catalog lacks it."""
    return translations(language).gettext(message)


def N_(message: str) -> str:
    """Mark a constant text for extraction without translating it here (it is translated where
    it is shown, with :func:`gettext`)."""
    return message


Value = Union[str, int, float, "Msg", list, tuple, None]


class Msg(str):
    """A text with values: ``Msg("job {job} is late", job="J1")`` is the ``str`` ``"job J1 is
    late"``; :func:`translate` renders the same message in another language."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> "Msg":
        text = msgid.format(**{k: _render(v, DEFAULT_LANGUAGE) for k, v in params.items()}) if params else msgid
        obj = super().__new__(cls, text)
        obj.msgid = msgid
        obj.params = params
        return obj

    def __reduce__(self):  # pickles (process pools) keep the message, not only the English text
        return (_rebuild, (self.msgid, self.params))

    def render(self, language: str) -> str:
        template = gettext(self.msgid, language)
        if not self.params:
            return template
        values = {k: _render(v, language) for k, v in self.params.items()}
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):  # a broken translation never hides the message
            return self.msgid.format(**values)


def _rebuild(msgid: str, params: dict[str, Any]) -> Msg:
    return Msg(msgid, **params)


def _render(value: Any, language: str) -> Any:
    if isinstance(value, Msg):
        return value.render(language)
    if isinstance(value, (list, tuple)):
        return gettext(", ", language).join(str(_render(v, language)) for v in value)
    return value


def translate(text: Any, language: Optional[str]) -> str:
    """``text`` in ``language``: a :class:`Msg` is rendered from its id and values; a plain
    string is looked up as an id, then matched against the catalog's messages with values
    (e.g. a validation message built by pydantic from a ``Msg``); anything else is returned as
    it is (in English)."""
    language = normalize_language(language) or DEFAULT_LANGUAGE
    if isinstance(text, Msg):
        return text.render(language)
    text = str(text)
    if language == DEFAULT_LANGUAGE:
        return text
    found = gettext(text, language)
    if found != text:
        return found
    matched = _reverse(text, language)
    if matched is not None:
        return matched
    # "<field path>: <message>." as the API and the CLI write validation errors.
    if text.endswith(".") and len(text) > 1:
        inner = translate(text[:-1], language)
        if inner != text[:-1]:
            return inner + gettext(".", language)
    head, sep, tail = text.partition(": ")
    if sep and tail and " " not in head.strip("$"):
        inner = translate(tail, language)
        if inner != tail:
            return head + gettext(": ", language) + inner
    return text


@lru_cache(maxsize=None)
def _patterns(language: str) -> list[tuple[re.Pattern, str]]:
    """Regular expressions of the catalog's ids with placeholders, longest id first. Ids use
    plain ``{name}`` placeholders (no conversion or format spec; the catalog test checks it).
    Ids whose fixed text has no word (``{name} {count}``) are left out: they would match anything."""
    catalog = getattr(translations(language), "_catalog", {})
    out = []
    for msgid in catalog:
        if not isinstance(msgid, str) or "{" not in msgid:
            continue
        names: list[str] = []
        pattern = ""
        for literal, name, _spec, _conv in string.Formatter().parse(msgid):
            pattern += re.escape(literal)
            if name is None:
                continue
            if name in names:
                pattern += f"(?P={name})"
            else:
                names.append(name)
                pattern += f"(?P<{name}>.+?)"
        literal = "".join(lit for lit, *_ in string.Formatter().parse(msgid))
        if not re.search(r"[^\W\d_]{2}", literal):  # "{name} {count}" would match any text
            continue
        out.append((re.compile(pattern + r"\Z", re.S), msgid))
    out.sort(key=lambda item: -len(item[1]))
    return out


def _reverse(text: str, language: str) -> Optional[str]:
    for pattern, msgid in _patterns(language):
        match = pattern.match(text)
        if match:
            values = {k: translate(v, language) for k, v in match.groupdict().items()}
            try:
                return gettext(msgid, language).format(**values)
            except (KeyError, IndexError, ValueError):
                return None
    return None


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: East Asian wide and full-width characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def pad(text: str, width: int, left: bool = True) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (left-aligned, or right-aligned)."""
    fill = " " * max(0, width - display_width(text))
    return text + fill if left else fill + text
