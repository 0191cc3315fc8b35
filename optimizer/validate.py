"""Independent validator: recompute every schedule from the problem and the travel matrix and
report every violated rule.

It never imports the solver: it reads only the Problem, the Solution (its ids, order and times)
and the travel matrix, so it checks every engine, and the benchmark peers, the same way. It does
not stop at the first problem: every violation found is returned. Times are compared with a
tolerance of :data:`TOLERANCE_S` (1 s) for datetime rounding; travel times and distances are
compared exactly (both are whole numbers in the matrix and in the Solution).

Rules (``Violation.rule``), see :data:`RULES` for one line each. Break semantics are those of
:class:`optimizer.models.technician.Break`: a technician with at least one stop takes every break
exactly once, starting in its window, never during a service. Breaks entirely before the
departure or after the return are allowed; a break inside the route span lies in a gap between
two consecutive points (the departure or a stop's end, and the next stop's start or the return),
and that gap must hold the leg's travel time plus every break in it. A break that starts before
the arrival at a stop pauses the drive, so the arrival comes after its end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from optimizer.geo.matrix import PointIndex, TravelMatrix, build_problem_matrix
from optimizer.models import Job, Location, Problem, Route, Solution, Technician
from optimizer.models.job import JobStatus
from optimizer.models.solution import BreakSlot
from optimizer.models.technician import Break
from optimizer.models.timebase import minutes_to_s

TOLERANCE_S = 1
"""Seconds of slack allowed on every time comparison (datetime rounding)."""

RULES: dict[str, str] = {
    "unknown_technician": "a route belongs to a technician that is not in the problem",
    "duplicate_route": "a technician has more than one route (with shifts: more than one route for a shift)",
    "shift_index": "a route names no shift of its technician (shift_index missing or out of range with shifts, or set without shifts)",
    "unknown_job": "a stop or unassigned entry names a job that is not in the problem",
    "missing_job": "a job is neither routed nor unassigned",
    "duplicate_job": "a job is routed twice, routed and unassigned, or unassigned twice",
    "empty_reason": "an unassigned entry has an empty reason",
    "completed_routed": "a job with status completed is routed",
    "skill": "the technician lacks a required skill or level",
    "pinned": "a job pinned to one technician is routed to another",
    "excluded": "a job is routed to a technician it excludes",
    "time_window": "service starts outside every time window of the job",
    "shift_start": "departure before the shift start, available_from or problem.now (only the shift start when the route begins with work already under way)",
    "shift_end": "return to the end location after the shift end",
    "break_missing": "a break of a technician with stops is not taken",
    "break_extra": "a reported break matches no break of the technician (or the route has no stops)",
    "break_window": "a break starts outside its [earliest_start, latest_start] window",
    "break_duration": "a break does not last its duration_min",
    "break_overlap": "a break overlaps another break or a service",
    "break_gap": "a break straddles the departure or the return, or a gap cannot hold its travel plus its breaks",
    "parts": "the jobs of a technician need more units of a part than it carries (per shift with shifts: the van is restocked between shifts)",
    "max_jobs": "a technician has more jobs than max_jobs (per shift with shifts)",
    "timing": "arrival/start/end/return inconsistent with travel times, durations (the job's duration for that technician: "
              "durations_by_technician, else duration_min x service_factor) or each other",
    "travel": "a leg's travel_time_s or distance_m differs from the matrix",
    "totals": "route totals (travel, distance, work, return leg) differ from the recomputed sums",
    "sla_fields": "a stop's sla_met or lateness_s disagrees with its end and the job's deadline",
    "crew_size": "a crew job is routed to fewer or more technicians than its crew has members",
    "crew_start": "the members of a crew do not start the service at the same instant",
    "crew_skills": "the crew's technicians cannot be matched one to one to the member requirements (crew[k].skills)",
    "dependency_unserved": "a job is routed but a job it depends on (after) is not",
    "dependency_order": "a job starts before a job it depends on has ended plus min_delay_min",
    "dependency_delay": "a job starts later than max_delay_min after the end of a job it depends on",
}
"""Every rule name the validator can report, with what it means."""


@dataclass(frozen=True)
class Violation:
    """One broken rule. ``rule`` is a key of :data:`RULES`; ``job_id``/``technician_id`` name
    what it concerns when there is one."""

    rule: str
    message: str
    job_id: Optional[str] = None
    technician_id: Optional[str] = None


def _s(a: datetime, b: datetime) -> float:
    """Seconds from ``b`` to ``a`` (positive when ``a`` is later)."""
    return (a - b).total_seconds()


def _iso(instant: datetime) -> str:
    return instant.isoformat()


def _len_s(slot: BreakSlot) -> float:
    return _s(slot.end, slot.start)


def validate(
    problem: Problem,
    solution: Solution,
    matrix: Optional[TravelMatrix] = None,
    points: Optional[PointIndex] = None,
) -> list[Violation]:
    """Every violated rule of ``solution`` for ``problem``; an empty list means valid.

    ``matrix``/``points`` are the travel matrix the solution was planned with; when either is
    missing both are rebuilt with :func:`optimizer.geo.matrix.build_problem_matrix`.
    """
    if matrix is None or points is None:
        matrix, points = build_problem_matrix(problem)
    jobs = {j.id: j for j in problem.jobs}
    techs = {t.id: t for t in problem.technicians}
    out = _check_membership(problem, solution, jobs, techs)
    for route in solution.routes:
        tech = techs.get(route.technician_id)
        if tech is None:
            continue
        shift = _route_shift(problem, tech, route)
        if shift is not None:
            out.extend(_RouteCheck(problem, tech, shift, route, jobs, matrix, points).run())
    out.extend(_check_links(problem, solution, jobs, techs))
    return out


@dataclass(frozen=True)
class _Shift:
    """The shift a route is checked against, with every default resolved here (not by the model)."""

    start: datetime
    end: datetime
    start_location: Location
    end_location: Location
    breaks: list[Break]
    current: bool
    """The shift that ``current_location`` belongs to."""


def _route_shift(problem: Problem, tech: Technician, route: Route) -> Optional[_Shift]:
    """The technician's shift of ``route``: its own ``shift`` (one-shift technician) or
    ``shifts[route.shift_index]``; None when the route names no valid shift (reported by
    :func:`_check_membership`). ``current_location`` applies to the first shift not yet ended at
    ``problem.now`` (the first one without ``now``)."""
    end_default = tech.end_location if tech.end_location is not None else tech.start_location
    if tech.shifts is None:
        if route.shift_index not in (None, 0) or tech.shift is None:
            return None
        return _Shift(tech.shift.start, tech.shift.end, tech.start_location, end_default, list(tech.breaks), True)
    k = route.shift_index
    if k is None or not 0 <= k < len(tech.shifts):
        return None
    current = 0
    if problem.now is not None:
        ended = [i for i, sh in enumerate(tech.shifts) if sh.end <= problem.now]
        current = min(len(tech.shifts) - 1, (max(ended) + 1) if ended else 0)
    sh = tech.shifts[k]
    start_loc = sh.start_location if sh.start_location is not None else tech.start_location
    if sh.end_location is not None:
        end_loc = sh.end_location
    elif tech.end_location is not None:
        end_loc = tech.end_location
    else:
        end_loc = start_loc
    return _Shift(sh.start, sh.end, start_loc, end_loc, list(sh.breaks), k == current)


def _service_s(job: Job, tech: Technician) -> int:
    """Seconds the job's service lasts when ``tech`` does it (its own code: see the RULES entry)."""
    if tech.id in job.durations_by_technician:
        return minutes_to_s(job.durations_by_technician[tech.id])
    return minutes_to_s(job.duration_min * tech.service_factor)




