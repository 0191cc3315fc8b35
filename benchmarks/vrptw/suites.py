"""The standard VRPTW suites under ``<instances>/`` (see ``../shared/instances/README.md``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Suite:
    name: str
    folder: str
    pattern: str


SUITES = {
    "solomon": Suite("solomon", "solomon", "*.txt"),
    "homberger200": Suite("homberger200", "homberger200", "*.txt"),
    "homberger1000": Suite("homberger1000", "homberger1000", "*.vrp"),
}

FAMILIES = ("C1", "C2", "R1", "R2", "RC1", "RC2")


def _natural(path: Path) -> tuple:
    import re

    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.stem.upper()))


def instance_paths(instances_dir: Path, suite: str, name_filter: str | None = None) -> list[Path]:
    """Instance files of ``suite``; ``name_filter`` keeps names starting with it (case-insensitive),
    or names listed comma-separated (e.g. ``R1`` or ``C101,R201``)."""
    spec = SUITES[suite]
    paths = sorted((Path(instances_dir) / spec.folder).glob(spec.pattern), key=_natural)
    if name_filter:
        keys = [k.strip().upper() for k in name_filter.split(",") if k.strip()]
        paths = [p for p in paths if any(_matches(p.stem.upper(), k) for k in keys)]
    return paths


def _matches(stem: str, key: str) -> bool:
    """Exact name or prefix; a prefix ``R``/``R1``/``R2`` does not select ``RC`` instances."""
    if stem == key:
        return True
    if not stem.startswith(key):
        return False
    return not (key in ("R", "R1", "R2") and stem.startswith("RC"))
