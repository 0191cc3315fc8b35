"""Fixtures for API tests: one shared real server (``dispatch serve``) and small problems."""

from __future__ import annotations

import time

import httpx
import pytest

from tests import factories as f
from tests.api.server import ApiServer

SYNC_TIME_LIMIT_S = 1.0
MAX_QUEUE = 4


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> ApiServer:
    """A real server on loopback: 2 workers, queue of 4, sync solves capped at 1 s, small limits."""
    db = tmp_path_factory.mktemp("api") / "jobs.db"
    srv = ApiServer(
        db, how="cli", workers=2,
        DISPATCH_MAX_QUEUE=MAX_QUEUE, DISPATCH_SYNC_TIME_LIMIT_S=SYNC_TIME_LIMIT_S,
        DISPATCH_MAX_TIME_LIMIT_S=60, DISPATCH_MAX_JOBS=200, DISPATCH_MAX_TECHNICIANS=50,
        DISPATCH_MAX_LOCATIONS=300, DISPATCH_MAX_BODY_BYTES=2_000_000,
    ).start()
    yield srv
    srv.stop()


@pytest.fixture()
def client(server) -> httpx.Client:
    with server.client() as c:
        yield c


def small_problem(n_jobs: int = 6, time_limit_s: float = 1.0, infeasible: bool = True) -> dict:
    """Two technicians in central Helsinki, ``n_jobs`` jobs; with ``infeasible`` one more job
    needs a skill nobody has (it must come back unassigned with a reason)."""
    techs = [
        f.tech("t1", skills={"hvac": 2, "electrical": 1}, breaks=[{"earliest_start": f.at(11.5), "latest_start": f.at(12.5), "duration_min": 30}]),
        f.tech("t2", skills=["electrical"], loc=f.point(2, -1)),
    ]
    jobs = [
        f.job(f"j{i}", loc=f.point((i % 4) - 1.5, (i // 4) - 1), duration_min=20 + 5 * (i % 3),
              skills={"electrical": 1} if i % 2 else {},
              time_windows=[f.window(8 + i % 5, 16)], sla_deadline=f.at(15), priority=["urgent", "high", "normal", "low"][i % 4])
        for i in range(n_jobs)
    ]
    if infeasible:
        jobs.append(f.job("jx", skills={"plumbing": 3}))
    return f.problem(techs, jobs, time_limit_s=time_limit_s).model_dump(mode="json", exclude_none=True)


def wait_for(client: httpx.Client, job_id: str, statuses=("succeeded", "failed", "cancelled"), timeout_s: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = client.get(f"/v1/optimizations/{job_id}").json()
        if body["status"] in statuses:
            return body
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} not in {statuses} after {timeout_s} s: {body}")
