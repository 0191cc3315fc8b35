"""An independent oracle for tiny problems: its own timing, its own cost, exhaustive search.

Written from the documented semantics (``Break`` and ``Job`` docstrings in ``optimizer.models``,
the module docstrings of ``optimizer/solvers/schedule.py``, ``objective.py`` and ``costs.py``,
``Weights``' field descriptions and the README's model page), never from the engine's code:
nothing here imports ``optimizer.solvers`` or ``optimizer.geo``. Only the public pydantic models
are read. Travel times come from the problem's *explicit* matrix, indexed by
``Location.index``, multiplied by ``options.speed_factor`` here, so the matrix builder that the
engine and the validator share is not trusted either.

Timing (per technician, one ordered route):

- leave the start point (``current_location`` when given) at or after the ready time:
  ``max(shift start, available_from, now)``;
- service starts inside one of the job's windows (any of them; none = no restriction), at or
  after arrival, and lasts the job's duration for that technician: its entry in
  ``durations_by_technician``, else ``duration_min x service_factor`` (whole seconds, rounded up);
  waiting is allowed;
- a technician with ``shifts`` has one route per shift, each timed alone with that shift's hours,
  breaks and locations (start: the shift's, else the technician's; end: the shift's, else the
  technician's end, else the shift's start); ``current_location`` is the start of the first shift
  not ended at ``now`` (the first shift without ``now``);
- each break starts inside ``[earliest_start, latest_start]`` and lasts its duration; it is taken
  in a *gap*: on the way to a stop (driving pauses, or after arriving while waiting), on the way
  home, or after the return; never during a service; a technician without stops takes none;
- the technician is back at the end point by the shift end.

Every placement of every break (any order, any gap) is enumerated; within a gap each break starts
as early as it can, which never hurts what follows. The timing of a route is the feasible
placement of least SLA cost.

Cost (seconds-of-driving units, as ``Solution.solver.objective``): travel time x
``travel_time_per_s`` + km x ``distance_per_km`` for every leg including the drive home; SLA:
seconds that *service ends* after ``sla_deadline`` x ``sla_lateness_per_min[priority]`` / 60;
``non_preferred_technician`` per job with a preferred list that does not name its technician;
``technician_fixed_cost`` per technician with stops; ``workload_balance_per_s`` per second a
technician's work (service + travel) exceeds its fair share (all service plus every technician's
home-to-home drive, split in proportion to available shift time ``shift end - ready``, whole
seconds); the drop penalty of each unserved job that some technician could serve alone, by
priority, as a multiple of the per-problem drop base. Jobs nobody can serve alone cost nothing
(the objective leaves that constant out).

The drop base is the bound described in ``costs.py``: twice (twice the largest arc cost + the
largest SLA rate x the horizon x (1 + number of deadline jobs) + the balance rate x (longest
service + twice the longest drive) + one non-preference + one fixed cost), plus one (a second of driving).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional, Sequence

from optimizer.models import Problem, Solution

DROP_MULT_DEFAULT = {"urgent": 8.0, "high": 4.0, "normal": 2.0, "low": 1.0}


@dataclass(frozen=True)
class OBreak:
    earliest: int
    latest: int
    duration: int


@dataclass
class OTech:
    id: str
    start: int
    end: int
    ready: int
    shift_end: int
    breaks: list[OBreak]
    skills: dict[str, int]
    parts: dict[str, int]
    max_jobs: Optional[int]
    shift: Optional[int] = None
    factor: float = 1.0

    @property
    def key(self):
        """How plans name the route: the technician id, or (id, shift index) with shifts."""
        return self.id if self.shift is None else (self.id, self.shift)


@dataclass
class OJob:
    id: str
    point: int
    duration: int
    windows: list[tuple[int, int]]
    deadline: Optional[int]
    priority: str
    skills: dict[str, int]
    parts: dict[str, int]
    pinned: Optional[str]
    preferred: frozenset[str]
    excluded: frozenset[str]
    minutes: float = 0.0
    by_tech: dict[str, int] = field(default_factory=dict)

    def service(self, tech: "OTech") -> int:
        """Seconds of service when ``tech`` does the job."""
        if tech.id in self.by_tech:
            return self.by_tech[tech.id]
        return math.ceil(self.minutes * tech.factor * 60 - 1e-9) if tech.factor != 1.0 else self.duration


@dataclass
class Timing:
    """A feasible timing of one route: per stop ``(arrival, start, end)``, break slots, return."""

    stops: list[tuple[int, int, int]]
    breaks: list[tuple[int, int]]
    back: int
    sla_cost: float


@dataclass
class Oracle:
    problem: Problem
    techs: list[OTech]
    jobs: list[OJob]
    durations: list[list[int]]
    distances: list[list[int]]
    origin: datetime
    _timing_cache: dict = field(default_factory=dict)

    # ---------------------------------------------------------------- construction
    @classmethod
    def of(cls, problem: Problem) -> "Oracle":
        opts = problem.options
        assert opts.matrix == "explicit" and opts.explicit_matrix is not None, "the oracle needs an explicit matrix"
        starts = [t.shift.start if t.shift is not None else t.shifts[0].start for t in problem.technicians]  # type: ignore[index]
        starts += [problem.now] if problem.now else []
        origin = min(starts)

        def sec(instant: datetime, up: bool = True) -> int:
            s = (instant - origin).total_seconds()
            return math.ceil(s) if up else math.floor(s)

        factor = opts.speed_factor
        dur = [[int(round(float(v) * factor)) for v in row] for row in opts.explicit_matrix.durations_s]
        n = len(dur)
        dist_src = opts.explicit_matrix.distances_m or [[0] * n for _ in range(n)]
        dist = [[int(round(float(v))) for v in row] for row in dist_src]
        techs = []
        for t in problem.technicians:
            if t.shifts is None:
                periods = [(None, t.shift.start, t.shift.end, t.start_location, t.end_location or t.start_location, t.breaks)]
                current = None
            else:
                periods = [(k, sh.start, sh.end, sh.start_location or t.start_location,
                            sh.end_location or t.end_location or sh.start_location or t.start_location, sh.breaks)
                           for k, sh in enumerate(t.shifts)]
                open_ = [k for k, sh in enumerate(t.shifts) if problem.now is None or sh.end > problem.now]
                current = open_[0] if open_ else len(t.shifts) - 1
            for k, begin, finish, start_loc, end_loc, brks in periods:
                ready = max([begin] + [x for x in (t.available_from, problem.now) if x is not None])
                here = t.current_location if t.current_location is not None and k == current else start_loc
                breaks = [OBreak(sec(b.earliest_start), sec(b.latest_start, up=False), math.ceil(b.duration_min * 60 - 1e-9)) for b in brks]
                techs.append(OTech(t.id, here.index, end_loc.index, sec(ready), sec(finish, up=False), breaks, dict(t.skills),
                                   dict(t.parts), t.max_jobs, k, t.service_factor))
        jobs = []
        for j in problem.jobs:
            if j.status.value == "completed":
                continue
            jobs.append(OJob(
                j.id, j.location.index, math.ceil(j.duration_min * 60 - 1e-9),
                [(sec(w.start), sec(w.end, up=False)) for w in j.time_windows],
                sec(j.sla_deadline, up=False) if j.sla_deadline is not None else None,
                j.priority.value, dict(j.skills), dict(j.parts), j.pinned_technician,
                frozenset(j.preferred_technicians), frozenset(j.excluded_technicians),
                j.duration_min, {tid: math.ceil(m * 60 - 1e-9) for tid, m in j.durations_by_technician.items()},
            ))
        return cls(problem, techs, jobs, dur, dist, origin)

    @property
    def weights(self):
        return self.problem.options.weights

    def seconds(self, instant: datetime) -> float:
        return (instant - self.origin).total_seconds()

    # ---------------------------------------------------------------- timing
    def time_route(self, tech: OTech, seq: Sequence[OJob]) -> Optional[Timing]:
        """The feasible timing of least SLA cost of ``seq`` for ``tech``, or None."""
        key = (tech.key, tuple(j.id for j in seq))
        if key not in self._timing_cache:
            self._timing_cache[key] = self._time_route(tech, list(seq))
        return self._timing_cache[key]

    def _time_route(self, tech: OTech, seq: list[OJob]) -> Optional[Timing]:
        if not seq:
            return Timing([], [], tech.ready, 0.0)
        n = len(seq)
        best: Optional[Timing] = None
        breaks = tech.breaks
        for order in itertools.permutations(range(len(breaks))):
            # gaps 0..n-1: before stop g; n: the drive home; n+1: after the return.
            for gaps in itertools.combinations_with_replacement(range(n + 2), len(breaks)):
                timing = self._simulate(tech, seq, [breaks[i] for i in order], list(gaps))
                if timing is not None and (best is None or timing.sla_cost < best.sla_cost):
                    best = timing
        return best

    def _simulate(self, tech: OTech, seq: list[OJob], brks: list[OBreak], gaps: list[int]) -> Optional[Timing]:
        t = tech.ready
        pos = tech.start
        stops: list[tuple[int, int, int]] = []
        slots: list[tuple[int, int]] = []
        cost = 0.0
        n = len(seq)
        sla = self.weights.sla_lateness_per_min
        for g in range(n + 1):
            target = seq[g].point if g < n else tech.end
            remaining = self.durations[pos][target]
            arrived: Optional[int] = None
            for b, gap in zip(brks, gaps):
                if gap != g:
                    continue
                s = max(t, b.earliest)
                if s > b.latest:
                    return None
                if remaining <= s - t:  # arrive first, then wait for the break
                    if arrived is None:
                        arrived = t + remaining
                    remaining = 0
                else:  # drive until the break starts, pause
                    remaining -= s - t
                slots.append((s, s + b.duration))
                t = s + b.duration
            ready = t + remaining
            arrival = arrived if arrived is not None else ready
            if g == n:
                if arrival > tech.shift_end:
                    return None
                back = arrival
                t = ready
                break
            job = seq[g]
            if job.windows:
                opts = [max(ready, lo) for lo, hi in job.windows if max(ready, lo) <= hi]
                if not opts:
                    return None
                start = min(opts)
            else:
                start = ready
            end = start + job.service(tech)
            stops.append((arrival, start, end))
            if job.deadline is not None and end > job.deadline:
                cost += sla[job.priority] / 60.0 * (end - job.deadline)
            t, pos = end, target
        for b, gap in zip(brks, gaps):
            if gap == n + 1:
                s = max(t, b.earliest)
                if s > b.latest:
                    return None
                slots.append((s, s + b.duration))
                t = s + b.duration
        return Timing(stops, slots, back, cost)

    # ---------------------------------------------------------------- static rules
    def eligible(self, tech: OTech, jobs: Sequence[OJob]) -> bool:
        if tech.max_jobs is not None and len(jobs) > tech.max_jobs:
            return False
        used: dict[str, int] = {}
        for j in jobs:
            if j.pinned is not None and j.pinned != tech.id:
                return False
            if tech.id in j.excluded:
                return False
            if any(tech.skills.get(s, 0) < lvl for s, lvl in j.skills.items()):
                return False
            for p, u in j.parts.items():
                used[p] = used.get(p, 0) + u
        return all(u <= tech.parts.get(p, 0) for p, u in used.items())

    def servable(self, job: OJob) -> bool:
        """Some technician could serve ``job`` alone in an otherwise empty plan."""
        return any(self.eligible(t, [job]) and self.time_route(t, [job]) is not None for t in self.techs)

    # ---------------------------------------------------------------- cost
    def work_targets(self) -> list[int]:
        shifts = [max(1, t.shift_end - t.ready) for t in self.techs]
        total = sum(j.duration for j in self.jobs) + sum(self.durations[t.start][t.end] for t in self.techs)
        return [int(total * s // sum(shifts)) for s in shifts]

    def _used_points(self) -> list[int]:
        pts = {t.start for t in self.techs} | {t.end for t in self.techs} | {j.point for j in self.jobs}
        for t in self.problem.technicians:
            pts.add(t.start_location.index)
        return sorted(pts)

    def drop_base(self) -> float:
        w = self.weights
        pts = self._used_points()
        max_d = max(self.durations[a][b] for a in pts for b in pts)
        max_m = max(self.distances[a][b] for a in pts for b in pts)
        max_arc = w.travel_time_per_s * max_d + w.distance_per_km * max_m / 1000.0
        horizon = max(max(t.shift_end for t in self.techs), 1)
        n_deadline = sum(1 for j in self.jobs if j.deadline is not None)
        max_service = max([j.service(t) for j in self.jobs for t in self.techs] + [j.duration for j in self.jobs] + [0])
        base = (
            2 * max_arc
            + max(w.sla_lateness_per_min.values()) / 60.0 * horizon * (1 + n_deadline)
            + w.workload_balance_per_s * (max_service + 2 * max_d)
            + w.non_preferred_technician
            + w.technician_fixed_cost
        )
        return 2 * base + 1.0

    def drop_cost(self, job: OJob) -> float:
        return self.drop_base() * self.weights.unassigned_penalty[job.priority]

    def route_cost(self, tech: OTech, seq: Sequence[OJob]) -> Optional[float]:
        """Everything a route costs (None when it is infeasible)."""
        if not seq:
            return 0.0
        if not self.eligible(tech, seq):
            return None
        timing = self.time_route(tech, seq)
        if timing is None:
            return None
        w = self.weights
        pts = [tech.start] + [j.point for j in seq] + [tech.end]
        travel = sum(self.durations[a][b] for a, b in zip(pts, pts[1:]))
        metres = sum(self.distances[a][b] for a, b in zip(pts, pts[1:]))
        cost = w.travel_time_per_s * travel + w.distance_per_km * metres / 1000.0
        cost += timing.sla_cost
        cost += w.non_preferred_technician * sum(1 for j in seq if j.preferred and tech.id not in j.preferred)
        cost += w.technician_fixed_cost
        work = travel + sum(j.service(tech) for j in seq)
        if "targets" not in self._timing_cache:
            self._timing_cache["targets"] = self.work_targets()
        cost += w.workload_balance_per_s * max(0, work - self._timing_cache["targets"][self.techs.index(tech)])
        return cost

    def plan_cost(self, routes: dict) -> float:
        """Cost of a plan given as route key (technician id; ``(id, shift index)`` with shifts)
        -> ordered job ids; raises when infeasible."""
        jobs = {j.id: j for j in self.jobs}
        total = 0.0
        served: set[str] = set()
        for tech in self.techs:
            seq = [jobs[jid] for jid in routes.get(tech.key, [])]
            cost = self.route_cost(tech, seq)
            if cost is None:
                raise AssertionError(f"the oracle finds route {[j.id for j in seq]} of {tech.id} infeasible")
            total += cost
            served.update(j.id for j in seq)
        total += sum(self.drop_cost(j) for j in self.jobs if j.id not in served and self.servable(j))
        return total

    def solution_cost(self, solution: Solution) -> float:
        return self.plan_cost({(r.technician_id if r.shift_index is None else (r.technician_id, r.shift_index)): [s.job_id for s in r.stops]
                               for r in solution.routes})

    # ---------------------------------------------------------------- exhaustive search
    def best_route(self, tech: OTech, subset: Sequence[OJob]) -> Optional[tuple[float, list[OJob]]]:
        best = None
        for perm in itertools.permutations(subset):
            cost = self.route_cost(tech, perm)
            if cost is not None and (best is None or cost < best[0]):
                best = (cost, list(perm))
        return best

    def optimum(self) -> tuple[float, dict[str, list[str]]]:
        """The least-cost plan over every assignment (each job to a technician or unserved)
        and every order; returns (cost, technician id -> job ids)."""
        assert len(self.jobs) <= 7 and len(self.techs) <= 2, "the enumerator is for tiny problems"
        drop = {j.id: (self.drop_cost(j) if self.servable(j) else 0.0) for j in self.jobs}
        memo: dict[tuple[int, tuple[str, ...]], Optional[tuple[float, list[OJob]]]] = {}
        best: Optional[tuple[float, dict[str, list[str]]]] = None
        k = len(self.techs)
        for assign in itertools.product(range(k + 1), repeat=len(self.jobs)):
            total = sum(drop[j.id] for j, a in zip(self.jobs, assign) if a == k)
            if best is not None and total >= best[0]:
                continue
            routes: dict[str, list[str]] = {}
            for ti, tech in enumerate(self.techs):
                subset = tuple(j for j, a in zip(self.jobs, assign) if a == ti)
                key = (ti, tuple(j.id for j in subset))
                if key not in memo:
                    memo[key] = self.best_route(tech, subset)
                found = memo[key]
                if found is None:
                    break
                total += found[0]
                routes[tech.key] = [j.id for j in found[1]]
            else:
                if best is None or total < best[0] - 1e-9:
                    best = (total, routes)
        assert best is not None
        return best
