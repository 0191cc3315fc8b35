"""Applying a variant's changes to a Problem.

``apply_changes`` never mutates its input: it works on a deep copy and validates the result as a
new :class:`~optimizer.models.Problem`, so a change that breaks a cross-field rule (an unknown
technician id, a break outside the shift) fails with :class:`ScenarioError` naming the change.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Optional, Sequence

from pydantic import ValidationError

from optimizer.models import Break, Location, Problem, Technician, TimeWindow
from optimizer.models.job import Job, JobStatus
from optimizer.scenarios.model import (
    AddJobs,
    AddSkills,
    AddTechnicians,
    Change,
    ChangePriorities,
    ChangeShift,
    RelaxRules,
    RemoveJobs,
    RemoveSkills,
    RemoveTechnicians,
    ScaleDemand,
    ScaleSla,
    Scenario,
    SetOptions,
    SetWeights,
    SpeedFactor,
    TechniciansUnavailable,
)

M_PER_DEG_LAT = 111_320.0


class ScenarioError(ValueError):
    """A change cannot be applied (unknown id, invalid result); the message names the change."""


def apply_changes(problem: Problem, changes: Sequence[Change], seed: int = 0) -> Problem:
    """A new Problem: ``problem`` with ``changes`` applied in order (see each change's docstring)."""
    current = problem.model_copy(deep=True)
    for number, change in enumerate(changes, start=1):
        try:
            current = _APPLY[type(change)](current, change, seed + number)
            current = Problem.model_validate(current.model_dump())
        except ValidationError as exc:
            first = exc.errors()[0]
            path = ".".join(str(p) for p in first["loc"])
            raise ScenarioError(f"change {number} ({change.type}): the result is invalid at {path}: {first['msg']}") from None
        except ScenarioError as exc:
            raise ScenarioError(f"change {number} ({change.type}): {exc}") from None
    return current


def scenario_problems(scenario: Scenario) -> dict[str, Problem]:
    """``{"base": base, variant name: changed problem, ...}`` in file order, with the scenario's
    option overrides applied to every one (including the base)."""
    from optimizer.scenarios.model import BASE_NAME

    base = scenario.base
    if scenario.options:
        base = _merge_options(base, scenario.options)
    out = {BASE_NAME: base}
    for variant in scenario.variants:
        try:
            out[variant.name] = apply_changes(base, variant.changes, scenario.seed)
        except ScenarioError as exc:
            raise ScenarioError(f"variant {variant.name!r}: {exc}") from None
    return out


# -- helpers -------------------------------------------------------------------------------------

def _known_techs(problem: Problem, ids: Optional[Iterable[str]]) -> list[Technician]:
    if ids is None:
        return list(problem.technicians)
    by_id = {t.id: t for t in problem.technicians}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise ScenarioError(f"unknown technician(s) {missing}")
    return [by_id[i] for i in ids]


def _merge_options(problem: Problem, updates: dict) -> Problem:
    data = problem.model_dump(mode="json", exclude_none=True)
    opts = data.setdefault("options", {})
    for key, value in updates.items():
        if key == "weights" and isinstance(value, dict):
            opts["weights"] = {**opts.get("weights", {}), **value}
        else:
            opts[key] = value
    try:
        return Problem.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ScenarioError(f"invalid options {updates}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None


def _drop_technicians(problem: Problem, ids: set[str]) -> Problem:
    problem.technicians = [t for t in problem.technicians if t.id not in ids]
    for job in problem.jobs:
        if job.pinned_technician in ids:
            job.pinned_technician = None
        job.preferred_technicians = [t for t in job.preferred_technicians if t not in ids]
        job.excluded_technicians = [t for t in job.excluded_technicians if t not in ids]
        if job.technician_id in ids:
            job.technician_id = None
            if job.status in (JobStatus.dispatched, JobStatus.in_progress):
                job.status = JobStatus.pending
                job.expected_end = None
    if not problem.technicians:
        raise ScenarioError("no technician left")
    return problem


def _one_shift_techs(problem: Problem, ids: Optional[Iterable[str]], what: str) -> list[Technician]:
    """The technicians a shift change names; a technician with several shifts is refused by name."""
    techs = _known_techs(problem, ids)
    several = [t.id for t in techs if t.shifts is not None]
    if several:
        raise ScenarioError(f"{what} is not supported for technicians with several shifts (technicians[].shifts): {several}")
    return techs


def _fit_breaks(tech: Technician) -> None:
    """Drop breaks whose start window no longer meets the shift; clamp the others into it."""
    kept = []
    for brk in tech.breaks:
        earliest = max(brk.earliest_start, tech.one_shift.start)
        latest = min(brk.latest_start, tech.one_shift.end)
        if earliest <= latest:
            kept.append(Break(earliest_start=earliest, latest_start=latest, duration_min=brk.duration_min))
    tech.breaks = kept


# -- one function per change type ----------------------------------------------------------------

def _remove_technicians(problem: Problem, change: RemoveTechnicians, seed: int) -> Problem:
    _known_techs(problem, change.ids)
    return _drop_technicians(problem, set(change.ids))


def _unavailable(problem: Problem, change: TechniciansUnavailable, seed: int) -> Problem:
    gone: set[str] = set()
    for tech in _one_shift_techs(problem, change.ids, "technicians_unavailable"):
        start = change.start or tech.one_shift.start
        end = change.end or tech.one_shift.end
        if start <= tech.one_shift.start and end >= tech.one_shift.end:
            gone.add(tech.id)
        elif end <= tech.one_shift.start or start >= tech.one_shift.end:
            continue  # away outside working hours: nothing changes
        elif start <= tech.one_shift.start:
            tech.shift = TimeWindow(start=end, end=tech.one_shift.end)
            _fit_breaks(tech)
        elif end >= tech.one_shift.end:
            tech.shift = TimeWindow(start=tech.one_shift.start, end=start)
            _fit_breaks(tech)
        else:
            minutes = (end - start).total_seconds() / 60.0
            tech.breaks.append(Break(earliest_start=start, latest_start=start, duration_min=minutes))
    return _drop_technicians(problem, gone) if gone else problem


def _add_technicians(problem: Problem, change: AddTechnicians, seed: int) -> Problem:
    added = [t.model_copy(deep=True) for t in change.technicians]
    if change.clone_of is not None:
        (template,) = _known_techs(problem, [change.clone_of])
        taken = {t.id for t in problem.technicians} | {t.id for t in added}
        k = 0
        for _ in range(change.count):
            k += 1
            while f"{template.id}-extra{k}" in taken:
                k += 1
            clone = template.model_copy(deep=True)
            clone.id = f"{template.id}-extra{k}"
            clone.current_location = None
            clone.available_from = None
            taken.add(clone.id)
            added.append(clone)
    problem.technicians = list(problem.technicians) + added
    return problem


def _change_shift(problem: Problem, change: ChangeShift, seed: int) -> Problem:
    for tech in _one_shift_techs(problem, change.ids, "change_shift"):
        start = change.start or tech.one_shift.start
        end = change.end or tech.one_shift.end
        start += timedelta(minutes=change.start_delta_min)
        end += timedelta(minutes=change.end_delta_min)
        if end <= start:
            raise ScenarioError(f"technician {tech.id}: the new shift ends before it starts")
        tech.shift = TimeWindow(start=start, end=end)
        _fit_breaks(tech)
    return problem


def _add_skills(problem: Problem, change: AddSkills, seed: int) -> Problem:
    for tech in _known_techs(problem, change.ids):
        skills = dict(tech.skills)
        for name, level in change.skills.items():
            skills[name] = max(level, skills.get(name, 0))
        tech.skills = skills
    return problem


def _remove_skills(problem: Problem, change: RemoveSkills, seed: int) -> Problem:
    for tech in _known_techs(problem, change.ids):
        tech.skills = {k: v for k, v in tech.skills.items() if k not in change.skills}
    return problem


def _release(problem: Problem, job: Job) -> datetime:
    if job.time_windows:
        return min(w.start for w in job.time_windows)
    return problem.planning_origin()


def _scale_demand(problem: Problem, change: ScaleDemand, seed: int) -> Problem:
    rng = random.Random(change.seed if change.seed is not None else seed)
    plannable = [j for j in problem.jobs if j.status == JobStatus.pending]
    if change.factor < 1.0:
        removable = [j for j in plannable if j.pinned_technician is None]
        n_remove = min(len(removable), round((1.0 - change.factor) * len(plannable)))
        drop = {j.id for j in rng.sample(removable, n_remove)}
        problem.jobs = [j for j in problem.jobs if j.id not in drop]
        return problem
    n_new = round((change.factor - 1.0) * len(plannable))
    if n_new == 0:
        return problem
    if not plannable:
        raise ScenarioError("no pending job to sample new jobs from")
    located = [(j.location.lat, j.location.lon) for j in plannable if j.location.lat is not None and j.location.lon is not None]
    if not located:
        raise ScenarioError("scale_demand needs jobs with lat/lon")
    lats = [lat for lat, _ in located]
    lons = [lon for _, lon in located]
    taken = {j.id for j in problem.jobs}
    new_jobs = []
    for k in range(1, n_new + 1):
        template = rng.choice(plannable)
        anchor_lat, anchor_lon = rng.choice(located)
        lat, lon = _jitter(rng, anchor_lat, anchor_lon, change.jitter_m)
        lat = min(max(lat, min(lats)), max(lats))
        lon = min(max(lon, min(lons)), max(lons))
        job_id = f"{template.id}-new{k}"
        while job_id in taken:
            job_id += "x"
        taken.add(job_id)
        job = template.model_copy(deep=True)
        job.id = job_id
        job.location = Location(lat=round(lat, 6), lon=round(lon, 6))
        job.pinned_technician = None
        job.preferred_technicians = []
        job.status = JobStatus.pending
        job.technician_id = None
        job.expected_end = None
        new_jobs.append(job)
    problem.jobs = list(problem.jobs) + new_jobs
    return problem


def _jitter(rng: random.Random, lat: float, lon: float, radius_m: float) -> tuple[float, float]:
    r = radius_m * math.sqrt(rng.random())
    theta = rng.uniform(0.0, 2.0 * math.pi)
    dlat = r * math.sin(theta) / M_PER_DEG_LAT
    dlon = r * math.cos(theta) / (M_PER_DEG_LAT * max(0.01, math.cos(math.radians(lat))))
    return lat + dlat, lon + dlon


def _scale_sla(problem: Problem, change: ScaleSla, seed: int) -> Problem:
    wanted = set(change.priorities) if change.priorities else None
    for job in problem.jobs:
        if job.sla_deadline is None or (wanted is not None and job.priority not in wanted):
            continue
        release = _release(problem, job)
        allowed_s = (job.sla_deadline - release).total_seconds()
        job.sla_deadline = release + timedelta(seconds=round(allowed_s * change.factor))
    return problem


def _change_priorities(problem: Problem, change: ChangePriorities, seed: int) -> Problem:
    by_id = {j.id: j for j in problem.jobs}
    missing = [i for i in change.jobs if i not in by_id]
    if missing:
        raise ScenarioError(f"unknown job(s) {missing}")
    if change.from_priority is not None and change.to_priority is not None:  # given together (validated)
        for job in problem.jobs:
            if job.priority == change.from_priority:
                job.priority = change.to_priority
    for job_id, priority in change.jobs.items():
        by_id[job_id].priority = priority
    return problem


def _set_weights(problem: Problem, change: SetWeights, seed: int) -> Problem:
    return _merge_options(problem, {"weights": change.weights})


def _speed_factor(problem: Problem, change: SpeedFactor, seed: int) -> Problem:
    return _merge_options(problem, {"speed_factor": round(problem.options.speed_factor * change.factor, 6)})


def _set_options(problem: Problem, change: SetOptions, seed: int) -> Problem:
    return _merge_options(problem, change.options)


def _add_jobs(problem: Problem, change: AddJobs, seed: int) -> Problem:
    taken = {j.id for j in problem.jobs}
    dup = [j.id for j in change.jobs if j.id in taken]
    if dup:
        raise ScenarioError(f"job id(s) already in the problem: {dup}")
    problem.jobs = list(problem.jobs) + [j.model_copy(deep=True) for j in change.jobs]
    return problem


def _remove_jobs(problem: Problem, change: RemoveJobs, seed: int) -> Problem:
    taken = {j.id for j in problem.jobs}
    missing = [i for i in change.ids if i not in taken]
    if missing:
        raise ScenarioError(f"unknown job(s) {missing}")
    drop = set(change.ids)
    problem.jobs = [j for j in problem.jobs if j.id not in drop]
    return problem


def _relax_rules(problem: Problem, change: RelaxRules, seed: int) -> Problem:
    taken = {j.id for j in problem.jobs}
    missing = [i for i in change.ids or [] if i not in taken]
    if missing:
        raise ScenarioError(f"unknown job(s) {missing}")
    chosen = set(change.ids) if change.ids is not None else taken
    for job in problem.jobs:
        if job.id in chosen:
            if change.skills:
                job.skills = {}
            if change.parts:
                job.parts = {}
    return problem


_APPLY: dict[type, Callable[[Problem, Any, int], Problem]] = {
    RelaxRules: _relax_rules,
    RemoveTechnicians: _remove_technicians,
    TechniciansUnavailable: _unavailable,
    AddTechnicians: _add_technicians,
    ChangeShift: _change_shift,
    AddSkills: _add_skills,
    RemoveSkills: _remove_skills,
    ScaleDemand: _scale_demand,
    ScaleSla: _scale_sla,
    ChangePriorities: _change_priorities,
    SetWeights: _set_weights,
    SpeedFactor: _speed_factor,
    SetOptions: _set_options,
    AddJobs: _add_jobs,
    RemoveJobs: _remove_jobs,
}
