"""Turn integer schedules into the public Solution model (datetimes, ids, per-leg numbers)."""

from __future__ import annotations

from optimizer.i18n import translate
from optimizer.models import (
    BreakSlot,
    JobCandidates,
    RankedTechnician,
    Route,
    Stop,
    Unassigned,
)
from optimizer.solvers.compiled import CompiledProblem
from optimizer.solvers.costs import CostModel
from optimizer.solvers.insertion import InsertionIndex, RouteState, removal_detour_s
from optimizer.solvers.precheck import Rejection
from optimizer.solvers.sync import pin_plan


def render_route(cp: CompiledProblem, state: RouteState) -> Route:
    tb = cp.timebase
    sched = state.schedule
    tech = state.tech
    if not sched.stops:
        return Route(technician_id=tech.id, shift_index=tech.shift_index, day=tech.day)
    stops = []
    prev = tech.start_point
    prev_end = sched.departure_s
    total_dist = 0
    brk = sorted(sched.breaks)
    for s in sched.stops:
        dist = int(cp.distances[prev, s.job.point])
        total_dist += dist
        in_gap = sum(min(e, s.start_s) - max(b, prev_end) for b, e in brk if b < s.start_s and e > prev_end)
        waiting = max(0, s.start_s - prev_end - s.travel_s - in_gap)
        stops.append(
            Stop(
                job_id=s.job.id,
                arrival=tb.to_datetime(s.arrival_s),
                start=tb.to_datetime(s.start_s),
                end=tb.to_datetime(s.end_s),
                travel_time_s=s.travel_s,
                distance_m=dist,
                waiting_time_s=waiting,
                sla_met=None if s.job.deadline_s is None else s.end_s <= s.job.deadline_s,
                lateness_s=s.lateness_s,
            )
        )
        prev = s.job.point
        prev_end = s.end_s
    ret_dist = int(cp.distances[prev, tech.end_point])
    return Route(
        technician_id=tech.id,
        shift_index=tech.shift_index,
        day=tech.day,
        start=tb.to_datetime(sched.departure_s),
        end=tb.to_datetime(sched.end_s),
        stops=stops,
        breaks=[BreakSlot(start=tb.to_datetime(b), end=tb.to_datetime(e)) for b, e in brk],
        travel_time_s=sched.travel_s,
        distance_m=total_dist + ret_dist,
        work_time_s=sched.travel_s + sched.service_s,
        return_travel_time_s=sched.return_travel_s,
        return_distance_m=ret_dist,
    )


def render_unassigned(rejections: list[Rejection], language: str = "en") -> list[Unassigned]:
    """Unassigned entries with their reasons in ``language`` (codes are language-neutral)."""
    seen: set[str] = set()
    out = []
    for r in rejections:
        if r.job_id not in seen:  # one entry per job (a crew job's copies share its id)
            seen.add(r.job_id)
            out.append(Unassigned(job_id=r.job_id, reason=translate(r.reason, language), code=r.code))
    return out


def rank_candidates(cp: CompiledProblem, costs: CostModel, routes: list[RouteState], per_job: int) -> list[JobCandidates]:
    """For every job: the assigned technician first, then the cheapest feasible insertions into
    the other technicians' final routes. Unserved jobs get an empty list (no feasible insertion
    exists, or the repair step would have used it)."""
    if per_job <= 0:
        return []
    tb = cp.timebase
    if cp.has_links:
        pin_plan([r.schedule for r in routes])
    index = InsertionIndex(cp, costs, routes)
    where = {}
    for state in routes:
        for pos, stop in enumerate(state.schedule.stops):
            where[stop.job.index] = (state, pos, stop)
    out = []
    by_id: dict[str, JobCandidates] = {}
    for job in cp.jobs:
        ranked: list[RankedTechnician] = []
        if job.linked:
            # Crews and dependent jobs keep their technicians' starts: no one-route alternatives.
            if job.id not in by_id:
                by_id[job.id] = JobCandidates(job_id=job.id, ranked=[])
                out.append(by_id[job.id])
            if job.index in where:
                state, pos, stop = where[job.index]
                listed = by_id[job.id].ranked
                listed.append(RankedTechnician(
                    technician_id=state.tech.id, rank=len(listed) + 1, arrival=tb.to_datetime(stop.arrival_s),
                    start=tb.to_datetime(stop.start_s), extra_travel_time_s=removal_detour_s(cp.durations, state.tech, state.jobs, pos),
                    sla_met=None if job.deadline_s is None else stop.end_s <= job.deadline_s, assigned=True))
            continue
        if job.index in where:
            state, pos, stop = where[job.index]
            ranked.append(
                RankedTechnician(
                    technician_id=state.tech.id,
                    shift_index=state.tech.shift_index,
                    rank=1,
                    arrival=tb.to_datetime(stop.arrival_s),
                    start=tb.to_datetime(stop.start_s),
                    extra_travel_time_s=removal_detour_s(cp.durations, state.tech, state.jobs, pos),
                    sla_met=None if job.deadline_s is None else stop.end_s <= job.deadline_s,
                    assigned=True,
                )
            )
            for ins in index.best(job, k=per_job - 1, exclude_tech=state.tech.index):
                ranked.append(_ranked(cp, ins, len(ranked) + 1))
        out.append(JobCandidates(job_id=job.id, ranked=ranked))
    return out


def _ranked(cp: CompiledProblem, ins, rank: int) -> RankedTechnician:
    tb = cp.timebase
    stop = ins.stop
    return RankedTechnician(
        technician_id=ins.route.tech.id,
        shift_index=ins.route.tech.shift_index,
        rank=rank,
        arrival=tb.to_datetime(stop.arrival_s),
        start=tb.to_datetime(stop.start_s),
        extra_travel_time_s=ins.extra_travel_s,
        sla_met=None if ins.job.deadline_s is None else stop.end_s <= ins.job.deadline_s,
        assigned=False,
    )
