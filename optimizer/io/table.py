"""Reading and writing plain tables (CSV or XLSX): a header row, then one record per row.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first record row 2.
Blank rows are skipped. Cell values come back as Python values: strings from CSV; strings,
numbers, datetimes or times from XLSX (whatever the cell holds). Empty cells are ``None``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence, Union

PathLike = Union[str, Path]


class SpreadsheetError(ValueError):
    """A bad cell or row: the message names the file, the row number (header = 1) and the column."""

    def __init__(self, file: str, row: Optional[int], column: Optional[str], message: str):
        self.file, self.row, self.column, self.reason = file, row, column, message
        where = [file]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column}")
        super().__init__(", ".join(where) + ": " + message)


@dataclass
class Record:
    row: int
    cells: dict[str, Any]


def table_format(path: PathLike) -> str:
    """``csv`` or ``xlsx`` from the file name; anything else is an error."""
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    raise SpreadsheetError(str(path), None, None, f"unsupported file type {suffix or '(none)'!r}: use .csv or .xlsx")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value if value else None
    return value


def read_table(path: PathLike) -> tuple[list[str], list[Record]]:
    """(column names, records) of the first sheet / the CSV file."""
    path = Path(path)
    fmt = table_format(path)
    if not path.is_file():
        raise SpreadsheetError(str(path), None, None, "file not found")
    if fmt == "csv":
        with open(path, newline="", encoding="utf-8-sig") as fh:
            sample = fh.read(4096)
            fh.seek(0)
            try:
                dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
            except csv.Error:
                dialect = csv.excel
            rows = list(csv.reader(fh, dialect))
    else:
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for bad files
            raise SpreadsheetError(str(path), None, None, f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
        try:
            rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        finally:
            wb.close()
    if not rows:
        raise SpreadsheetError(str(path), 1, None, "the file is empty (a header row is required)")
    header = [str(_clean(h) or "").lower() for h in rows[0]]
    while header and not header[-1]:
        header.pop()
    for i, name in enumerate(header):
        if not name:
            raise SpreadsheetError(str(path), 1, f"#{i + 1}", "empty column name in the header")
        if name in header[:i]:
            raise SpreadsheetError(str(path), 1, name, "column appears twice")
    records = []
    for number, raw in enumerate(rows[1:], start=2):
        values = [_clean(v) for v in raw]
        if all(v is None for v in values):
            continue
        extra = [v for v in values[len(header):] if v is not None]
        if extra:
            raise SpreadsheetError(str(path), number, f"#{len(header) + 1}", f"value {extra[0]!r} beyond the last named column")
        cells = {name: (values[i] if i < len(values) else None) for i, name in enumerate(header)}
        records.append(Record(number, cells))
    return header, records


EXCEL_DATETIME = "yyyy-mm-dd hh:mm:ss"


def _excel(value: Any) -> Any:
    """Excel has no time zones: an aware datetime is written as its local wall-clock time."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def write_table(path: PathLike, columns: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str = "Sheet1") -> Path:
    """Write a header and rows as CSV or XLSX (by the file name). Datetimes become ISO-8601 text
    in CSV and date-time cells (local wall-clock time, format :data:`EXCEL_DATETIME`) in XLSX."""
    path = Path(path)
    fmt = table_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for row in rows:
                writer.writerow(["" if v is None else v.isoformat() if isinstance(v, datetime) else v for v in row])
    else:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = sheet
        ws.append(list(columns))
        for row in rows:
            ws.append([_excel(v) for v in row])
            for cell, value in zip(ws[ws.max_row], row):
                if isinstance(value, datetime):
                    cell.number_format = EXCEL_DATETIME
        ws.freeze_panes = "A2"
        for i, name in enumerate(columns, start=1):
            ws.column_dimensions[ws.cell(1, i).column_letter].width = max(10, min(40, len(name) + 4))
        wb.save(path)
    return path
