"""Server settings, read once from environment variables (``DISPATCH_*``).

Every setting has a default that suits a single machine; see docs/api.md for the table.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Mapping, Optional


def _default_workers() -> int:
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Settings:
    """HTTP server settings. Units are in the names (``_s`` seconds, ``_bytes`` bytes)."""

    db_path: Path = field(default=Path("dispatch.db"), metadata={"env": "DISPATCH_DB"})
    """SQLite file holding asynchronous optimization jobs and their results."""
    database_url: Optional[str] = field(default=None, metadata={"env": "DISPATCH_DATABASE_URL"})
    """``postgresql://user[:password]@host:port/dbname``: jobs, plans and scenarios live in this
    PostgreSQL database, shared by several API replicas (needs the ``postgres`` extra). Unset:
    the SQLite file ``DISPATCH_DB``."""
    replica_id: str = field(default_factory=socket.gethostname, metadata={"env": "DISPATCH_REPLICA_ID"})
    """This replica's name on a shared database (default: the host name; give each replica on
    one host its own). A restart re-queues the running jobs of this name only (and any job whose
    lease expired), never another live replica's."""
    lease_s: float = field(default=30.0, metadata={"env": "DISPATCH_LEASE_S"})
    """Shared database: a running job's lease. Its replica renews it every third of this while
    the solve runs; when a replica dies, the others take its running jobs over this long after
    its last renewal (and within DISPATCH_ADOPT_EVERY_S more)."""
    adopt_every_s: float = field(default=5.0, metadata={"env": "DISPATCH_ADOPT_EVERY_S"})
    """Shared database: how often a replica with idle workers takes queued jobs (another
    replica's backlog, or the running jobs of a replica whose lease ran out) from the database."""
    workers: int = field(default_factory=_default_workers, metadata={"env": "DISPATCH_WORKERS"})
    """Solver worker processes (default: CPU count); with the Ray backend, the tasks this replica
    runs at once on the cluster."""
    solver_backend: str = field(default="processes", metadata={"env": "DISPATCH_SOLVER_BACKEND"})
    """``processes`` (local worker processes) or ``ray`` (solves as Ray tasks: several replicas
    share one cluster of solvers; needs the ``ray`` extra)."""
    ray_address: Optional[str] = field(default=None, metadata={"env": "DISPATCH_RAY_ADDRESS"})
    """With ``DISPATCH_SOLVER_BACKEND=ray``: the Ray cluster (``host:port`` of its head, or
    ``ray://host:port``). Unset: a local Ray runtime with ``DISPATCH_WORKERS`` CPUs, started by
    the server. An unreachable address stops the server within seconds (exit 2)."""
    max_queue: int = field(default=16, metadata={"env": "DISPATCH_MAX_QUEUE"})
    """Tasks waiting for a worker (not yet running) before new ones get 429."""
    sync_time_limit_s: float = field(default=30.0, metadata={"env": "DISPATCH_SYNC_TIME_LIMIT_S"})
    """POST /v1/optimize caps options.time_limit_s at this (a warning says so)."""
    max_time_limit_s: float = field(default=600.0, metadata={"env": "DISPATCH_MAX_TIME_LIMIT_S"})
    """options.time_limit_s above this is refused with 422 (asynchronous jobs included)."""
    max_body_bytes: int = field(default=10_000_000, metadata={"env": "DISPATCH_MAX_BODY_BYTES"})
    """Request bodies larger than this get 413."""
    max_jobs: int = field(default=5000, metadata={"env": "DISPATCH_MAX_JOBS"})
    """Jobs per problem; more gets 422."""
    max_technicians: int = field(default=500, metadata={"env": "DISPATCH_MAX_TECHNICIANS"})
    """Technicians per problem; more gets 422."""
    max_locations: int = field(default=2000, metadata={"env": "DISPATCH_MAX_LOCATIONS"})
    """Locations per POST /v1/matrix request; more gets 422."""
    shutdown_grace_s: float = field(default=20.0, metadata={"env": "DISPATCH_SHUTDOWN_GRACE_S"})
    """On SIGTERM, running solves get this many seconds to finish; then they are stopped and
    queued again (queued jobs stay queued); both run after the restart."""
    max_variants: int = field(default=10, metadata={"env": "DISPATCH_MAX_VARIANTS"})
    """Variants per POST /v1/scenarios; more gets 422. Every run takes a queue place."""
    recommend_workers: int = field(default=2, metadata={"env": "DISPATCH_RECOMMEND_WORKERS"})
    """Processes computing recommendations (apart from the solver workers and the event loop)."""
    max_recommendations: int = field(default=8, metadata={"env": "DISPATCH_MAX_RECOMMENDATIONS"})
    """Recommendation requests running or waiting at once; more get 429."""
    body_timeout_s: float = field(default=10.0, metadata={"env": "DISPATCH_BODY_TIMEOUT_S"})
    """A request body that pauses longer than this, or takes longer than 6 times this in all,
    gets 408 and its connection is closed."""
    api_keys: tuple[str, ...] = field(default=(), metadata={"env": "DISPATCH_API_KEYS"})
    """Comma-separated API keys; when non-empty every /v1 route needs ``X-API-Key``."""
    allowed_regions: tuple[str, ...] = field(default=(), metadata={"env": "DISPATCH_ALLOWED_REGIONS"})
    """Comma-separated OSM extract paths a request may name in ``options.region``. Empty (the
    default): requests may not choose a region file; the server's default region (the
    ``DISPATCH_REGION`` extract, else the embedded Helsinki one) is used. A client never makes
    the server open a path of its choosing."""

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None, **overrides) -> "Settings":
        """Settings from ``env`` (default ``os.environ``); keyword ``overrides`` win."""
        env = os.environ if env is None else env
        values: dict = {}
        for f in fields(cls):
            raw = env.get(f.metadata["env"])
            if raw is None or raw.strip() == "":
                continue
            values[f.name] = _parse(f.name, f.metadata["env"], raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.check()
        return settings

    @property
    def database(self) -> "str | Path":
        """Where the stores live: the PostgreSQL URL, else the SQLite file."""
        return self.database_url or self.db_path

    def check(self) -> None:
        if self.solver_backend not in ("processes", "ray"):
            raise ValueError(f"environment variable DISPATCH_SOLVER_BACKEND={self.solver_backend!r}: expected processes or ray")
        if self.database_url is not None:
            from api.db import check_url

            check_url(self.database_url)
        for name in ("workers", "max_queue", "max_body_bytes", "max_jobs", "max_technicians", "max_locations",
                     "max_variants", "recommend_workers", "max_recommendations"):
            if getattr(self, name) < 1:
                raise ValueError(f"setting {name} must be >= 1, got {getattr(self, name)}")
        if self.shutdown_grace_s < 0:
            raise ValueError(f"setting shutdown_grace_s must be >= 0, got {self.shutdown_grace_s}")
        for name in ("sync_time_limit_s", "max_time_limit_s", "body_timeout_s", "lease_s", "adopt_every_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"setting {name} must be > 0, got {getattr(self, name)}")


def _parse(name: str, env_name: str, raw: str):
    try:
        if name == "db_path":
            return Path(raw)
        if name in ("database_url", "replica_id", "ray_address"):
            return raw.strip()
        if name == "solver_backend":
            return raw.strip().lower()
        if name in ("api_keys", "allowed_regions"):
            return tuple(k.strip() for k in raw.split(",") if k.strip())
        if name.endswith("_s"):
            return float(raw)
        return int(raw)
    except ValueError:
        raise ValueError(f"environment variable {env_name}={raw!r} is not a valid {name}") from None
