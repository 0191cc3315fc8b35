"""What-if scenario records: one ``scenarios`` table in the same database as the job store
(:mod:`api.store`: a SQLite file or PostgreSQL, through :mod:`api.db`); each row names the optimization jobs that are its runs."""

from __future__ import annotations

import json
import uuid
from typing import Optional

from api.db import Database, Target
from api.store import now_iso

SCHEMA = """
CREATE TABLE IF NOT EXISTS scenarios (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    runs        TEXT NOT NULL
);
"""


class ScenarioStore:
    """``scenarios`` rows: id, name, creation time and the runs (JSON list of
    ``{name, description, optimization_id}``, base first). Blocking; call through a thread."""

    def __init__(self, target: Target):
        self._db = Database(target, sqlite_timeout_s=10)
        self._db.script(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def create(self, name: str, runs: list[dict]) -> tuple[str, str]:
        scenario_id, created = uuid.uuid4().hex, now_iso()
        self._db.execute("INSERT INTO scenarios (id, name, created_at, runs) VALUES (?, ?, ?, ?)",
                         (scenario_id, name, created, json.dumps(runs)))
        return scenario_id, created

    def get(self, scenario_id: str) -> Optional[tuple[str, str, list[dict]]]:
        row = self._db.execute("SELECT name, created_at, runs FROM scenarios WHERE id = ?", (scenario_id,)).fetchone()
        return (row[0], row[1], json.loads(row[2])) if row else None
