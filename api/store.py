"""Persistent store of asynchronous optimization jobs: one SQLite file, or a PostgreSQL database
shared by several API replicas (``DISPATCH_DATABASE_URL``; the dialect seam is :mod:`api.db`).

A job row holds the submitted problem (JSON), its status
(``queued -> running -> succeeded | failed | cancelled``), timestamps (ISO-8601 UTC), the
Solution JSON when it succeeded and a reason when it failed or was cancelled. Rows survive a
restart. A graceful stop puts running jobs it could not finish back to ``queued``
(:meth:`JobStore.requeue`); after a crash (``kill -9``, power loss) :meth:`JobStore.recover` does
the same for jobs still ``running``, at most :data:`MAX_INTERRUPTIONS` times per job (a job
that keeps taking the server down is then ``failed`` with the reason), and returns the queued
ids so they run again.

Several replicas on one PostgreSQL database: a job is claimed by exactly one replica
(:meth:`JobStore.mark_running` is ``UPDATE ... WHERE status = 'queued'``, which records the
replica as ``owner`` and a lease of ``lease_s`` seconds). The replica renews the lease of every
job it is still solving (:meth:`JobStore.renew`, every third of ``lease_s``), so a long solve
(or one waiting for a free Ray worker) is never taken from a live replica; a replica that died
stops renewing, and its jobs are taken over once the lease ran out. :meth:`JobStore.recover`
re-queues only running jobs this replica owned or whose lease expired, never another live
replica's. With SQLite (one server per file) it re-queues them all. A claimed job's outcome is
written only while this replica still owns it (:meth:`JobStore.finish` with ``owned``).

All methods are blocking and thread-safe (one connection guarded by a lock); the HTTP layer calls
them through ``asyncio.to_thread`` so the event loop never waits on the disk.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

from api.db import Database, Target

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
    error         TEXT,
    interruptions INTEGER NOT NULL DEFAULT 0,
    owner         TEXT,
    lease_until   TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, created_at);
"""

TERMINAL = ("succeeded", "failed", "cancelled")
MAX_INTERRUPTIONS = 3
"""A job found ``running`` after this many server crashes is failed instead of re-run."""
DEFAULT_LEASE_S = 30.0
"""A claimed job's lease, renewed while its replica solves it (``DISPATCH_LEASE_S``)."""
INTERRUPTED_REASON = (
    f"interrupted: the server stopped while this job was running, {MAX_INTERRUPTIONS} times; submit it again"
)


