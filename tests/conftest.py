"""Shared fixtures. Tests that need ../shared are marked ``shared`` and use ``shared_dir``: it
skips with a clear message when the folder is absent, unless DISPATCH_REQUIRE_SHARED=1 (set by
.ci/run), in which case a missing folder is a failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from optimizer.paths import shared_dir as _shared_dir


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = _shared_dir()
    if not (path / "instances").is_dir() or not (path / "regions").is_dir():
        message = f"shared data not found at {path} (set DISPATCH_SHARED_DIR); shared tests need it"
        if os.environ.get("DISPATCH_REQUIRE_SHARED") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path
