"""Persistent store of live plans, beside the job store in the same SQLite file or PostgreSQL
database (:mod:`api.db`).

Tables (created on first use):

* ``plans``: id, creation instant, current version number, settings JSON, the optimization job
  it came from (if any);
* ``plan_versions``: every version of every plan (zlib-compressed JSON of
  :class:`optimizer.live.PlanVersion`), plus the part of its day that can still move (the
  re-plan's derived problem and its routes, for recommendations);
* ``plan_events``: which event id was applied by which version (idempotency: an id is applied
  once, ever);
* ``plan_feed``: the change feed, one numbered entry per message (``version``, ``risk``,
  ``escalation``), read by ``GET /v1/plans/{id}/stream`` from ``Last-Event-ID``.

A new version, its event ids and its feed entries are written in one transaction, and only if
the plan is still at the version it was made from (:class:`VersionConflict` otherwise), so a
version is never half written and never lost once answered. The check is the database's:
``UPDATE plans SET version = new WHERE id = ? AND version = expected`` (a row lock on
PostgreSQL), so posts to one plan through several API replicas are serialised too. Blocking and thread-safe; the HTTP
layer calls it through ``asyncio.to_thread``.
"""

from __future__ import annotations

import sqlite3
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from api.db import Database, Target, is_postgres
from api.store import now_iso

SCHEMA = """
CREATE TABLE IF NOT EXISTS plans (
    id          TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL,
    version     INTEGER NOT NULL,
    settings    TEXT NOT NULL,
    source_job  TEXT
);
CREATE TABLE IF NOT EXISTS plan_versions (
    plan_id     TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    body        BLOB NOT NULL,
    movable     BLOB,
    PRIMARY KEY (plan_id, version)
);
CREATE TABLE IF NOT EXISTS plan_events (
    plan_id     TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    version     INTEGER NOT NULL,
    PRIMARY KEY (plan_id, event_id)
);
CREATE TABLE IF NOT EXISTS plan_feed (
    plan_id     TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (plan_id, seq)
);
"""


class VersionConflict(Exception):
    """The plan moved on: ``current`` is its version now."""

    def __init__(self, current: int):
        super().__init__(f"the plan is at version {current}")
        self.current = current


@dataclass
class PlanRecord:
    id: str
    created_at: str
    version: int
    settings: str
    source_job: Optional[str]


@dataclass
class FeedEntry:
    seq: int
    version: int
    kind: str
    data: str


def pack(text: str) -> bytes:
    return zlib.compress(text.encode(), 3)


def unpack(blob: Optional[bytes]) -> Optional[str]:
    return None if blob is None else zlib.decompress(blob).decode()


