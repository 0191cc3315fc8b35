"""The ``dispatch`` command. Each sub-command lives in its own module of this package and
exposes ``register(subparsers)``; commands outside the library (``serve`` in :mod:`api.cli`,
``bench`` in :mod:`benchmarks.cli`) register the same way through the ``dispatch.commands``
entry-point group, so the library never imports them. This file only assembles them and applies
one exit-code rule to all of them (see :mod:`optimizer.cli.errors`: 0 ok, 1 failed validation, 2 bad input,
3 internal error), with one-line messages and no traceback."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Optional, Sequence

# Sub-command modules, in help order. A module registers one or more sub-commands.
COMMAND_MODULES = [
    "optimizer.cli.solve",      # optimize, validate, demo
    "optimizer.cli.matrix",     # matrix
    "optimizer.cli.planning",   # whatif, report, export
    "optimizer.cli.replan",     # replan
]
# Entry points of this group name a ``register(subparsers)`` function (``serve``, ``bench``).
PLUGIN_GROUP = "dispatch.commands"


def _plugin_registrars() -> list:
    from importlib.metadata import entry_points

    registrars = []
    for ep in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        try:
            registrars.append(ep.load())
        except ImportError as exc:  # a plugin whose own dependencies are missing: leave it out
            print(f"dispatch: command {ep.name!r} unavailable ({exc})", file=sys.stderr)
    return registrars


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dispatch", description="Field-service dispatch optimization and scheduling engine.",
        epilog="Exit codes: 0 success, 1 failed validation, 2 bad input (the message names the file "
        "and field), 3 internal error.",
    )
    parser.add_argument("--version", action="version", version=f"dispatch {_version()}")
    parser.add_argument("--lang", metavar="LANG", help="language of summaries, reports and reasons: en or zh-CN (anywhere on the "
                        "line, e.g. `dispatch optimize p.json --summary --lang zh-CN`; default $DISPATCH_LANG, else the "
                        "problem's options.language)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # command module not written yet
                continue
            raise
        module.register(sub)
    for register in _plugin_registrars():
        register(sub)
    return parser


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("fieldservice-dispatch")
    except metadata.PackageNotFoundError:
        return "0.1.0"


_LANGUAGE: Optional[str] = None


def cli_language() -> Optional[str]:
    """The language ``--lang`` (or ``$DISPATCH_LANG``) chose for this command, or None."""
    return _LANGUAGE


def _take_language(argv: list[str]) -> tuple[list[str], Optional[str]]:
    """``--lang X`` / ``--lang=X`` taken out of ``argv`` wherever it is (before or after the
    command), so every command accepts it."""
    rest, value = [], os.environ.get("DISPATCH_LANG") or None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        if arg == "--lang" and i + 1 < len(argv):
            value, i = argv[i + 1], i + 2
            continue
        if arg.startswith("--lang="):
            value, i = arg.split("=", 1)[1], i + 1
            continue
        rest.append(arg)
        i += 1
    return rest, value


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run one ``dispatch`` command line; the ``--lang`` it names holds for that command only."""
    global _LANGUAGE
    try:
        return _main(argv)
    finally:
        _LANGUAGE = None


def _main(argv: Optional[Sequence[str]]) -> int:
    global _LANGUAGE
    from optimizer.cli.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, describe, is_input_error
    from optimizer.i18n import normalize_language

    parser = build_parser()
    rest, language = _take_language(list(sys.argv[1:] if argv is None else argv))
    if language is not None:
        _LANGUAGE = normalize_language(language)
        if _LANGUAGE is None:
            print(f"error: --lang: {language!r} is not a supported language (en, zh-CN)", file=sys.stderr)
            return EXIT_BAD_INPUT
    else:
        _LANGUAGE = None
    args = parser.parse_args(rest)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except SystemExit as exc:  # raise SystemExit("message") in a command = bad input
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            return EXIT_BAD_INPUT
        return 0 if exc.code is None else int(exc.code)
    except BrokenPipeError:  # e.g. `dispatch optimize p.json | head`
        return 0
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback
        if os.environ.get("DISPATCH_DEBUG"):
            raise
        if is_input_error(exc):
            print(f"error: {describe(exc)}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"internal error in dispatch {args.command}: {type(exc).__name__}: {describe(exc)} "
              "(DISPATCH_DEBUG=1 shows the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
