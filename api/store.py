"""Persistent store of asynchronous optimization jobs: one SQLite file.

A job row holds the submitted problem (JSON), its status
(``queued -> running -> succeeded | failed | cancelled``), timestamps (ISO-8601 UTC), the
Solution JSON when it succeeded and a reason when it failed or was cancelled. Rows survive a
restart. A graceful stop puts running jobs it could not finish back to ``queued``
(:meth:`JobStore.requeue`); after a crash (``kill -9``, power loss) :meth:`JobStore.recover` does
the same for jobs still ``running``, at most :data:`MAX_INTERRUPTIONS` times per job (a job
that keeps taking the server down is then ``failed`` with the reason), and returns the queued
ids so they run again.

All methods are blocking and thread-safe (one connection guarded by a lock); the HTTP layer calls
them through ``asyncio.to_thread`` so the event loop never waits on the disk.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id            TEXT PRIMARY KEY,
    status        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    started_at    TEXT,
    finished_at   TEXT,
    time_limit_s  REAL NOT NULL,
    problem       TEXT NOT NULL,
    solution      TEXT,
    error         TEXT
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, created_at);
"""

TERMINAL = ("succeeded", "failed", "cancelled")
MAX_INTERRUPTIONS = 3
"""A job found ``running`` after this many server crashes is failed instead of re-run."""
INTERRUPTED_REASON = (
    f"interrupted: the server stopped while this job was running, {MAX_INTERRUPTIONS} times; submit it again"
)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass
class JobRecord:
    """One row of the store (``solution`` and ``problem`` are JSON text)."""

    id: str
    status: str
    created_at: str
    started_at: Optional[str]
    finished_at: Optional[str]
    time_limit_s: float
    solution: Optional[str]
    error: Optional[str]


class JobStore:
    """SQLite-backed job table; see module docstring."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(jobs)")}
        if "interruptions" not in columns:  # files written before this column existed
            self._db.execute("ALTER TABLE jobs ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def create(self, problem_json: str, time_limit_s: float) -> JobRecord:
        job_id = uuid.uuid4().hex
        created = now_iso()
        with self._lock:
            self._db.execute(
                "INSERT INTO jobs (id, status, created_at, time_limit_s, problem) VALUES (?, 'queued', ?, ?, ?)",
                (job_id, created, time_limit_s, problem_json),
            )
        return JobRecord(job_id, "queued", created, None, None, time_limit_s, None, None)

    def get(self, job_id: str) -> Optional[JobRecord]:
        with self._lock:
            row = self._db.execute(
                "SELECT id, status, created_at, started_at, finished_at, time_limit_s, solution, error FROM jobs WHERE id = ?",
                (job_id,),
            ).fetchone()
        return JobRecord(*row) if row else None

    def problem_json(self, job_id: str) -> Optional[str]:
        with self._lock:
            row = self._db.execute("SELECT problem FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return row[0] if row else None

    def mark_running(self, job_id: str) -> bool:
        """queued -> running; False when the job is no longer queued (e.g. cancelled)."""
        with self._lock:
            cur = self._db.execute(
                "UPDATE jobs SET status = 'running', started_at = ? WHERE id = ? AND status = 'queued'",
                (now_iso(), job_id),
            )
        return cur.rowcount == 1

    def finish(self, job_id: str, status: str, solution: Optional[str] = None, error: Optional[str] = None) -> bool:
        """Move a queued/running job to a terminal status; False when it already was terminal."""
        if status not in TERMINAL:
            raise ValueError(f"not a terminal status: {status}")
        with self._lock:
            cur = self._db.execute(
                "UPDATE jobs SET status = ?, finished_at = ?, solution = ?, error = ? "
                "WHERE id = ? AND status IN ('queued', 'running')",
                (status, now_iso(), solution, error, job_id),
            )
        return cur.rowcount == 1

    def requeue(self, job_id: str) -> bool:
        """running -> queued (the server stopped before the solve finished; it runs again)."""
        with self._lock:
            cur = self._db.execute(
                "UPDATE jobs SET status = 'queued', started_at = NULL WHERE id = ? AND status = 'running'",
                (job_id,),
            )
        return cur.rowcount == 1

    def recover(self) -> list[str]:
        """After a restart: jobs still ``running`` (the server crashed) are queued again, or
        failed after :data:`MAX_INTERRUPTIONS` crashes; return queued ids, oldest first."""
        with self._lock:
            self._db.execute(
                "UPDATE jobs SET status = 'failed', finished_at = ?, error = ? WHERE status = 'running' AND interruptions + 1 >= ?",
                (now_iso(), INTERRUPTED_REASON, MAX_INTERRUPTIONS),
            )
            self._db.execute(
                "UPDATE jobs SET status = 'queued', started_at = NULL, interruptions = interruptions + 1 WHERE status = 'running'"
            )
            rows = self._db.execute(
                "SELECT id FROM jobs WHERE status = 'queued' ORDER BY created_at"
            ).fetchall()
        return [r[0] for r in rows]

    def count_by_status(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall()
        return {status: n for status, n in rows}
