"""The one seam between the stores and their database: SQLite (the embedded default, one file)
or PostgreSQL (``DISPATCH_DATABASE_URL``, shared by several API replicas).

The stores (:mod:`api.store`, :mod:`api.plan_store`, :mod:`api.scenario_store`) write their
SQL once, with ``?`` placeholders and SQLite type names; :class:`Database` translates the few
differences: placeholders (``%s``), column types (``BLOB`` -> ``BYTEA``, ``REAL`` -> ``DOUBLE
PRECISION``), the write transaction (SQLite ``BEGIN IMMEDIATE``; PostgreSQL row locks taken by
the statements themselves) and the integrity error class. One connection per store, guarded by
a lock (the HTTP layer calls the stores through ``asyncio.to_thread``).

psycopg 3 is imported only when a PostgreSQL URL is given (the ``postgres`` extra).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence, Union

ENV = "DISPATCH_DATABASE_URL"
CONNECT_TIMEOUT_S = 5
"""An unreachable PostgreSQL server is an error after this many seconds, never a hang."""

Target = Union[str, Path]
"""A SQLite file path, or a ``postgresql://`` URL."""


class DatabaseError(ValueError):
    """The database named by the settings cannot be used (the message names the setting). A
    ValueError: ``dispatch serve`` reports it in one line and exits 2."""


def is_postgres(target: Target) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def check_url(url: str) -> None:
    """ValueError naming :data:`ENV` unless ``url`` looks like a PostgreSQL URL."""
    if not is_postgres(url):
        raise ValueError(f"environment variable {ENV}={url!r} is not a PostgreSQL URL (postgresql://user@host:port/dbname)")


def redact(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


def _connect_postgres(url: str) -> Any:
    try:
        import psycopg
    except ImportError:
        raise DatabaseError(f"{ENV} is set but psycopg is not installed: pip install -e '.[postgres]'") from None
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
    except (psycopg.Error, ValueError) as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise DatabaseError(f"{ENV}={redact(url)}: cannot connect to PostgreSQL ({detail})") from None


def check_reachable(target: Target) -> None:
    """Connect once (at most :data:`CONNECT_TIMEOUT_S`), or :class:`DatabaseError`."""
    if is_postgres(target):
        _connect_postgres(str(target)).close()


def integrity_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [sqlite3.IntegrityError]
    try:
        import psycopg
        errors.append(psycopg.errors.IntegrityError)
    except ImportError:
        pass
    return tuple(errors)


class Database:
    """One connection to ``target`` (see module docstring). ``execute`` returns a cursor with
    ``fetchone``/``fetchall``/``rowcount`` in both dialects."""

    def __init__(self, target: Target, sqlite_timeout_s: float = 30.0):
        self.target = target
        self.postgres = is_postgres(target)
        self.lock = threading.RLock()
        self.integrity_errors = integrity_errors()
        self._lost_errors: tuple[type[BaseException], ...] = ()
        if self.postgres:
            self._conn = _connect_postgres(str(target))
            import psycopg

            self._lost_errors = (psycopg.OperationalError,)
        else:
            path = Path(target)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=sqlite_timeout_s)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")

    def sql(self, statement: str) -> str:
        if not self.postgres:
            return statement
        statement = statement.replace("?", "%s")
        return re.sub(r"\bBLOB\b", "BYTEA", re.sub(r"\bREAL\b", "DOUBLE PRECISION", statement))

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement. PostgreSQL: a connection lost since the last statement (server
        restart, idle timeout, fail-over) is opened again and the statement run once more."""
        with self.lock:
            if not self.postgres:
                return self._conn.execute(statement, tuple(params))
            self._reopen_if_lost()
            try:
                return self._conn.execute(self.sql(statement), tuple(params))
            except self._lost_errors:
                if not self._conn.broken and not self._conn.closed:
                    raise
                self._reopen_if_lost()
                return self._conn.execute(self.sql(statement), tuple(params))

    def _reopen_if_lost(self) -> None:
        if self._conn.broken or self._conn.closed:
            self._conn.close()
            self._conn = _connect_postgres(str(self.target))

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.lock:
            if self.postgres:
                with self._conn.cursor() as cur:
                    cur.executemany(self.sql(statement), [tuple(r) for r in rows])
            else:
                self._conn.executemany(statement, rows)

    def script(self, schema: str) -> None:
        """Create tables (idempotent). On PostgreSQL under an advisory lock: replicas starting
        at once do not race on ``CREATE TABLE IF NOT EXISTS``."""
        with self.lock:
            if not self.postgres:
                self._conn.executescript(schema)
                return
            with self._conn.transaction():
                self._conn.execute("SELECT pg_advisory_xact_lock(7171717)")
                for statement in schema.split(";"):
                    if statement.strip():
                        self._conn.execute(self.sql(statement))

    def columns(self, table: str) -> set[str]:
        with self.lock:
            if self.postgres:
                rows = self._conn.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,)).fetchall()
                return {r[0] for r in rows}
            return {row[1] for row in self._conn.execute(f"PRAGMA table_info({table})")}

    @contextmanager
    def transaction(self) -> Iterator["Database"]:
        """A write transaction, held under the connection's lock: SQLite ``BEGIN IMMEDIATE``
        (the file's write lock); PostgreSQL ``BEGIN`` (rows locked by the UPDATEs inside)."""
        with self.lock:
            if self.postgres:
                self._reopen_if_lost()
                with self._conn.transaction():
                    yield self
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self.lock:
            self._conn.close()
