"""One exit-code rule and one-line error messages for every ``dispatch`` command.

Exit codes: ``0`` success; ``1`` the input was read but failed a check (``dispatch validate``
found violations, the demo's plan did not validate); ``2`` bad input (a file missing, unreadable,
in the wrong format or encoding, a field out of range, a location outside the road region, a
corrupt map extract, bad command-line usage); ``3`` an internal error (a bug: one line, the
traceback only with ``DISPATCH_DEBUG=1``). Messages are one line each, start with the file and,
where there is one, the field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3


class InputError(Exception):
    """Bad input: the message (one line, naming the file and field) is printed, exit code 2."""


def _one_line(text: str, limit: int = 400) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def read_text(path: str, what: str = "JSON") -> str:
    """The file as UTF-8 text, or :class:`InputError` naming the file and what is wrong."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a {what} file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if data[:4] == b"PK\x03\x04":
            hint = "it is a zip archive, e.g. an Excel .xlsx workbook"
            if what == "JSON":
                hint += " (spreadsheets go in --technicians/--jobs, see docs/spreadsheets.md)"
            raise InputError(f"{path}: not a {what} file: {hint}") from None
        raise InputError(f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8") from None


def read_json(path: str) -> Any:
    """Parsed JSON of ``path`` (NaN/Infinity refused: JSON has neither)."""
    text = read_text(path, "JSON")

    def _no_constants(name: str):
        raise ValueError(f"{name} is not a JSON number")

    try:
        return json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None


def validation_lines(exc, source: str) -> list[str]:
    """A pydantic ValidationError as ``source: path.to.field: message`` lines."""
    lines = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"]) or "(root)"
        msg = str(err["msg"])
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        lines.append(_one_line(f"{source}: {path}: {msg}"))
    return lines


def describe(exc: BaseException, source: Optional[str] = None, region_field: str = "options.region") -> str:
    """One line for a library exception caused by the input, naming the file and field
    (``region_field``: where the road region came from, e.g. ``--region``)."""
    from pydantic import ValidationError

    prefix = f"{source}: " if source else ""
    if isinstance(exc, InputError):
        return _one_line(str(exc))
    if isinstance(exc, ValidationError):
        lines = validation_lines(exc, source or "input")
        more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
        return lines[0] + more if lines else f"{prefix}invalid input"
    from optimizer.geo.region import RegionFileError
    from optimizer.geo.snap import OutsideRegionError

    if isinstance(exc, OutsideRegionError):
        return _one_line(f"{prefix}{region_field}: {exc}; name an extract that covers it in options.region "
                         "(or --region), or use options.matrix 'haversine'")
    if isinstance(exc, RegionFileError):
        return _one_line(f"{prefix}{region_field}: {exc}")
    if isinstance(exc, FileNotFoundError):
        text = str(exc) if exc.filename is None else f"file not found: {Path(str(exc.filename)).name}"
        if text.startswith("region file not found"):
            text = f"{region_field}: {text}"
        return _one_line(f"{prefix}{text}")
    if isinstance(exc, UnicodeDecodeError):
        return _one_line(f"{prefix}not UTF-8 text (byte at offset {exc.start}); save it as UTF-8")
    if isinstance(exc, OSError):
        return _one_line(f"{prefix}{exc.strerror or exc}")
    return _one_line(f"{prefix}{exc}" if str(exc) else f"{prefix}{type(exc).__name__}")


def is_input_error(exc: BaseException) -> bool:
    """Exceptions that mean "bad input" (exit 2) rather than a bug (exit 3): also a parallel
    backend that cannot be used (an unreachable ``--ray-address``, Ray not installed)."""
    from optimizer.decompose.parallel import ParallelBackendError

    if isinstance(exc, ParallelBackendError):
        return True
    return isinstance(exc, (InputError, ValueError, OSError, LookupError)) and not isinstance(exc, (KeyError, IndexError))


RAY_ADDRESS_HELP = ("run territory solves (decomposed problems) and what-if variants as Ray tasks on this cluster "
                    "(host:port or ray://host:port; 'local' starts a Ray runtime here); sets DISPATCH_RAY_ADDRESS "
                    "and DISPATCH_PARALLEL=ray; an unreachable address is an error within seconds (exit 2)")


def use_ray_address(address: Optional[str]) -> None:
    """``--ray-address``: the same as ``DISPATCH_PARALLEL=ray DISPATCH_RAY_ADDRESS=address``
    (``local``: a local Ray runtime on this machine's cores)."""
    import os

    if not address:
        return
    os.environ["DISPATCH_PARALLEL"] = "ray"
    if address == "local":
        os.environ.pop("DISPATCH_RAY_ADDRESS", None)
    else:
        os.environ["DISPATCH_RAY_ADDRESS"] = address
