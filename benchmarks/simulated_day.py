"""A simulated dispatch day: a stream of disruption events, a re-plan after each batch.

The plan is executed as planned (jobs end when the plan says), so the state at any instant
follows from the current plan: finished stops are ``completed``, a started one is
``in_progress``, the next one the technician has left for is ``dispatched``. Every 30 minutes
of simulated time some events arrive (urgent and normal new jobs, cancellations, overruns,
delays, a technician falling sick, a shift extension) and the plan is re-planned.

Two tracks see the same event stream: *stable* (stability weight, seeded with the previous plan)
and *scratch* (stability 0, no seed). After every re-plan each track is checked: the validator,
frozen and in-progress work unchanged, completed jobs never back, every job routed or unassigned
with a reason. Prints one table with, per track: events, re-plan latency (median, p95),
changed assignments per event, SLA attainment and jobs served.

    .venv/bin/python -m benchmarks.simulated_day --techs 50 --jobs 400
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from data.generate_demo import DAY, _point, generate  # noqa: E402
from optimizer.geo.matrix import build_problem_matrix  # noqa: E402
from optimizer.models import Job, Problem, Solution  # noqa: E402
from optimizer.models.job import JobStatus  # noqa: E402
from optimizer.replan import ReplanOptions, ReplanResult, replan  # noqa: E402
from optimizer.replan.events import (  # noqa: E402
    JobCancelled,
    JobOverrun,
    NewJob,
    ShiftExtended,
    TechnicianDelayed,
    TechnicianUnavailable,
)
from optimizer.solve import solve  # noqa: E402
from optimizer.validate import Violation, validate  # noqa: E402


def advance(problem: Problem, plan: Solution, now: datetime, freeze_min: float = 0.0) -> Problem:
    """The problem state at ``now`` when ``plan`` is executed as planned."""
    state = problem.model_copy(deep=True)
    jobs = {j.id: j for j in state.jobs}
    for job in state.jobs:
        if job.status != JobStatus.completed:
            job.status, job.technician_id, job.expected_end = JobStatus.pending, None, None
    for route in plan.routes:
        departed_from = route.start
        for stop in route.stops:
            job = jobs[stop.job_id]
            if stop.end <= now:
                job.status, job.technician_id = JobStatus.completed, None
                departed_from = stop.end
            elif stop.start <= now:
                job.status, job.technician_id, job.expected_end = JobStatus.in_progress, route.technician_id, stop.end
                break
            else:
                if departed_from is not None and departed_from <= now:
                    job.status, job.technician_id = JobStatus.dispatched, route.technician_id
                break
    for tech in state.technicians:
        tech.current_location = None
    state.now = now
    state.freeze_until = now + timedelta(minutes=freeze_min) if freeze_min else None
    return state


def fixed_violations(before: Problem, prev: Solution, result: ReplanResult) -> list[str]:
    """Frozen and in-progress work unchanged; completed jobs not routed."""
    out = []
    new_at = {s.job_id: (r.technician_id, s.start) for r in result.solution.routes for s in r.stops}
    prev_at = {s.job_id: (r.technician_id, s.start) for r in prev.routes for s in r.stops}
    released = " ".join(result.solution.warnings)
    state = {j.id: j for j in result.problem.jobs}
    for job in before.jobs:
        now_job = state[job.id]
        if job.status == JobStatus.completed and job.id in new_at:
            out.append(f"completed job {job.id} routed again")
        if job.status == JobStatus.in_progress and now_job.status == JobStatus.in_progress:
            where = new_at.get(job.id)
            if where is None or where[0] != job.technician_id:
                out.append(f"in-progress job {job.id} moved from {job.technician_id} to {where}")
            elif job.id in prev_at and where[1] != prev_at[job.id][1]:
                out.append(f"in-progress job {job.id} start changed {prev_at[job.id][1]} -> {where[1]}")
        if job.status == JobStatus.dispatched and now_job.status == JobStatus.dispatched and job.id not in released:
            where = new_at.get(job.id)
            if where is None or where[0] != job.technician_id:
                out.append(f"dispatched job {job.id} moved from {job.technician_id} to {where}")
    for tid, ids in (result.fixed or {}).items():
        route = result.solution.route_of(tid)
        if [s.job_id for s in route.stops[: len(ids)]] != ids:
            out.append(f"fixed head of {tid} not kept: {ids}")
    return out


def replan_violations(result: ReplanResult, matrix=None, points=None) -> list[Violation]:
    """Every rule the independent validator finds broken in a re-plan's answer."""
    return validate(result.problem, result.solution, matrix, points)


