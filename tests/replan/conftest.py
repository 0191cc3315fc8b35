"""Small re-planning fixtures: a 3-technician day solved once per session, and a mid-morning
state of it."""

from __future__ import annotations

from datetime import datetime

import pytest

from benchmarks.simulated_day import advance
from optimizer.models import Problem, Solution
from optimizer.solve import solve
from tests import factories as f


def day_problem() -> Problem:
    lunch = [{"earliest_start": f.at(11.5), "latest_start": f.at(13), "duration_min": 30}]
    techs = [
        f.tech("A", skills={"hvac": 2, "electrical": 1}, breaks=lunch),
        f.tech("B", skills=["electrical"], loc=f.point(2, -1), breaks=lunch),
        f.tech("C", skills={"electrical": 1, "plumbing": 1}, loc=f.point(-2, 1), end=17, breaks=lunch),
    ]
    jobs = [
        f.job(f"j{i:02d}", loc=f.point((i % 5) - 2, (i // 5) - 1.5), duration_min=30 + 15 * (i % 3),
              skills={"electrical": 1} if i % 3 else {},
              sla_deadline=f.at(12 + (i % 5)) if i % 2 else None,
              priority=["high", "normal", "low"][i % 3])
        for i in range(15)
    ]
    return f.problem(techs, jobs, time_limit_s=1.0, matrix="haversine", candidates_per_job=0)


@pytest.fixture(scope="session")
def day() -> tuple[Problem, Solution]:
    problem = day_problem()
    return problem, solve(problem)


def at(hours: float) -> datetime:
    return datetime.fromisoformat(f.at(hours))


@pytest.fixture()
def morning(day) -> tuple[Problem, Solution]:
    """The state at 10:00 with the plan executed as planned, freeze 20 minutes."""
    problem, plan = day
    return advance(problem, plan, at(10), freeze_min=20), plan
