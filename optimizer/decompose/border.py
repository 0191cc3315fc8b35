"""Border improvement: re-solve pairs of neighbouring territories together.

A round picks disjoint pairs of neighbouring territories (pairs used least so far first, then the
nearest) and solves each pair as one problem: both territories' technicians, their jobs and both
unassigned lists, seeded with their current routes, so that the pair's answer is never worse than
the two plans it starts from (:func:`optimizer.solve.solve` guarantees it for a seed). Jobs may
change territory that way: a job routed by a technician belongs to that technician's territory
afterwards; a job left unassigned stays where it was. A pair whose solve fails keeps its plans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from optimizer.decompose.merge import split_solution
from optimizer.decompose.parallel import Backend
from optimizer.decompose.partition import Territory
from optimizer.decompose.territory import Task, TaskResult, sub_problem
from optimizer.models import Problem, Solution

__all__ = ["BorderState", "pick_pairs", "border_round"]


@dataclass
class BorderState:
    """Current plan per territory (None when its solve failed) and what the rounds did."""

    territories: list[Territory]
    parts: dict[int, Optional[Solution]]
    uses: dict[tuple[int, int], int] = field(default_factory=dict)
    pairs_solved: int = 0
    jobs_moved: int = 0
    warnings: list[str] = field(default_factory=list)


def pick_pairs(pairs: list[tuple[int, int]], state: BorderState) -> list[tuple[int, int]]:
    """Disjoint pairs for one round among ``pairs`` (nearest first), least used first, both sides planned."""
    order = sorted(range(len(pairs)), key=lambda k: (state.uses.get(pairs[k], 0), k))
    busy: set[int] = set()
    out = []
    for k in order:
        a, b = pairs[k]
        if a in busy or b in busy or state.parts.get(a) is None or state.parts.get(b) is None:
            continue
        busy.update((a, b))
        out.append((a, b))
    return out


def border_round(problem: Problem, state: BorderState, pairs: list[tuple[int, int]], time_limit_s: float,
                 backend: Backend, make_task: Callable[[str, Problem, Optional[dict]], Task],
                 progress: Optional[Callable[[TaskResult], None]] = None) -> None:
    """Re-solve each of ``pairs`` (disjoint) within ``time_limit_s`` and update ``state``."""
    by_id = {t.id: t for t in state.territories}
    tasks = []
    for a, b in pairs:
        ta, tb = by_id[a], by_id[b]
        seed = {r.technician_id: [s.job_id for s in r.stops] for k in (a, b) for r in state.parts[k].routes}  # type: ignore[union-attr]
        sub = sub_problem(problem, ta.technician_ids + tb.technician_ids, ta.job_ids + tb.job_ids, time_limit_s,
                          ta.region_path)
        tasks.append(make_task(f"border {a}+{b}", sub, seed))
    for (a, b), result in zip(pairs, backend.map(tasks, progress)):
        state.uses[(a, b)] = state.uses.get((a, b), 0) + 1
        if result.error or result.solution is None:
            state.warnings.append(f"border pair {a}+{b} kept its plans: {result.error}")
            continue
        state.pairs_solved += 1
        _take(state, by_id[a], by_id[b], result.solution)


def _take(state: BorderState, ta: Territory, tb: Territory, solution: Solution) -> None:
    tech_owner = {tid: ta.id for tid in ta.technician_ids} | {tid: tb.id for tid in tb.technician_ids}
    was = {jid: ta.id for jid in ta.job_ids} | {jid: tb.id for jid in tb.job_ids}
    now = dict(was)
    for route in solution.routes:
        for stop in route.stops:
            now[stop.job_id] = tech_owner[route.technician_id]
    state.jobs_moved += sum(1 for jid in was if now[jid] != was[jid])
    both = list(ta.job_ids) + list(tb.job_ids)
    for t in (ta, tb):
        t.job_ids = [jid for jid in both if now[jid] == t.id]
    for t in (ta, tb):
        state.parts[t.id] = split_solution(solution, t.technician_ids, t.job_ids)