def _check_links(problem: Problem, solution: Solution, jobs: dict[str, Job], techs: dict[str, Technician]) -> list[Violation]:
    """Crews (as many distinct technicians as members, one common start, member skills matched
    one to one) and dependencies (predecessor served, order and delays), from the routes' times."""
    out: list[Violation] = []
    visits: dict[str, list[tuple[str, datetime, datetime]]] = {}  # job id -> (technician, start, end)
    for route in solution.routes:
        for stop in route.stops:
            visits.setdefault(stop.job_id, []).append((route.technician_id, stop.start, stop.end))
    for job in problem.jobs:
        seen = visits.get(job.id, [])
        if job.crew and seen:
            members = [tid for tid, _, _ in seen]
            if len(set(members)) != len(members) or len(members) != len(job.crew):
                out.append(Violation("crew_size", f"crew job {job.id} needs {len(job.crew)} distinct technicians; routed to {', '.join(members)}", job.id))
            starts = sorted(s for _, s, _ in seen)
            if _s(starts[-1], starts[0]) > TOLERANCE_S:
                out.append(Violation("crew_start", f"crew job {job.id}: members start from {_iso(starts[0])} to {_iso(starts[-1])}, not together", job.id))
            known = [techs[t] for t in dict.fromkeys(members) if t in techs]
            if not _crew_matched(job, known):
                out.append(Violation("crew_skills", f"crew job {job.id}: technicians {', '.join(t.id for t in known)} cannot cover the member "
                                     "requirements " + "; ".join(str(m.skills or "{}") for m in job.crew) + " one each", job.id))
        if not seen or job.status == JobStatus.completed:
            continue
        start = min(s for _, s, _ in seen)
        for dep in job.after:
            pred = jobs.get(dep.job)
            if pred is None or pred.status == JobStatus.completed:
                continue  # a completed predecessor is finished
            done = visits.get(dep.job)
            if not done:
                out.append(Violation("dependency_unserved", f"job {job.id} is routed but job {dep.job}, which it depends on, is not", job.id))
                continue
            end = max(e for _, _, e in done)
            gap = _s(start, end)
            if gap + TOLERANCE_S < dep.min_delay_min * 60:
                out.append(Violation("dependency_order", f"job {job.id} starts at {_iso(start)}, {gap / 60:g} min after job {dep.job} ends "
                                     f"({_iso(end)}); at least {dep.min_delay_min:g} min needed", job.id))
            if dep.max_delay_min is not None and gap - TOLERANCE_S > dep.max_delay_min * 60:
                out.append(Violation("dependency_delay", f"job {job.id} starts {gap / 60:g} min after job {dep.job} ends; at most "
                                     f"{dep.max_delay_min:g} min allowed", job.id))
    return out


