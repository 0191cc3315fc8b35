"""Feasibility pre-check: which technicians could ever serve each job, and, for jobs nobody can
serve, the precise reason in words a dispatcher understands.

A technician is *eligible* for a job when it has every required skill at the required level, is
not excluded, is the pinned technician (if any), carries enough of every required part and allows
at least one job (``max_jobs``). It is *able* when, in addition, a route holding only this job is
feasible (time windows, shift, breaks: checked with the scheduler). Jobs with no able technician
are reported unassigned before the search; the others get ``CJob.allowed`` filled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from optimizer.i18n import Msg
from optimizer.solvers.compiled import CJob, CompiledProblem, CTech
from optimizer.solvers.schedule import Infeasible, schedule_route


@dataclass(frozen=True)
class Rejection:
    """A job that no technician can serve: machine ``code`` and a human ``reason`` (a
    :class:`~optimizer.i18n.Msg`: English as a ``str``, translated where it is shown)."""

    job_id: str
    code: str
    reason: str


def _fmt_skill(name: str, level: int) -> Msg:
    return Msg("skill {skill} at level {level}", skill=name, level=level) if level > 1 else Msg("skill {skill}", skill=name)


def tech_names(ids: list[str], limit: int = 5) -> list[str]:
    """At most ``limit`` technician ids (each once: a technician with shifts has several routes),
    then ``...`` (a list: joined in the reader's language)."""
    ids = list(dict.fromkeys(ids))
    return ids[:limit] + (["..."] if len(ids) > limit else [])


def _lacks(tech: CTech, job: CJob) -> list[tuple[str, int]]:
    return [(s, lvl) for s, lvl in job.skills.items() if tech.skills.get(s, 0) < lvl]


def _short_parts(tech: CTech, job: CJob) -> list[str]:
    return [p for p, units in job.parts.items() if units > tech.parts.get(p, 0)]


def eligible(tech: CTech, job: CJob) -> bool:
    """Static rules only (skills, pinned, excluded, parts, max_jobs); no timing."""
    if job.pinned is not None and tech.id != job.pinned:
        return False
    if tech.id in job.excluded:
        return False
    if tech.max_jobs is not None and tech.max_jobs < 1:
        return False
    return not _lacks(tech, job) and not _short_parts(tech, job)


def _static_reason(cp: CompiledProblem, job: CJob) -> tuple[str, Msg]:
    techs = cp.techs
    if job.pinned is not None:
        pinned = next(t for t in techs if t.id == job.pinned)
        missing = _lacks(pinned, job)
        if missing:
            return "pinned", Msg("pinned technician {tech} lacks {skills}", tech=pinned.id, skills=[_fmt_skill(*m) for m in missing])
        short = _short_parts(pinned, job)
        if short:
            p = short[0]
            return "parts", Msg("parts {part}: {needed} needed, pinned technician {tech} carries {carried}",
                                part=p, needed=job.parts[p], tech=pinned.id, carried=pinned.parts.get(p, 0))
        if pinned.max_jobs is not None and pinned.max_jobs < 1:
            return "capacity", Msg("pinned technician {tech} takes no jobs (max_jobs 0)", tech=pinned.id)
        return "pinned", Msg("pinned technician {tech} is excluded", tech=pinned.id)
    for name, level in sorted(job.skills.items()):
        if not any(t.skills.get(name, 0) >= level for t in techs):
            return "skill", Msg("no technician has {skill}", skill=_fmt_skill(name, level))
    qualified = [t for t in techs if not _lacks(t, job)]
    if not qualified:
        need = [_fmt_skill(*kv) for kv in sorted(job.skills.items())]
        return "skill", Msg("no single technician has all required skills ({skills})", skills=need)
    allowed = [t for t in qualified if t.id not in job.excluded]
    if not allowed:
        return "excluded", Msg("every technician with the required skills is excluded")
    for part, units in sorted(job.parts.items()):
        best = max(t.parts.get(part, 0) for t in allowed)
        if best < units:
            return "parts", Msg("parts {part}: {needed} needed, at most {carried} carried by any qualified technician",
                                part=part, needed=units, carried=best)
    return "capacity", Msg("every qualified technician takes no jobs (max_jobs 0)")


def _timing_reason(cp: CompiledProblem, job: CJob, results: list[tuple[CTech, Infeasible]]) -> tuple[str, Msg]:
    windows_open = any(
        lo <= t.shift_end_s and hi >= t.ready_s for t, _ in results for lo, hi in job.windows
    )
    if not windows_open:
        return "time_window", Msg("time windows fall outside every shift")
    codes = {r.code for _, r in results}
    if codes == {"break"}:
        return "break", Msg("no qualified technician can fit the job around their breaks")
    names = tech_names([t.id for t, _ in results])
    if "time_window" in codes:
        return "time_window", Msg("no qualified technician ({techs}) can reach the job inside its time window and be back "
                                  "before the end of the shift", techs=names)
    return "shift", Msg("no qualified technician ({techs}) can do the job and be back before the end of the shift", techs=names)


def fits_alone_quickly(tech: CTech, job: CJob, durations) -> bool:
    """A sufficient test that ``schedule_route(tech, [job])`` is feasible, in a few operations.

    It times one of the schedules the scheduler itself tries: drive straight to the job, serve
    it at the earliest start its windows allow, drive home by the end of the shift, and take
    every break, in order, after the return. True means feasible; False means "ask the
    scheduler" (a break may still fit on the way or while waiting), never "infeasible"."""
    ready = tech.ready_s + int(durations[tech.start_point, job.point])
    for lo, hi in job.windows:
        if ready <= hi:
            start = max(ready, lo)
            break
    else:
        return False
    clock = start + job.service_s(tech) + int(durations[job.point, tech.end_point])
    if clock > tech.shift_end_s:
        return False
    for b in tech.breaks:
        begin = max(clock, b.earliest_s)
        if begin > b.latest_s:
            return False
        clock = begin + b.duration_s
    return True


def precheck(cp: CompiledProblem, jobs: Optional[Iterable[CJob]] = None) -> list[Rejection]:
    """Fill ``allowed`` on every job (or only on ``jobs``); return the jobs that nobody can
    serve, with reasons. Each (job, eligible technician) pair is first tried with
    :func:`fits_alone_quickly` and only then with the scheduler (at 5,000 jobs x 500
    technicians the scheduler alone took most of the pre-check's seconds)."""
    rejections: list[Rejection] = []
    for job in cp.jobs if jobs is None else jobs:
        job.allowed = set()
        failures: list[tuple[CTech, Infeasible]] = []
        candidates = [t for t in cp.techs if eligible(t, job)]
        for tech in candidates:
            if fits_alone_quickly(tech, job, cp.durations):
                job.allowed.add(tech.index)
                continue
            result = schedule_route(tech, [job], cp.durations)
            if isinstance(result, Infeasible):
                failures.append((tech, result))
            else:
                job.allowed.add(tech.index)
        if job.allowed:
            continue
        code, reason = _static_reason(cp, job) if not candidates else _timing_reason(cp, job, failures)
        if job.crew:
            reason = Msg("crew member {k}: {reason}", k=job.member + 1, reason=reason)
        rejections.append(Rejection(job.id, code, reason))
    if cp.has_links:
        rejections = _linked_rejections(cp, rejections)
    return rejections


def _crew_matches(cp: CompiledProblem, crew: tuple[int, ...]) -> bool:
    """Can every member copy get a distinct technician from its ``allowed`` set? (Augmenting
    paths; a crew has a handful of members.)"""
    owner: dict[int, int] = {}

    def augment(member: int, seen: set[int]) -> bool:
        for t in sorted(cp.jobs[member].allowed):
            if t in seen:
                continue
            seen.add(t)
            if t not in owner or augment(owner[t], seen):
                owner[t] = member
                return True
        return False

    return all(augment(c, set()) for c in crew)


def _linked_rejections(cp: CompiledProblem, rejections: list[Rejection]) -> list[Rejection]:
    """A crew is rejected when one member cannot be served or the members cannot have distinct
    technicians; a job whose predecessor is rejected is rejected too (transitively). One
    rejection per job id; rejected copies get an empty ``allowed`` set."""
    by_id: dict[str, Rejection] = {}
    for r in rejections:
        by_id.setdefault(r.job_id, r)
    for job in cp.jobs:
        if job.crew and job.member == 0 and job.id not in by_id and not _crew_matches(cp, job.crew):
            techs = sorted({cp.techs[t].id for c in job.crew for t in cp.jobs[c].allowed})
            by_id[job.id] = Rejection(job.id, "crew", Msg("no crew of {n}: only {techs} can serve its members, not one technician each",
                                                          n=len(job.crew), techs=tech_names(techs)))
    changed = True
    while changed:
        changed = False
        for job in cp.jobs:
            if job.id in by_id:
                continue
            for pred, _, _ in job.after:
                if cp.jobs[pred].id in by_id:
                    by_id[job.id] = Rejection(job.id, "dependency", Msg("depends on job {job}, which cannot be served", job=cp.jobs[pred].id))
                    changed = True
                    break
    for job in cp.jobs:
        if job.id in by_id:
            job.allowed = set()
    return list(by_id.values())
