"""The ``dispatch`` command. Each sub-command lives in its own module of this package and
exposes ``register(subparsers)``; this file only assembles them."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Optional, Sequence

# Sub-command modules, in help order. A module registers one or more sub-commands.
COMMAND_MODULES = [
    "optimizer.cli.solve",      # optimize, validate, demo
    "optimizer.cli.matrix",     # matrix
    "optimizer.cli.bench",      # bench
    "optimizer.cli.planning",   # whatif, report, export
    "optimizer.cli.replan",     # replan
    "optimizer.cli.serve",      # serve
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dispatch", description="Field-service dispatch optimization and scheduling engine."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # command module not written yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
