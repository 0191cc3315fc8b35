"""Generate the sample planning week: 20 technicians x 5 days (Monday to Friday) and 500 jobs in
central Helsinki (the embedded OSM region), with the multi-day rules on.

- every technician has five shifts (``technicians[].shifts``), each with its own lunch break; a
  third of them start Tuesday to Thursday from another location (a second depot), and a few have a
  short Wednesday;
- durations by technician: juniors (skill levels 1) work at ``service_factor`` 1.3, seniors (a
  level 3) at 0.85; one job in ten has an explicit ``durations_by_technician`` entry (the
  technician who installed the equipment is faster);
- jobs have windows on one or two days of the week (or none: any day), SLA due dates through the
  week, priorities, skills with levels, parts, and a few pinned / preferred / excluded technicians;
- crews: one job in ten needs two technicians at once (``crew``): a lead with the job's skill at
  level 2 or more and a helper (any technician) or a second skilled member;
- dependencies: one job in twenty is a follow-up (``after``): it starts at least an hour and at
  most two days after another job of the week has finished (inspection, then repair).

Fixed seed: the output is byte-for-byte reproducible.

    python data/week/make_week.py [-o data/week/week_problem.json] [--seed 11]
    dispatch optimize data/week/week_problem.json -o out/week.json --summary
    dispatch validate data/week/week_problem.json out/week.json
    dispatch report out/week.json --problem data/week/week_problem.json -o out/week.html
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

LAT = (60.1650, 60.1783)
LON = (24.9362, 24.9524)
TZ = timezone(timedelta(hours=2))
MONDAY = datetime(2026, 11, 23, tzinfo=TZ)
SKILLS = ["electrical", "hvac", "plumbing", "elevator", "network"]
PARTS = ["filter-A", "valve-B", "fuse-C"]
DAYS = 5


def _at(day: int, hour: float) -> str:
    return (MONDAY + timedelta(days=day, minutes=round(hour * 60))).isoformat()


def _point(rng: random.Random) -> dict:
    return {"lat": round(rng.uniform(*LAT), 6), "lon": round(rng.uniform(*LON), 6)}


def _technician(i: int, rng: random.Random) -> dict:
    depot = {"lat": 60.1699, "lon": 24.9384}
    second_depot = {"lat": 60.1760, "lon": 24.9500}
    skills = {s: rng.choice([1, 2, 2, 3]) for s in rng.sample(SKILLS, rng.choice([2, 2, 3]))}
    start_h = [7, 8, 8, 9][i % 4]
    shifts = []
    for d in range(DAYS):
        end_h = start_h + (5 if (d == 2 and i % 5 == 4) else 8)
        shift: dict = {"start": _at(d, start_h), "end": _at(d, end_h),
                       "breaks": [{"earliest_start": _at(d, start_h + 3.5), "latest_start": _at(d, start_h + 5 if end_h - start_h > 5 else start_h + 4),
                                   "duration_min": 30}]}
        if i % 3 == 1 and 1 <= d <= 3:
            shift["start_location"] = second_depot
        shifts.append(shift)
    tech: dict = {
        "id": f"T{i + 1:02d}",
        "skills": skills,
        "shifts": shifts,
        "start_location": depot if i % 2 == 0 else _point(rng),
        "parts": {p: rng.choice([1, 2, 3]) for p in PARTS},
    }
    levels = set(skills.values())
    if levels == {1}:
        tech["service_factor"] = 1.3
    elif 3 in levels:
        tech["service_factor"] = 0.85
    if i % 6 == 5:
        tech["max_jobs"] = 6
    return tech


def _job(j: int, rng: random.Random, ids: list[str]) -> dict:
    priority = rng.choices(["urgent", "high", "normal", "low"], weights=[6, 18, 56, 20])[0]
    job: dict = {
        "id": f"J{j + 1:03d}",
        "location": _point(rng),
        "duration_min": rng.choice([20, 30, 45, 60, 60, 90]),
        "skills": {rng.choice(SKILLS): rng.choice([1, 1, 2, 3])},
        "priority": priority,
    }
    day = rng.randrange(DAYS)
    kind = rng.random()
    if kind < 0.55:  # one window on one day
        h = rng.choice([8, 9, 10, 12, 13, 14])
        job["time_windows"] = [{"start": _at(day, h), "end": _at(day, h + rng.choice([2, 3, 4]))}]
    elif kind < 0.75 and day < DAYS - 1:  # the customer offers two days
        h = rng.choice([8, 12])
        job["time_windows"] = [{"start": _at(day, h), "end": _at(day, h + 4)}, {"start": _at(day + 1, h), "end": _at(day + 1, h + 4)}]
    due_day = min(DAYS - 1, day + {"urgent": 0, "high": 1, "normal": 2, "low": 4}[priority])
    if priority != "low" or rng.random() < 0.3:
        job["sla_deadline"] = _at(due_day, 17)
    job["reported_at"] = (MONDAY - timedelta(hours=rng.randint(1, 96))).isoformat()
    if rng.random() < 0.2:
        job["parts"] = {rng.choice(PARTS): 1}
    r = rng.random()
    if r < 0.03:
        job["pinned_technician"] = rng.choice(ids)
    elif r < 0.08:
        job["preferred_technicians"] = rng.sample(ids, 2)
    elif r < 0.11:
        job["excluded_technicians"] = [rng.choice(ids)]
    if rng.random() < 0.1:
        job["durations_by_technician"] = {rng.choice(ids): max(10, job["duration_min"] // 2)}
    return job


def _crews_and_followups(jobs: list[dict], rng: random.Random, crew_share: float = 0.10, followup_share: float = 0.05) -> None:
    """Turn ``crew_share`` of the jobs into crews of two and ``followup_share`` into follow-ups of
    another plain job (in place). Pinned jobs stay one-technician jobs."""
    order = [k for k in range(len(jobs)) if "pinned_technician" not in jobs[k]]
    rng.shuffle(order)
    n_crew, n_follow = round(crew_share * len(jobs)), round(followup_share * len(jobs))
    for k in order[:n_crew]:
        job = jobs[k]
        (skill, level), = job.pop("skills").items() if job.get("skills") else ((rng.choice(SKILLS), 2),)
        second = {"skills": {}} if rng.random() < 0.6 else {"skills": {rng.choice(SKILLS): 1}}
        job["crew"] = [{"skills": {skill: max(2, level)}}, second]
        job.pop("durations_by_technician", None)
        job.pop("parts", None)  # a crew job takes no parts (no single van carries them)
        job["duration_min"] = max(45, job["duration_min"])
    plain = order[n_crew + n_follow:]
    for k in order[n_crew:n_crew + n_follow]:
        job, first = jobs[k], jobs[plain.pop()]
        job["after"] = [{"job": first["id"], "min_delay_min": 60, "max_delay_min": 2 * 24 * 60}]
        # the follow-up is booked once the first visit is done: any time of the week, due two days
        # after the first visit's due date
        job.pop("time_windows", None)
        if "sla_deadline" in job:
            week_end = datetime.fromisoformat(_at(DAYS - 1, 17))
            first_due = datetime.fromisoformat(first.get("sla_deadline", _at(DAYS - 1, 17)))
            due = max(datetime.fromisoformat(job["sla_deadline"]), min(week_end, first_due + timedelta(days=2)))
            job["sla_deadline"] = due.isoformat()


def generate(seed: int = 11, n_techs: int = 20, n_jobs: int = 500) -> dict:
    rng = random.Random(seed)
    techs = [_technician(i, rng) for i in range(n_techs)]
    ids = [t["id"] for t in techs]
    jobs = [_job(j, rng, ids) for j in range(n_jobs)]
    # a pinned or preferred technician must have the skill at the level: keep the rule satisfiable
    by_id = {t["id"]: t for t in techs}
    for job in jobs:
        (skill, level), = job["skills"].items()
        pinned = job.get("pinned_technician")
        if pinned is not None and by_id[pinned]["skills"].get(skill, 0) < level:
            job["skills"] = {}
    _crews_and_followups(jobs, rng)
    return {
        "technicians": techs,
        "jobs": jobs,
        "options": {"time_limit_s": 60, "seed": 0, "candidates_per_job": 2},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(Path(__file__).with_name("week_problem.json")))
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    Path(args.output).write_text(json.dumps(generate(args.seed), indent=1) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