def _crew_matched(job: Job, crew: list[Technician]) -> bool:
    """Every member requirement met by a distinct technician of ``crew``."""
    fits = [[t for t, tech in enumerate(crew) if all(tech.skills.get(s, 0) >= lvl for s, lvl in member.skills.items())]
            for member in job.crew]
    return len(_max_matching(fits)) == len(job.crew)


def _check_membership(
    problem: Problem, solution: Solution, jobs: dict[str, Job], techs: dict[str, Technician]
) -> list[Violation]:
    """Ids, duplicates, missing jobs and unassigned reasons."""
    out: list[Violation] = []
    seen_routes: set[tuple[str, int]] = set()
    placed: dict[str, str] = {}  # job id -> technician id, or "" for unassigned
    for route in solution.routes:
        tid = route.technician_id
        key = (tid, route.shift_index or 0)
        tech = techs.get(tid)
        if tech is None:
            out.append(Violation("unknown_technician", f"route of unknown technician {tid!r}", technician_id=tid))
        elif tech.shifts is None and route.shift_index not in (None, 0):
            out.append(Violation("shift_index", f"route of {tid} names shift {route.shift_index}, but {tid} has a single shift", technician_id=tid))
        elif tech.shifts is not None and (route.shift_index is None or not 0 <= route.shift_index < len(tech.shifts)):
            out.append(Violation("shift_index", f"route of {tid} names shift {route.shift_index}; {tid} has shifts 0..{len(tech.shifts) - 1}", technician_id=tid))
        elif key in seen_routes:
            what = f"shift {route.shift_index}" if tech.shifts is not None else "technician"
            out.append(Violation("duplicate_route", f"technician {tid} has more than one route for its {what}", technician_id=tid))
        seen_routes.add(key)
        for stop in route.stops:
            jid = stop.job_id
            if jid not in jobs:
                out.append(Violation("unknown_job", f"route of {tid} holds unknown job {jid!r} (the timing of this route is not checked)", jid, tid))
            elif jid in placed and not jobs[jid].crew:
                out.append(Violation("duplicate_job", f"job {jid} is routed twice ({placed[jid]}, {tid})", jid, tid))
            else:
                placed[jid] = tid  # a crew job is on each member's route: its crew is checked by _check_links
    for entry in solution.unassigned:
        jid = entry.job_id
        if jid not in jobs:
            out.append(Violation("unknown_job", f"unassigned entry for unknown job {jid!r}", jid))
        elif jid in placed:
            where = f"routed to {placed[jid]}" if placed[jid] else "already listed as unassigned"
            out.append(Violation("duplicate_job", f"job {jid} is unassigned but {where}", jid, placed[jid] or None))
        else:
            placed[jid] = ""
        if not entry.reason or not entry.reason.strip():
            out.append(Violation("empty_reason", f"job {jid} is unassigned without a reason", jid))
    for job in problem.jobs:
        if job.id not in placed:
            out.append(Violation("missing_job", f"job {job.id} is neither routed nor unassigned", job.id))
    return out


