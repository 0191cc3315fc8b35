"""Where data lives: the repository's data/ folder and the shared data beside the checkout."""

from __future__ import annotations

import os
from pathlib import Path

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