class PlanStore:
    """See module docstring. ``movable`` is JSON ``{"derived": Problem|null, "suffix": Solution|null}``."""

    def __init__(self, target: Target):
        self.path = target
        self._db = Database(target)
        self.shared = self._db.postgres
        """Several API replicas may write this database (PostgreSQL)."""
        self._db.script(SCHEMA)

    def close(self) -> None:
        self._db.close()

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex

    def create(self, plan_id: str, settings_json: str, version_json: str, movable_json: str, feed: Sequence[tuple[str, str]],
               source_job: Optional[str] = None) -> PlanRecord:
        created = now_iso()
        with self._db.transaction() as db:
            db.execute("INSERT INTO plans (id, created_at, version, settings, source_job) VALUES (?, ?, 1, ?, ?)",
                       (plan_id, created, settings_json, source_job))
            db.execute("INSERT INTO plan_versions (plan_id, version, created_at, body, movable) VALUES (?, 1, ?, ?, ?)",
                       (plan_id, created, pack(version_json), pack(movable_json)))
            self._append_feed(plan_id, 1, feed)
        return PlanRecord(plan_id, created, 1, settings_json, source_job)

    def get(self, plan_id: str) -> Optional[PlanRecord]:
        row = self._db.execute("SELECT id, created_at, version, settings, source_job FROM plans WHERE id = ?", (plan_id,)).fetchone()
        return PlanRecord(*row) if row else None

    def version_json(self, plan_id: str, version: int) -> Optional[str]:
        row = self._db.execute("SELECT body FROM plan_versions WHERE plan_id = ? AND version = ?", (plan_id, version)).fetchone()
        return unpack(row[0]) if row else None

    def movable_json(self, plan_id: str, version: int) -> Optional[str]:
        row = self._db.execute("SELECT movable FROM plan_versions WHERE plan_id = ? AND version = ?", (plan_id, version)).fetchone()
        return unpack(row[0]) if row else None

    def applied(self, plan_id: str, event_ids: Sequence[str]) -> dict[str, int]:
        """Event id -> the version that applied it, for the ids already applied."""
        out: dict[str, int] = {}
        for k in range(0, len(event_ids), 500):
            chunk = list(event_ids[k:k + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT event_id, version FROM plan_events WHERE plan_id = ? AND event_id IN ({marks})",
                                    (plan_id, *chunk)).fetchall()
            out.update({e: v for e, v in rows})
        return out

    def commit(self, plan_id: str, expected: int, version_json: str, movable_json: str, event_ids: Sequence[str],
               feed: Sequence[tuple[str, str]]) -> int:
        """Store version ``expected + 1``; :class:`VersionConflict` if the plan is no longer at
        ``expected`` or an event id was applied meanwhile (then nothing is written)."""
        new = expected + 1
        try:
            with self._db.transaction() as db:
                moved = db.execute("UPDATE plans SET version = ? WHERE id = ? AND version = ?", (new, plan_id, expected))
                if moved.rowcount != 1:
                    row = db.execute("SELECT version FROM plans WHERE id = ?", (plan_id,)).fetchone()
                    raise VersionConflict(row[0] if row else 0)
                db.executemany("INSERT INTO plan_events (plan_id, event_id, version) VALUES (?, ?, ?)",
                               [(plan_id, e, new) for e in event_ids])
                db.execute("INSERT INTO plan_versions (plan_id, version, created_at, body, movable) VALUES (?, ?, ?, ?, ?)",
                           (plan_id, new, now_iso(), pack(version_json), pack(movable_json)))
                self._append_feed(plan_id, new, feed)
        except self._db.integrity_errors:
            raise VersionConflict(expected) from None
        return new

    def _append_feed(self, plan_id: str, version: int, feed: Sequence[tuple[str, str]]) -> None:
        row = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM plan_feed WHERE plan_id = ?", (plan_id,)).fetchone()
        seq = row[0]
        for kind, data in feed:
            seq += 1
            self._db.execute("INSERT INTO plan_feed (plan_id, seq, version, kind, data) VALUES (?, ?, ?, ?, ?)",
                             (plan_id, seq, version, kind, data))

    def feed_after(self, plan_id: str, seq: int, limit: int = 500) -> list[FeedEntry]:
        rows = self._db.execute("SELECT seq, version, kind, data FROM plan_feed WHERE plan_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                                (plan_id, seq, limit)).fetchall()
        return [FeedEntry(*r) for r in rows]


def read_only_json(target: Target, plan_id: str, version: int, column: str) -> Optional[str]:
    """One stored column (``body`` or ``movable``) of a version, read by another process (a
    worker) on its own connection (read-only for a SQLite file)."""
    if column not in ("body", "movable"):
        raise ValueError(column)
    if is_postgres(target):
        db = Database(target)
        try:
            row = db.execute(f"SELECT {column} FROM plan_versions WHERE plan_id = ? AND version = ?", (plan_id, version)).fetchone()
        finally:
            db.close()
        return unpack(row[0]) if row else None
    conn = sqlite3.connect(f"file:{Path(target).resolve()}?mode=ro", uri=True, timeout=30)
    try:
        row = conn.execute(f"SELECT {column} FROM plan_versions WHERE plan_id = ? AND version = ?", (plan_id, version)).fetchone()
    finally:
        conn.close()
    return unpack(row[0]) if row else None