@dataclass
class Track:
    name: str
    options: ReplanOptions
    problem: Problem
    plan: Solution
    latencies_s: list[float] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    events: int = 0


def _events_at(rng: random.Random, state: Problem, now: datetime, counter: list[int]) -> list:
    """One batch of events at ``now`` (deterministic for the rng state; ids resolved on ``state``)."""
    out = []
    techs = [t for t in state.technicians if t.shift.start <= now < t.shift.end]
    for _ in range(rng.choice([1, 1, 2])):
        kind = rng.choices(
            ["urgent", "normal", "cancel", "overrun", "delay", "sick", "extend"], weights=[30, 15, 15, 15, 12, 5, 8]
        )[0]
        pick = rng.random()
        if kind in ("urgent", "normal"):
            counter[0] += 1
            skill = rng.choice(["electrical", "hvac", "plumbing", "elevator", "network"])
            hours = 2 if kind == "urgent" else 5
            out.append(NewJob(job=Job(
                id=f"N{counter[0]:03d}", location=_point(rng), duration_min=rng.choice([20, 30, 45]),
                skills={skill: 1}, priority="urgent" if kind == "urgent" else "normal",
                sla_deadline=now + timedelta(hours=hours),
            )))
            continue
        pending = [j for j in state.jobs if j.status == JobStatus.pending]
        running = [j for j in state.jobs if j.status == JobStatus.in_progress]
        if kind == "cancel" and pending:
            out.append(JobCancelled(job_id=sorted(pending, key=lambda j: j.id)[int(pick * len(pending))].id))
        elif kind == "overrun" and running:
            out.append(JobOverrun(job_id=sorted(running, key=lambda j: j.id)[int(pick * len(running))].id, minutes=rng.choice([15, 30, 45])))
        elif kind == "delay" and techs:
            out.append(TechnicianDelayed(technician_id=techs[int(pick * len(techs))].id, minutes=rng.choice([10, 20, 30])))
        elif kind == "sick" and techs:
            out.append(TechnicianUnavailable(technician_id=techs[int(pick * len(techs))].id, reason="sick"))
        elif kind == "extend" and techs:
            tech = techs[int(pick * len(techs))]
            out.append(ShiftExtended(technician_id=tech.id, new_end=tech.shift.end + timedelta(hours=1)))
    return out


def _step(track: Track, now: datetime, events: list, freeze_min: float, check: bool) -> None:
    state = advance(track.problem, track.plan, now, freeze_min)
    t0 = time.perf_counter()
    result = replan(state, track.plan, events, track.options)
    track.latencies_s.append(time.perf_counter() - t0)
    track.events += len(events)
    track.changed.append(sum(1 for c in result.changes if c.kind in ("reassigned", "unassigned") and c.from_technician is not None))
    if check:
        matrix, points = build_problem_matrix(result.problem)
        problems = [f"{v.rule}: {v.message}" for v in replan_violations(result, matrix, points)]
        problems += fixed_violations(state, track.plan, result)
        reasons = [u.job_id for u in result.solution.unassigned if not u.reason.strip()]
        problems += [f"unassigned without reason: {j}" for j in reasons]
        track.violations.extend(f"{now:%H:%M} {p}" for p in problems)
    track.problem, track.plan = result.problem, result.solution


def executed_kpis(track: Track) -> dict:
    """At the end of the day every planned stop is done: SLA over all jobs with a deadline."""
    final = advance(track.problem, track.plan, DAY + timedelta(hours=23))
    done = {s.job_id: s for r in track.plan.routes for s in r.stops}
    with_deadline = [j for j in final.jobs if j.sla_deadline is not None and not _cancelled(track.plan, j.id)]
    # Jobs completed earlier are no longer in the final plan: their stop times were recorded then.
    met = sum(1 for j in with_deadline if j.id in track.ends and track.ends[j.id] <= j.sla_deadline)
    served = len(track.ends)
    return {"sla_pct": 100.0 * met / max(1, len(with_deadline)), "served": served, "deadline_jobs": len(with_deadline), "unused": len(done)}


