"""A real PostgreSQL server for the tests (``scripts/ensure_postgres.sh``: a throwaway cluster
in a temporary directory, run by the ``postgres`` user) and a fresh database per test.

Without PostgreSQL installed the tests that need it skip with a clear message, unless
DISPATCH_REQUIRE_POSTGRES=1 (set by .ci/run): then it is a failure. DISPATCH_TEST_DATABASE_URL
names an existing server instead (its user must be allowed to CREATE DATABASE)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / "scripts" / "ensure_postgres.sh"


def _unavailable(message: str):
    if os.environ.get("DISPATCH_REQUIRE_POSTGRES") == "1":
        pytest.fail(message + " (DISPATCH_REQUIRE_POSTGRES=1)")
    pytest.skip(message)


def start_cluster():
    """Yield the URL of a running PostgreSQL server (started here unless given), then stop it."""
    given = os.environ.get("DISPATCH_TEST_DATABASE_URL")
    if given:
        yield given
        return
    base = tempfile.mkdtemp(prefix="dispatch-pg-")
    os.chmod(base, 0o711)  # the `postgres` user must reach its data directory inside
    directory = os.path.join(base, "pg")
    run = subprocess.run([str(SCRIPT), "start", directory], capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        subprocess.run([str(SCRIPT), "stop", directory], capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)
    if run.returncode == 3:
        _unavailable("PostgreSQL tests need a PostgreSQL server: " + run.stderr.strip().removeprefix("error: "))
    if run.returncode != 0:
        pytest.fail(f"scripts/ensure_postgres.sh start failed ({run.returncode}): {run.stderr[-2000:]}")
    try:
        yield run.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([str(SCRIPT), "stop", directory], capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    """Create an empty database on the server; its URL."""
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed: pip install -e '.[postgres]'")
    name = "t_" + uuid.uuid4().hex[:16]
    with psycopg.connect(server_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + "/" + name
