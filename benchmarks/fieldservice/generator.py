"""Seeded generator of realistic field-service problems over Milan.

Sizes: S = 10 technicians x 80 jobs, M = 40 x 400, L = 150 x 1500, XL = 500 x 5000. Everything is drawn from
``random.Random(seed)``, so the same seed and size give the same Problem.

* area: the Milan road network's main component, bbox (W, S, E, N) = :data:`MILAN_BBOX`; jobs
  are spread over the bbox with a denser centre, technicians' homes anywhere in it;
* one working day, Monday 2026-03-02, local time +01:00;
* shifts: 08:00-17:00 (most), 07:00-16:00 or 10:00-19:00; a 30-minute lunch break starting
  between 12:00 and 13:30;
* skills with levels 1-3 (electrical, hvac, plumbing, gas, network); 85 % of jobs need one skill;
* time windows: 45 % none, 35 % morning/afternoon half-days, 20 % two-hour slots;
* priorities urgent/high/normal/low (10/20/50/20 %); SLA deadlines: urgent 4 h after 08:00,
  high 13:00-16:00, 40 % of normal jobs by 17:00, low none;
* parts (filter, valve, sensor): technicians carry a few units, 25 % of jobs need 1-2 units;
* durations 20-90 minutes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional

from optimizer.models import Break, Job, Location, Options, Priority, Problem, Technician, TimeWindow

MILAN_BBOX = (9.0811, 45.3796, 9.4561, 45.5494)
"""(west, south, east, north) of the Milan extract's largest strongly connected component."""

SIZES = {"S": (10, 80), "M": (40, 400), "L": (150, 1500), "XL": (500, 5000)}
"""size -> (technicians, jobs)."""

SKILLS = ("electrical", "hvac", "plumbing", "gas", "network")
PARTS = ("filter", "valve", "sensor")
TZ = timezone(timedelta(hours=1))
DAY = datetime(2026, 3, 2, tzinfo=TZ)


@dataclass(frozen=True)
class FieldServiceSpec:
    size: str
    technicians: int
    jobs: int
    seed: int


def _at(hour: float) -> datetime:
    return DAY + timedelta(minutes=round(hour * 60))


def _point(rng: random.Random, centre_bias: float) -> Location:
    west, south, east, north = MILAN_BBOX
    if rng.random() < centre_bias:
        # denser centre: a Gaussian around the Duomo, clipped to the bbox
        lon = min(max(rng.gauss(9.19, 0.045), west), east)
        lat = min(max(rng.gauss(45.464, 0.025), south), north)
    else:
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
    return Location(lat=round(lat, 6), lon=round(lon, 6))


def _technician(rng: random.Random, k: int) -> Technician:
    start_h = rng.choices([8.0, 7.0, 10.0], weights=[70, 15, 15])[0]
    n_skills = rng.choices([1, 2, 3], weights=[30, 45, 25])[0]
    skills = {s: rng.choices([1, 2, 3], weights=[40, 40, 20])[0] for s in rng.sample(SKILLS, n_skills)}
    parts = {p: rng.randint(1, 4) for p in PARTS if rng.random() < 0.7}
    home = _point(rng, 0.3)
    lunch = Break(earliest_start=_at(12.0), latest_start=_at(13.5), duration_min=30)
    return Technician(
        id=f"tech-{k + 1:03d}",
        skills=skills,
        shift=TimeWindow(start=_at(start_h), end=_at(start_h + 9)),
        start_location=home,
        end_location=home,
        breaks=[lunch],
        parts=parts,
    )


def _job(rng: random.Random, k: int) -> Job:
    priority = rng.choices(list(Priority), weights=[10, 20, 50, 20])[0]
    skills = {}
    if rng.random() < 0.85:
        skills = {rng.choice(SKILLS): rng.choices([1, 2, 3], weights=[55, 35, 10])[0]}
    kind = rng.random()
    windows = []
    if kind < 0.35:
        windows = [TimeWindow(start=_at(8), end=_at(12))] if rng.random() < 0.5 else [TimeWindow(start=_at(13), end=_at(17))]
    elif kind < 0.55:
        h = rng.choice([8, 9, 10, 11, 13, 14, 15, 16])
        windows = [TimeWindow(start=_at(h), end=_at(h + 2))]
    deadline: Optional[datetime] = None
    if priority == Priority.urgent:
        deadline = _at(12)
    elif priority == Priority.high:
        deadline = _at(rng.choice([13, 14, 15, 16]))
    elif priority == Priority.normal and rng.random() < 0.4:
        deadline = _at(17)
    if deadline is not None and windows and windows[0].start >= deadline:
        windows = []  # keep the data plausible: no window that opens after the deadline
    parts = {}
    if rng.random() < 0.25:
        parts = {rng.choice(PARTS): rng.randint(1, 2)}
    return Job(
        id=f"job-{k + 1:04d}",
        location=_point(rng, 0.6),
        duration_min=rng.choice([20, 30, 30, 45, 45, 60, 60, 90]),
        skills=skills,
        time_windows=windows,
        sla_deadline=deadline,
        priority=priority,
        parts=parts,
    )


def generate(size: str, seed: int = 0, time_limit_s: float = 30.0, matrix: str = "haversine",
             region: Optional[str] = None) -> Problem:
    """The field-service Problem of ``size`` (S, M or L) for ``seed``; default weights (travel time,
    SLA, balance) as a dispatcher would use them, ``candidates_per_job = 0``."""
    n_techs, n_jobs = SIZES[size]
    rng = random.Random(f"fieldservice-{size}-{seed}")
    techs = [_technician(rng, k) for k in range(n_techs)]
    jobs = [_job(rng, k) for k in range(n_jobs)]
    options = Options(time_limit_s=time_limit_s, seed=seed, candidates_per_job=0, matrix=matrix,
                      region=region if matrix == "road" else None)
    return Problem(technicians=techs, jobs=jobs, options=options)


def default_region() -> Optional[Path]:
    """The shared Milan extract, when present."""
    from optimizer.paths import regions_dir

    path = regions_dir() / "milan.osm.pbf"
    return path if path.exists() else None


def road_available() -> bool:
    try:
        import optimizer.geo.road  # noqa: F401
    except ModuleNotFoundError:
        return False
    return default_region() is not None
