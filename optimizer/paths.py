"""Where data lives: the demo problem shipped inside the package, and, for a source checkout,
the repository's data/ folder (samples, generators) and the shared data beside it.

The library reads only :data:`DEMO_PROBLEM` (package data, present in any install).
:data:`REPO_ROOT` and :data:`DATA_DIR` describe a source checkout and exist only there; the
shared folder is found through ``$DISPATCH_SHARED_DIR`` or, in a checkout, beside it."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_PROBLEM = PACKAGE_DATA_DIR / "demo_problem.json"

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"


def shared_dir() -> Path:
    """The shared data folder (benchmark instances, OSM regions): ``$DISPATCH_SHARED_DIR`` or
    ``../shared`` beside the repository root. May not exist."""
    env = os.environ.get("DISPATCH_SHARED_DIR")
    return Path(env).resolve() if env else (REPO_ROOT.parent / "shared").resolve()


def instances_dir() -> Path:
    return shared_dir() / "instances"


def regions_dir() -> Path:
    return shared_dir() / "regions"
