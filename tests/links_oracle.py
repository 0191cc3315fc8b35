"""An independent exhaustive oracle for tiny problems with crews and dependencies.

Written from the documented semantics (``Job.crew`` and ``Job.after`` in
``optimizer.models.job``, docs/api.md), never from the engine's code: it imports nothing from
``optimizer.solvers``, ``optimizer.geo`` or ``optimizer.validate``, and it decides feasibility by
a different method than the engine and the scheduler: every plan (who serves which job, in which
order) is a system of difference constraints on the service starts, checked by Bellman-Ford
(a negative cycle = no start times exist).

Scope (what the tests generate): explicit matrix (``speed_factor`` 1), no breaks, at most one
time window per job, no SLA deadlines, parts, max_jobs, pinned/excluded/preferred technicians.

Variables per plan: the departure and the return of every technician with stops, and the
service start of every visit (a crew job has one visit per member). Constraints:

- departure >= shift start; first start >= departure + travel; next start >= start + duration +
  travel; return >= last start + duration + travel home; return <= shift end;
- start inside the job's window;
- the visits of one crew job start at the same instant, on distinct technicians whose skills
  cover the member requirements one each;
- a dependent starts at least ``min_delay_min`` and at most ``max_delay_min`` after its
  predecessor's end, and is served only if the predecessor is.

Best plan: the most visits served (a crew job counts once per member, as its drop penalty
does), then the least travel.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Optional

from optimizer.models import Problem

INF = float("inf")


@dataclass
class Best:
    served_visits: int
    travel_s: int
    plan: dict[str, list[str]]


def _skills_ok(tech, need: dict[str, int]) -> bool:
    return all(tech.skills.get(s, 0) >= lvl for s, lvl in need.items())


def _placements(problem: Problem, job) -> list[tuple[str, ...]]:
    """Every way to serve ``job``: a tuple of technician ids (one per member), plus () = unserved."""
    out: list[tuple[str, ...]] = [()]
    techs = problem.technicians
    if not job.crew:
        out += [(t.id,) for t in techs if _skills_ok(t, job.skills)]
        return out
    for combo in itertools.permutations(techs, len(job.crew)):
        if all(_skills_ok(t, m.skills) for t, m in zip(combo, job.crew)):
            ids = tuple(sorted(t.id for t in combo))
            if ids not in out:
                out.append(ids)
    return out


def _seconds(problem: Problem, instant) -> int:
    origin = min(t.shift.start for t in problem.technicians)
    return round((instant - origin).total_seconds())


def _feasible(problem: Problem, routes: dict[str, list[str]]) -> bool:
    """Bellman-Ford on the plan's difference constraints (``x[b] - x[a] <= w`` edges a -> b)."""
    d = problem.options.explicit_matrix.durations_s
    jobs = {j.id: j for j in problem.jobs}
    nodes = ["z"]
    edges: list[tuple[str, str, float]] = []

    def ge(b: str, a: str, c: float) -> None:  # x[b] >= x[a] + c  <=>  x[a] - x[b] <= -c
        edges.append((b, a, -c))

    visit_nodes: dict[str, list[str]] = {}
    for tech in problem.technicians:
        seq = routes.get(tech.id, [])
        if not seq:
            continue
        dep, ret = f"dep:{tech.id}", f"ret:{tech.id}"
        nodes += [dep, ret]
        ge(dep, "z", _seconds(problem, tech.shift.start))
        ge("z", ret, -_seconds(problem, tech.shift.end))  # ret <= end
        prev, prev_pt, prev_dur = dep, tech.start_location.index, 0
        for jid in seq:
            job = jobs[jid]
            v = f"{jid}@{tech.id}"
            nodes.append(v)
            visit_nodes.setdefault(jid, []).append(v)
            ge(v, prev, prev_dur + d[prev_pt][job.location.index])
            if job.time_windows:
                w = job.time_windows[0]
                ge(v, "z", _seconds(problem, w.start))
                ge("z", v, -_seconds(problem, w.end))
            prev, prev_pt, prev_dur = v, job.location.index, round(job.duration_min * 60)
        end = (tech.end_location or tech.start_location).index
        ge(ret, prev, prev_dur + d[prev_pt][end])
    for jid, vs in visit_nodes.items():
        for a, b in zip(vs, vs[1:]):
            ge(a, b, 0)
            ge(b, a, 0)
        for dep in jobs[jid].after:
            pred = visit_nodes[dep.job][0]
            dur = round(jobs[dep.job].duration_min * 60)
            ge(vs[0], pred, dur + dep.min_delay_min * 60)
            if dep.max_delay_min is not None:
                ge(pred, vs[0], -(dur + dep.max_delay_min * 60))
    dist = {n: 0.0 for n in nodes}
    for _ in range(len(nodes)):
        changed = False
        for a, b, w in edges:
            if dist[a] + w < dist[b]:
                dist[b] = dist[a] + w
                changed = True
        if not changed:
            return True
    return False


def _travel(problem: Problem, routes: dict[str, list[str]]) -> int:
    d = problem.options.explicit_matrix.durations_s
    jobs = {j.id: j for j in problem.jobs}
    total = 0
    for tech in problem.technicians:
        seq = routes.get(tech.id, [])
        if not seq:
            continue
        pts = [tech.start_location.index] + [jobs[j].location.index for j in seq] + [(tech.end_location or tech.start_location).index]
        total += sum(d[a][b] for a, b in zip(pts, pts[1:]))
    return total


def best_plan(problem: Problem) -> Best:
    """The plan serving the most visits, then with the least travel, by exhaustive search."""
    jobs = problem.jobs
    best: Optional[Best] = None
    for choice in itertools.product(*[_placements(problem, j) for j in jobs]):
        served = {j.id for j, c in zip(jobs, choice) if c}
        if any(dep.job not in served for j in jobs if j.id in served for dep in j.after):
            continue
        visits = sum(len(c) for c in choice)
        if best is not None and visits < best.served_visits:
            continue
        assigned: dict[str, list[str]] = {}
        for j, c in zip(jobs, choice):
            for tid in c:
                assigned.setdefault(tid, []).append(j.id)
        for orders in itertools.product(*[list(itertools.permutations(v)) for v in assigned.values()]):
            routes = {tid: list(o) for tid, o in zip(assigned, orders)}
            travel = _travel(problem, routes)
            if best is not None and (visits, -travel) <= (best.served_visits, -best.travel_s):
                continue
            if _feasible(problem, routes):
                best = Best(visits, travel, routes)
    assert best is not None
    return best