def now_iso(after_s: float = 0.0) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=after_s)).isoformat(timespec="milliseconds")


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
    """The job table; see module docstring. ``target``: a SQLite path or a PostgreSQL URL;
    ``owner``: this replica's name (recorded on the jobs it claims)."""

    def __init__(self, target: Target, owner: str = "local", lease_s: float = DEFAULT_LEASE_S):
        self.path = target
        self.owner = owner
        self.lease_s = lease_s
        self._db = Database(target)
        self.shared = self._db.postgres
        self._db.script(SCHEMA)
        columns = self._db.columns("jobs")  # SQLite files written before these columns existed:
        if "interruptions" not in columns:
            self._db.execute("ALTER TABLE jobs ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0")
        for name in ("owner", "lease_until"):
            if name not in columns:
                self._db.execute(f"ALTER TABLE jobs ADD COLUMN {name} TEXT")
        if "attempts" not in columns:
            self._db.execute("ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0")

    def close(self) -> None:
        self._db.close()

    def create(self, problem_json: str, time_limit_s: float) -> JobRecord:
        job_id = uuid.uuid4().hex
        created = now_iso()
        self._db.execute(
            "INSERT INTO jobs (id, status, created_at, time_limit_s, problem) VALUES (?, 'queued', ?, ?, ?)",
            (job_id, created, time_limit_s, problem_json),
        )
        return JobRecord(job_id, "queued", created, None, None, time_limit_s, None, None)

    def get(self, job_id: str) -> Optional[JobRecord]:
        row = self._db.execute(
            "SELECT id, status, created_at, started_at, finished_at, time_limit_s, solution, error FROM jobs WHERE id = ?",
            (job_id,),
        ).fetchone()
        return JobRecord(*row) if row else None

    def statuses(self, job_ids: list[str]) -> dict[str, str]:
        """Job id -> status, for the ids that exist."""
        if not job_ids:
            return {}
        marks = ",".join("?" * len(job_ids))
        rows = self._db.execute(f"SELECT id, status FROM jobs WHERE id IN ({marks})", job_ids).fetchall()
        return {job_id: status for job_id, status in rows}

    def owner_of(self, job_id: str) -> Optional[str]:
        """The replica that claimed the job last (None before any claim)."""
        row = self._db.execute("SELECT owner FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return row[0] if row else None

    def attempts(self, job_id: str) -> int:
        """How many times the job was claimed (started) by any replica."""
        row = self._db.execute("SELECT attempts FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return int(row[0]) if row else 0

    def problem_json(self, job_id: str) -> Optional[str]:
        row = self._db.execute("SELECT problem FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return row[0] if row else None

    def mark_running(self, job_id: str) -> bool:
        """queued -> running, claimed by this replica; False when the job is no longer queued
        (cancelled, or another replica claimed it first)."""
        cur = self._db.execute(
            "UPDATE jobs SET status = 'running', started_at = ?, owner = ?, lease_until = ?, attempts = attempts + 1 "
            "WHERE id = ? AND status = 'queued'",
            (now_iso(), self.owner, now_iso(self.lease_s), job_id),
        )
        return cur.rowcount == 1

    def renew(self, job_ids: list[str]) -> list[str]:
        """Extend the lease of these running jobs of this replica by ``lease_s`` from now; return
        the ids of stored jobs it no longer holds (another replica took them after the lease ran
        out, or they were cancelled or finished meanwhile). Ids that are not jobs are ignored."""
        if not job_ids:
            return []
        marks = ",".join("?" * len(job_ids))
        with self._db.transaction() as db:
            db.execute(
                f"UPDATE jobs SET lease_until = ? WHERE id IN ({marks}) AND status = 'running' AND owner = ?",
                (now_iso(self.lease_s), *job_ids, self.owner),
            )
            rows = db.execute(f"SELECT id, status, owner FROM jobs WHERE id IN ({marks})", job_ids).fetchall()
        return [job_id for job_id, status, owner in rows if status != "running" or owner != self.owner]

    def lease_until(self, job_id: str) -> Optional[str]:
        row = self._db.execute("SELECT lease_until FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return row[0] if row else None

    def finish(self, job_id: str, status: str, solution: Optional[str] = None, error: Optional[str] = None,
               owned: bool = False) -> bool:
        """Move a queued/running job to a terminal status; False when it already was terminal.
        ``owned``: only a job this replica claimed and still holds (the outcome of its own solve;
        a job another replica took over after this one's lease ran out is left to that one)."""
        if status not in TERMINAL:
            raise ValueError(f"not a terminal status: {status}")
        where, params = ("status = 'running' AND owner = ?", [self.owner]) if owned else ("status IN ('queued', 'running')", [])
        cur = self._db.execute(
            f"UPDATE jobs SET status = ?, finished_at = ?, solution = ?, error = ? WHERE id = ? AND {where}",
            (status, now_iso(), solution, error, job_id, *params),
        )
        return cur.rowcount == 1

    def requeue(self, job_id: str) -> bool:
        """running -> queued (this replica stopped before the solve finished; it runs again)."""
        cur = self._db.execute(
            "UPDATE jobs SET status = 'queued', started_at = NULL, owner = NULL, lease_until = NULL "
            "WHERE id = ? AND status = 'running' AND (owner = ? OR owner IS NULL)",
            (job_id, self.owner),
        )
        return cur.rowcount == 1

    def recover(self) -> list[str]:
        """After a restart: jobs left ``running`` by a crash are queued again, or failed after
        :data:`MAX_INTERRUPTIONS` crashes; return queued ids, oldest first. On a shared
        database only this replica's running jobs and those whose lease expired count as
        crashed; another live replica's running jobs are left alone."""
        if self.shared:
            mine, params = "(owner = ? OR owner IS NULL OR lease_until < ?)", [self.owner, now_iso()]
        else:
            mine, params = "1 = 1", []
        with self._db.transaction() as db:
            db.execute(
                f"UPDATE jobs SET status = 'failed', finished_at = ?, error = ? WHERE status = 'running' AND interruptions + 1 >= ? AND {mine}",
                (now_iso(), INTERRUPTED_REASON, MAX_INTERRUPTIONS, *params),
            )
            db.execute(
                "UPDATE jobs SET status = 'queued', started_at = NULL, owner = NULL, lease_until = NULL, "
                f"interruptions = interruptions + 1 WHERE status = 'running' AND {mine}",
                params,
            )
            rows = db.execute("SELECT id FROM jobs WHERE status = 'queued' ORDER BY created_at").fetchall()
        return [r[0] for r in rows]

    def adoptable(self, limit: int) -> list[tuple[str, float]]:
        """Shared database, for a replica with idle workers: first re-queue other replicas'
        running jobs whose lease expired (their replica died; failed after
        :data:`MAX_INTERRUPTIONS`), then the oldest ``limit`` queued jobs as ``(id,
        time_limit_s)``. Running one still needs :meth:`mark_running`, so a job another replica
        also holds is still solved once."""
        if not self.shared or limit < 1:
            return []
        expired, params = "owner IS NOT NULL AND owner <> ? AND lease_until < ?", (self.owner, now_iso())
        with self._db.transaction() as db:
            db.execute(
                f"UPDATE jobs SET status = 'failed', finished_at = ?, error = ? WHERE status = 'running' AND interruptions + 1 >= ? AND {expired}",
                (now_iso(), INTERRUPTED_REASON, MAX_INTERRUPTIONS, *params),
            )
            db.execute(
                "UPDATE jobs SET status = 'queued', started_at = NULL, owner = NULL, lease_until = NULL, "
                f"interruptions = interruptions + 1 WHERE status = 'running' AND {expired}",
                params,
            )
            rows = db.execute("SELECT id, time_limit_s FROM jobs WHERE status = 'queued' ORDER BY created_at LIMIT ?", (limit,)).fetchall()
        return [(r[0], float(r[1])) for r in rows]

    def count_by_status(self) -> dict[str, int]:
        rows = self._db.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall()
        return {status: n for status, n in rows}
