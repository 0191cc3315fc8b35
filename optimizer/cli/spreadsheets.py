"""Spreadsheets on the command line: CSV text encodings, then :mod:`optimizer.io`.

A CSV is read as UTF-8 (with or without BOM). Chinese Excel saves CSV as GBK/GB18030: a file
that is not UTF-8 but reads as mostly Chinese text in GB18030 is taken as GB18030 (a note on
stderr says so). Any other encoding needs ``--encoding`` (e.g. ``cp1252``); without it the
error names the file and the first byte that is not UTF-8. The decoded text is handed to the
spreadsheet reader as UTF-8; its messages name the original files.
"""

from __future__ import annotations

import codecs
import sys
import tempfile
from pathlib import Path
from typing import Optional

from optimizer.cli.errors import InputError


def _cjk_share(text: str) -> float:
    """Share of the non-ASCII characters of ``text`` that are CJK ideographs or CJK/fullwidth
    punctuation."""
    non_ascii = [c for c in text if ord(c) > 127]
    if not non_ascii:
        return 0.0
    cjk = sum(1 for c in non_ascii if "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef" or "\u3400" <= c <= "\u4dbf")
    return cjk / len(non_ascii)


def decode_csv(path: str, encoding: Optional[str] = None) -> tuple[str, str]:
    """(text, encoding used) of a CSV file; :class:`InputError` naming the file otherwise."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"--encoding {encoding}: unknown text encoding") from None
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not {encoding} text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    if data[:4] == b"PK\x03\x04":
        raise InputError(f"{path}: a zip archive (an Excel workbook?) with a .csv name; rename it .xlsx")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _cjk_share(text) >= 0.8:
        return text, "gb18030"
    raise InputError(
        f"{path}: not UTF-8 text (byte 0x{data[first_bad]:02x} at offset {first_bad}); save it as UTF-8 "
        "or pass --encoding (e.g. --encoding cp1252)"
    )


def load_spreadsheets(technicians: str, jobs: str, encoding: Optional[str] = None):
    """The Problem from two spreadsheets (``.csv`` in any encoding, see the module docstring,
    or ``.xlsx``); bad input raises SystemExit with one line per error naming the file."""
    from optimizer.io import SpreadsheetError, load_problem_from_spreadsheets

    with tempfile.TemporaryDirectory(prefix="dispatch-csv-") as tmp:
        paths = []
        for i, original in enumerate((technicians, jobs)):
            if Path(original).suffix.lower() in (".csv", ".txt"):
                try:
                    text, used = decode_csv(original, encoding)
                except InputError as exc:
                    raise SystemExit(f"error: {exc}")
                if used == "gb18030" and not encoding:
                    print(f"note: {original} is not UTF-8; read it as GB18030 (--encoding to choose another)", file=sys.stderr)
                copy = Path(tmp) / str(i) / Path(original).name
                copy.parent.mkdir()
                copy.write_text(text, encoding="utf-8")
                paths.append((str(copy), original))
            else:
                paths.append((original, original))
        try:
            return load_problem_from_spreadsheets(paths[0][0], paths[1][0], None)
        except SpreadsheetError as exc:
            message = str(exc)
            for read, given in paths:
                message = message.replace(read, given)
            raise SystemExit(f"error: {message}")