def _cancelled(plan: Solution, job_id: str) -> bool:
    return any(u.job_id == job_id and u.code == "cancelled" for u in plan.unassigned)


def _record_ends(track: Track) -> None:
    for r in track.plan.routes:
        for s in r.stops:
            track.ends[s.job_id] = s.end


def day_problem(seed: int, n_techs: int, n_jobs: int) -> dict:
    """``data.generate_demo.generate`` with references to technicians beyond ``n_techs`` dropped."""
    data = generate(seed, n_techs, n_jobs)
    ids = {t["id"] for t in data["technicians"]}
    for job in data["jobs"]:
        if job.get("pinned_technician") not in (None, *ids):
            del job["pinned_technician"]
        for name in ("preferred_technicians", "excluded_technicians"):
            if name in job:
                job[name] = [t for t in job[name] if t in ids]
    return data


def simulate(seed: int = 1, n_techs: int = 50, n_jobs: int = 400, step_min: int = 30, first_h: float = 8.5, last_h: float = 16.0,
             freeze_min: float = 20.0, initial_time_limit_s: float = 10.0, replan_time_limit_s: float = 1.0,
             check: bool = True, tracks: tuple[str, ...] = ("stable", "scratch"), log=None, stability: float = 1200.0) -> list[Track]:
    data = day_problem(seed, n_techs, n_jobs)
    data["options"].update({"matrix": "haversine", "time_limit_s": initial_time_limit_s, "candidates_per_job": 0})
    problem = Problem.model_validate(data)
    plan = solve(problem)
    opts = {
        "stable": ReplanOptions(time_limit_s=replan_time_limit_s, stability=stability),
        "scratch": ReplanOptions(time_limit_s=replan_time_limit_s, stability=0, seed_previous=False),
    }
    out = []
    for name in tracks:
        track = Track(name, opts[name], problem, plan)
        track.ends = {}
        rng = random.Random(seed * 7919 + 1)
        counter = [0]
        now = DAY + timedelta(hours=first_h)
        while now <= DAY + timedelta(hours=last_h):
            _record_ends(track)
            state = advance(track.problem, track.plan, now, freeze_min)
            events = _events_at(rng, state, now, counter)
            _step(track, now, events, freeze_min, check)
            if log:
                log(f"{name} {now:%H:%M} events={len(events)} changed={track.changed[-1]} latency={track.latencies_s[-1]:.2f}s violations={len(track.violations)}")
            now += timedelta(minutes=step_min)
        _record_ends(track)
        # Jobs still planned but not started at the last step count as served at their planned end.
        out.append(track)
    return out


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def report(tracks: list[Track]) -> str:
    lines = [f"{'track':<8}{'events':>7}{'replans':>8}{'lat med s':>10}{'lat p95 s':>10}{'changed/evt':>12}{'SLA met %':>10}{'served':>8}{'violations':>11}"]
    for t in tracks:
        k = executed_kpis(t)
        lines.append(
            f"{t.name:<8}{t.events:>7}{len(t.latencies_s):>8}{statistics.median(t.latencies_s):>10.2f}{_pct(t.latencies_s, 0.95):>10.2f}"
            f"{sum(t.changed) / max(1, t.events):>12.2f}{k['sla_pct']:>10.1f}{k['served']:>8}{len(t.violations):>11}"
        )
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--techs", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=400)
    parser.add_argument("--step-min", type=int, default=30)
    parser.add_argument("--time-limit", type=float, default=1.0, help="re-plan search time, s")
    parser.add_argument("--initial-time-limit", type=float, default=10.0)
    parser.add_argument("--stability", type=float, default=1200.0, help="stability weight of the stable track")
    parser.add_argument("--tracks", default="stable,scratch")
    parser.add_argument("--no-check", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    tracks = simulate(args.seed, args.techs, args.jobs, args.step_min, initial_time_limit_s=args.initial_time_limit,
                      replan_time_limit_s=args.time_limit, check=not args.no_check, log=print if args.verbose else None,
                      stability=args.stability, tracks=tuple(args.tracks.split(",")))
    print(report(tracks))
    for t in tracks:
        for v in t.violations[:20]:
            print(f"  {t.name}: {v}")
    return 1 if any(t.violations for t in tracks) else 0


if __name__ == "__main__":
    sys.exit(main())
