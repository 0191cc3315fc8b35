"""Write the 11:00 re-plan sample of the demo day (data/demo_problem.json):

- ``morning_plan.json``: the morning's plan (native engine, seed 0, 3,000 iterations: deterministic;
  written without its KPIs, which any command recomputes);
- ``events_1100.json``: what the field app reported by 11:00, plus two disruptions:

  * ``job_completed`` for every job the plan finished by 10:45, at its planned end plus 0-2 min,
    EXCEPT T05's first job (J101): no event, so the re-plan assumes it done and warns;
  * T02 started J114 at 10:15 instead of 09:53 (running late; in progress until 11:15);
  * ``technician_position`` of every technician at 10:58, except T09's from 10:30 (stale: warned);
  * a new urgent job (``N1``) at the central railway station, due 13:00, and the customer of J080 (T04, 12:00)
    cancels.

Run: .venv/bin/python data/replan/make_sample.py
Then: dispatch replan data/demo_problem.json data/replan/morning_plan.json data/replan/events_1100.json
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from optimizer.models import Problem, Solution
from optimizer.solve import solve
from optimizer.validate import validate

HERE = Path(__file__).resolve().parent
NOW = datetime.fromisoformat("2026-11-24T11:00:00+02:00")
REPORTED_BY = NOW - timedelta(minutes=15)


def morning_plan(problem: Problem) -> Solution:
    problem = problem.model_copy(deep=True)
    problem.options.max_iterations, problem.options.time_limit_s, problem.options.seed = 3000, 120, 0
    problem.options.candidates_per_job = 0
    plan = solve(problem)
    assert not validate(problem, plan), "the morning plan must be valid"
    return plan


def events(problem: Problem, plan: Solution) -> list[dict]:
    jobs = {j.id: j for j in problem.jobs}
    out: list[dict] = []
    for route in plan.routes:
        for k, stop in enumerate(route.stops):
            if stop.end <= REPORTED_BY and stop.job_id != "J101":
                at = stop.end + timedelta(minutes=k % 3)
                out.append({"type": "job_completed", "job_id": stop.job_id, "technician_id": route.technician_id, "at": at.isoformat()})
    late_start = datetime.fromisoformat("2026-11-24T10:15:00+02:00")
    out.append({"type": "job_started", "job_id": "J114", "technician_id": "T02", "at": late_start.isoformat()})
    for route in plan.routes:
        started = [s for s in route.stops if s.start <= NOW]
        where = jobs[started[-1].job_id].location if started else next(t for t in problem.technicians if t.id == route.technician_id).start_location
        at = NOW - timedelta(minutes=30 if route.technician_id == "T09" else 2)
        out.append({"type": "technician_position", "technician_id": route.technician_id,
                    "location": where.model_dump(exclude_none=True), "at": at.isoformat()})
    out.append({"type": "new_job", "job": {
        "id": "N1", "location": {"lat": 60.1719, "lon": 24.9414}, "duration_min": 30, "skills": {"electrical": 1},
        "priority": "urgent", "sla_deadline": "2026-11-24T13:00:00+02:00"}})
    out.append({"type": "job_cancelled", "job_id": "J080"})
    return out


def main() -> None:
    problem = Problem.model_validate_json((HERE.parent / "demo_problem.json").read_text())
    plan = morning_plan(problem)
    (HERE / "morning_plan.json").write_text(plan.model_dump_json(indent=1, exclude_none=True, exclude={"kpis"}) + "\n")
    doc = {"now": NOW.isoformat(), "events": events(problem, plan), "options": {"time_limit_s": 5}}
    (HERE / "events_1100.json").write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