def _match_breaks(slots: list[BreakSlot], breaks: list[Break]) -> dict[int, int]:
    """Maximum matching of reported slots to the technician's breaks where the slot has the
    break's duration and starts in its window (augmenting paths; a day has a handful of breaks).
    Returns slot index -> break index."""
    fits = [
        [
            j
            for j, brk in enumerate(breaks)
            if abs(_len_s(slot) - minutes_to_s(brk.duration_min)) <= TOLERANCE_S
            and _s(slot.start, brk.earliest_start) >= -TOLERANCE_S
            and _s(slot.start, brk.latest_start) <= TOLERANCE_S
        ]
        for slot in slots
    ]
    return _max_matching(fits)


def _max_matching(fits: list[list[int]]) -> dict[int, int]:
    """Maximum matching of left items ``i`` to right items ``fits[i]`` (augmenting paths; a
    handful of items each side). Returns left index -> right index."""
    owner: dict[int, int] = {}  # right index -> left index

    def augment(i: int, visited: set[int]) -> bool:
        for j in fits[i]:
            if j in visited:
                continue
            visited.add(j)
            if j not in owner or augment(owner[j], visited):
                owner[j] = i
                return True
        return False

    for i in range(len(fits)):
        augment(i, set())
    return {i: j for j, i in owner.items()}


