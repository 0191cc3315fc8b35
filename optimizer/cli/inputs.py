"""The problem of a command, from a problem JSON or from two spreadsheets.

Every command that takes a problem accepts either form: a ``PROBLEM.json`` (a positional or
``--problem``) or ``--technicians FILE --jobs FILE`` (``.csv`` or ``.xlsx``, see
docs/spreadsheets.md), so a planner goes from spreadsheets to plan, report, export, validation
and re-plan without writing JSON. A spreadsheet given where a problem JSON is expected exits 2
naming the option to use instead.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Optional

from optimizer.models import Problem

SPREADSHEET_SUFFIXES = (".csv", ".xlsx", ".xls", ".xlsm", ".ods")

# User-facing texts of this module, in one place.
MESSAGES = {
    "spreadsheet_as_json": "error: {option} {path}: a spreadsheet, not a JSON file (a problem JSON is expected); "
                           "give spreadsheets as --technicians FILE --jobs FILE",
    "both_forms": "error: give {option} or --technicians/--jobs, not both",
    "half_pair": "error: --technicians and --jobs go together (missing {missing})",
    "none": "error: give {option} (a problem JSON), or --technicians FILE --jobs FILE (spreadsheets)",
}


def add_spreadsheet_options(p: argparse.ArgumentParser) -> None:
    """``--technicians``, ``--jobs`` and ``--encoding``."""
    p.add_argument("--technicians", metavar="FILE", help="technicians spreadsheet (.csv or .xlsx) instead of a problem JSON; see docs/spreadsheets.md")
    p.add_argument("--jobs", metavar="FILE", help="jobs spreadsheet (.csv or .xlsx), with --technicians")
    p.add_argument("--encoding", help="text encoding of CSV spreadsheets (default: UTF-8, else GB18030 "
                   "when the file reads as Chinese, as Chinese Excel writes it), e.g. gb18030, cp1252")


def has_spreadsheets(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "technicians", None) or getattr(args, "jobs", None))


def load_problem_arg(path: str, option: str) -> Problem:
    """A problem JSON given as ``option``; a spreadsheet there exits 2 naming the options to use."""
    from optimizer.cli.solve import load_problem

    if Path(path).suffix.lower() in SPREADSHEET_SUFFIXES:
        raise SystemExit(MESSAGES["spreadsheet_as_json"].format(option=option, path=path))
    return load_problem(path)


def problem_of(args: argparse.Namespace, path: Optional[str], option: str = "PROBLEM", required: bool = True) -> Optional[Problem]:
    """The problem from ``path`` (a JSON, given as ``option``) or from ``--technicians``/``--jobs``.
    Exits 2 with one line when both, neither (``required``) or half a pair is given."""
    from optimizer.cli.spreadsheets import load_spreadsheets

    techs, jobs = getattr(args, "technicians", None), getattr(args, "jobs", None)
    if techs or jobs:
        if path is not None:
            raise SystemExit(MESSAGES["both_forms"].format(option=option))
        if not (techs and jobs):
            raise SystemExit(MESSAGES["half_pair"].format(missing="--jobs" if techs else "--technicians"))
        return load_spreadsheets(techs, jobs, getattr(args, "encoding", None))
    if path is None:
        if required:
            raise SystemExit(MESSAGES["none"].format(option=option))
        return None
    return load_problem_arg(path, option)


def source_of(args: argparse.Namespace, path: Optional[str]) -> str:
    """How error messages name the problem's origin."""
    if has_spreadsheets(args):
        return f"{args.technicians} + {args.jobs}"
    return path or "problem"


def write_problem(problem: Problem, path: str) -> None:
    """Write ``problem`` as JSON (``--problem-out``): the input of report, validate, replan..."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(problem.model_dump_json(indent=2, exclude_none=True) + "\n")
