"""Spreadsheets: technicians and jobs tables (CSV/XLSX) -> Problem; Solution -> stops table.

Columns are documented in docs/spreadsheets.md."""

from optimizer.io.export import STOP_COLUMNS, export_solution, stop_rows
from optimizer.io.problem import (
    JOB_COLUMNS,
    JOB_REQUIRED,
    TECHNICIAN_COLUMNS,
    TECHNICIAN_REQUIRED,
    load_problem_from_spreadsheets,
    read_jobs,
    read_technicians,
    write_problem_spreadsheets,
)
from optimizer.io.table import SpreadsheetError, read_table, write_table

__all__ = [
    "JOB_COLUMNS", "JOB_REQUIRED", "STOP_COLUMNS", "SpreadsheetError", "TECHNICIAN_COLUMNS", "TECHNICIAN_REQUIRED",
    "export_solution", "load_problem_from_spreadsheets", "read_jobs", "read_table", "read_technicians", "stop_rows",
    "write_problem_spreadsheets", "write_table",
]