class _RouteCheck:
    """All per-route rules for one technician's route."""

    def __init__(self, problem: Problem, tech: Technician, shift: _Shift, route: Route, jobs: dict[str, Job],
                 matrix: TravelMatrix, points: PointIndex):
        self.problem = problem
        self.tech = tech
        self.shift = shift
        self.route = route
        self.jobs = jobs
        self.matrix = matrix
        self.points = points
        self.out: list[Violation] = []
        self.stops = [s for s in route.stops if s.job_id in jobs]
        self.slots = sorted(route.breaks, key=lambda b: b.start)
        # Departure and return; set by run() once it has checked that the route has both.
        self.start: datetime = datetime.min
        self.end: datetime = datetime.min

    def add(self, rule: str, message: str, job_id: Optional[str] = None) -> None:
        self.out.append(Violation(rule, message, job_id, self.tech.id))

    def run(self) -> list[Violation]:
        route, tid = self.route, self.tech.id
        if not route.stops:
            for slot in route.breaks:
                self.add("break_extra", f"{tid} has no stops but reports a break at {_iso(slot.start)}")
            if route.travel_time_s or route.distance_m or route.work_time_s or route.return_travel_time_s or route.return_distance_m:
                self.add("totals", f"{tid} has no stops but non-zero route totals")
            return self.out
        self.check_static()
        self.check_break_matching()
        if route.start is None or route.end is None:
            self.add("timing", f"route of {tid} has stops but no start/end time")
            return self.out
        self.start, self.end = route.start, route.end
        self.check_shift()
        self.check_break_placement()
        if len(self.stops) == len(route.stops):  # legs around an unknown job cannot be timed
            self.check_legs()
        return self.out

    # -- rules that need no times -------------------------------------------------------
    def check_static(self) -> None:
        tech, tid = self.tech, self.tech.id
        parts_used: dict[str, int] = {}
        for stop in self.stops:
            job = self.jobs[stop.job_id]
            if job.status == JobStatus.completed:
                self.add("completed_routed", f"job {job.id} is completed but routed again", job.id)
            for skill, level in job.skills.items():
                have = tech.skills.get(skill, 0)
                if have < level:
                    self.add("skill", f"job {job.id} needs {skill} at level {level}; {tid} has level {have}", job.id)
            if job.pinned_technician is not None and job.pinned_technician != tid:
                self.add("pinned", f"job {job.id} is pinned to {job.pinned_technician} but routed to {tid}", job.id)
            if tid in job.excluded_technicians:
                self.add("excluded", f"job {job.id} excludes {tid} but is routed to it", job.id)
            for part, units in job.parts.items():
                parts_used[part] = parts_used.get(part, 0) + units
        for part, units in sorted(parts_used.items()):
            carried = tech.parts.get(part, 0)
            if units > carried:
                self.add("parts", f"the jobs of {tid} need {units} x {part}; it carries {carried}")
        if tech.max_jobs is not None and len(self.stops) > tech.max_jobs:
            self.add("max_jobs", f"{tid} has {len(self.stops)} jobs; max_jobs is {tech.max_jobs}")

    # -- shift ----------------------------------------------------------------------------
    def check_shift(self) -> None:
        tech, tid = self.tech, self.tech.id
        earliest, what = self.shift.start, "the shift start"
        # A route that begins with work already under way (its first job in progress or
        # dispatched to this technician) started before `now`: only the shift start binds it.
        first = self.jobs.get(self.stops[0].job_id) if self.stops else None
        underway = first is not None and first.status in (JobStatus.in_progress, JobStatus.dispatched)
        if not underway:
            if tech.available_from is not None and tech.available_from > earliest:
                earliest, what = tech.available_from, "available_from"
            if self.problem.now is not None and self.problem.now > earliest:
                earliest, what = self.problem.now, "the planning instant (now)"
        if _s(self.start, earliest) < -TOLERANCE_S:
            self.add("shift_start", f"{tid} leaves at {_iso(self.start)}, before {what} {_iso(earliest)}")
        if _s(self.end, self.shift.end) > TOLERANCE_S:
            self.add("shift_end", f"{tid} is back at {_iso(self.end)}, after the shift end {_iso(self.shift.end)}")

    # -- breaks -----------------------------------------------------------------------------
    def check_break_matching(self) -> None:
        """Each break of the technician taken exactly once, with its duration, in its window."""
        tid, slots, breaks = self.tech.id, self.slots, self.shift.breaks
        matched = _match_breaks(slots, breaks)
        free_slots = [i for i in range(len(slots)) if i not in matched]
        free_breaks = [j for j in range(len(breaks)) if j not in set(matched.values())]
        for i in free_slots:
            slot = slots[i]
            same_len = [j for j in free_breaks if abs(_len_s(slot) - minutes_to_s(breaks[j].duration_min)) <= TOLERANCE_S]
            in_window = [
                j for j in free_breaks
                if _s(slot.start, breaks[j].earliest_start) >= -TOLERANCE_S and _s(slot.start, breaks[j].latest_start) <= TOLERANCE_S
            ]
            candidates = same_len or in_window or free_breaks
            if not candidates:
                self.add("break_extra", f"{tid} reports a break at {_iso(slot.start)} beyond its {len(breaks)} break(s)")
                continue
            pick = candidates[0]
            free_breaks.remove(pick)
            brk = breaks[pick]
            if pick not in in_window:
                self.add("break_window", f"{tid} starts a break at {_iso(slot.start)}, outside [{_iso(brk.earliest_start)}, {_iso(brk.latest_start)}]")
            if pick not in same_len:
                self.add("break_duration", f"{tid} takes a break of {_len_s(slot) / 60:g} min at {_iso(slot.start)}; the break lasts {brk.duration_min:g} min")
        for j in free_breaks:
            brk = breaks[j]
            self.add("break_missing", f"{tid} does not take its {brk.duration_min:g} min break (start window {_iso(brk.earliest_start)} - {_iso(brk.latest_start)})")

    def check_break_placement(self) -> None:
        """Breaks overlap neither each other nor a service, nor straddle departure/return."""
        tid, slots = self.tech.id, self.slots
        for k, a in enumerate(slots):
            for b in slots[k + 1:]:
                if _s(b.start, a.end) < -TOLERANCE_S:
                    self.add("break_overlap", f"{tid}: breaks at {_iso(a.start)} and {_iso(b.start)} overlap")
        for slot in slots:
            for stop in self.stops:
                if _s(slot.start, stop.end) < -TOLERANCE_S and _s(stop.start, slot.end) < -TOLERANCE_S:
                    self.add("break_overlap", f"{tid}: break at {_iso(slot.start)} overlaps the service of {stop.job_id}", stop.job_id)
            if _s(slot.start, self.start) < -TOLERANCE_S and _s(slot.end, self.start) > TOLERANCE_S:
                self.add("break_gap", f"{tid}: break at {_iso(slot.start)} straddles the departure at {_iso(self.start)}")
            if _s(slot.start, self.end) < -TOLERANCE_S and _s(slot.end, self.end) > TOLERANCE_S:
                self.add("break_gap", f"{tid}: break at {_iso(slot.start)} straddles the return at {_iso(self.end)}")

    def breaks_between(self, a: datetime, b: datetime) -> float:
        """Seconds of break lying entirely within ``[a, b]``."""
        return sum(_len_s(s) for s in self.slots if _s(s.start, a) >= -TOLERANCE_S and _s(s.end, b) <= TOLERANCE_S)

    def breaks_starting(self, a: datetime, b: datetime) -> float:
        """Seconds of the breaks that start in ``[a, b)`` (each pauses a drive ending at ``b``)."""
        return sum(_len_s(s) for s in self.slots if _s(s.start, a) >= -TOLERANCE_S and _s(s.start, b) < -TOLERANCE_S)

    # -- legs, times and totals --------------------------------------------------------------
    def check_legs(self) -> None:
        tech, route, tid = self.tech, self.route, self.tech.id
        durations, distances = self.matrix.durations_s, self.matrix.distances_m
        start_location = tech.current_location if tech.current_location is not None and self.shift.current else self.shift.start_location
        prev_point = self.points.index_of(start_location)
        prev_time, prev_name = self.start, "the departure"
        total_travel = total_dist = service = 0
        for stop in self.stops:
            job = self.jobs[stop.job_id]
            here = self.points.index_of(job.location)
            travel, meters = int(durations[prev_point, here]), int(distances[prev_point, here])
            total_travel += travel
            total_dist += meters
            if stop.travel_time_s != travel or stop.distance_m != meters:
                self.add("travel", f"leg to {job.id}: reported {stop.travel_time_s} s / {stop.distance_m} m, the matrix says {travel} s / {meters} m", job.id)
            self.check_leg_time(prev_time, prev_name, stop.arrival, travel, f"arrival at {job.id}", job.id)
            if _s(stop.start, stop.arrival) < -TOLERANCE_S:
                self.add("timing", f"{job.id}: service starts at {_iso(stop.start)}, before the arrival at {_iso(stop.arrival)}", job.id)
            # The whole gap must hold the drive and every break in it (also those while waiting).
            gap = _s(stop.start, prev_time)
            if gap + TOLERANCE_S >= travel and gap + TOLERANCE_S < travel + self.breaks_between(prev_time, stop.start):
                if not any(v.job_id == job.id and v.rule in ("break_gap", "timing") for v in self.out):
                    self.add("break_gap", f"{job.id}: {gap:.0f} s from {prev_name} to the start of service cannot hold {travel} s of travel plus its breaks", job.id)
            duration = _service_s(job, tech)
            if abs(_s(stop.end, stop.start) - duration) > TOLERANCE_S:
                self.add("timing", f"{job.id}: service lasts {_s(stop.end, stop.start):.0f} s; the job takes {duration} s when {tid} does it", job.id)
            if job.time_windows and not any(
                _s(stop.start, w.start) >= -TOLERANCE_S and _s(stop.start, w.end) <= TOLERANCE_S for w in job.time_windows
            ):
                windows = ", ".join(f"[{_iso(w.start)}, {_iso(w.end)}]" for w in job.time_windows)
                self.add("time_window", f"{job.id}: service starts at {_iso(stop.start)}, outside every time window {windows}", job.id)
            self.check_sla_fields(job, stop)
            service += duration
            prev_point, prev_time, prev_name = here, stop.end, f"the end of {job.id}"
        end_point = self.points.index_of(self.shift.end_location)
        back, back_m = int(durations[prev_point, end_point]), int(distances[prev_point, end_point])
        total_travel += back
        total_dist += back_m
        gap = _s(self.end, prev_time)
        if gap + TOLERANCE_S < back:
            self.add("timing", f"{tid}: back at {_iso(self.end)}, {gap:.0f} s after {prev_name}; the drive home takes {back} s")
        elif gap + TOLERANCE_S < back + self.breaks_between(prev_time, self.end):
            self.add("break_gap", f"{tid}: {gap:.0f} s from {prev_name} to the return cannot hold {back} s of travel plus its breaks")
        if route.travel_time_s != total_travel or route.distance_m != total_dist:
            self.add("totals", f"{tid}: route totals {route.travel_time_s} s / {route.distance_m} m; recomputed {total_travel} s / {total_dist} m")
        if route.return_travel_time_s != back or route.return_distance_m != back_m:
            self.add("totals", f"{tid}: return leg {route.return_travel_time_s} s / {route.return_distance_m} m; the matrix says {back} s / {back_m} m")
        if abs(route.work_time_s - (total_travel + service)) > TOLERANCE_S:
            self.add("totals", f"{tid}: work_time_s {route.work_time_s}; recomputed service + travel {total_travel + service}")

    def check_leg_time(self, prev_time: datetime, prev_name: str, arrival: datetime, travel: int, what: str, job_id: str) -> None:
        """``arrival >= prev_time + travel + breaks that start during the drive``."""
        elapsed = _s(arrival, prev_time)
        if elapsed + TOLERANCE_S < travel:
            self.add("timing", f"{what} at {_iso(arrival)} is {elapsed:.0f} s after {prev_name}; the drive takes {travel} s", job_id)
        elif elapsed + TOLERANCE_S < travel + self.breaks_starting(prev_time, arrival):
            self.add("break_gap", f"{what} at {_iso(arrival)} leaves no time for the breaks taken on the way ({travel} s of driving)", job_id)

    def check_sla_fields(self, job: Job, stop) -> None:
        if job.sla_deadline is None:
            if stop.sla_met is not None or stop.lateness_s:
                self.add("sla_fields", f"{job.id} has no sla_deadline but sla_met={stop.sla_met}, lateness_s={stop.lateness_s}", job.id)
            return
        late = _s(stop.end, job.sla_deadline)
        if stop.sla_met is not None and stop.sla_met != (late <= TOLERANCE_S) and abs(late) > TOLERANCE_S:
            self.add("sla_fields", f"{job.id}: sla_met={stop.sla_met} but service ends {late:.0f} s after the deadline", job.id)
        if abs(stop.lateness_s - max(0.0, late)) > TOLERANCE_S:
            self.add("sla_fields", f"{job.id}: lateness_s={stop.lateness_s}; service ends {max(0.0, late):.0f} s after the deadline", job.id)


def format_violations(violations: list[Violation]) -> str:
    """One line per violation: ``rule [technician, job]: message``."""
    lines = []
    for v in violations:
        about = ", ".join(x for x in (f"technician {v.technician_id}" if v.technician_id else "", f"job {v.job_id}" if v.job_id else "") if x)
        lines.append(f"{v.rule}" + (f" [{about}]" if about else "") + f": {v.message}")
    return "\n".join(lines)


def assert_valid(
    problem: Problem,
    solution: Solution,
    matrix: Optional[TravelMatrix] = None,
    points: Optional[PointIndex] = None,
) -> None:
    """Raise AssertionError listing every violation (for tests across the project)."""
    violations = validate(problem, solution, matrix, points)
    if violations:
        raise AssertionError(f"{len(violations)} violation(s):\n" + format_violations(violations))
