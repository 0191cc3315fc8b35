"""The objective of a plan, recomputed from sequences alone (engine-independent).

``plan_cost`` is what every engine minimises, in cost units (``COST_SCALE`` per weight unit):
arc costs + SLA lateness costs (earliest schedule) + non-preferred penalties + fixed costs per
technician used + balance coefficient x each technician's working time above its fair share +
drop penalties.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from optimizer.solvers.compiled import CJob, CompiledProblem
from optimizer.solvers.costs import CostModel
from optimizer.solvers.schedule import Schedule


def route_arc_cost(cp: CompiledProblem, costs: CostModel, sched: Schedule) -> int:
    pts = [sched.tech.start_point] + [s.job.point for s in sched.stops] + [sched.tech.end_point]
    total = 0
    for a, b in zip(pts, pts[1:]):
        total += costs.travel_per_s * int(cp.durations[a, b])
        if costs.distance_per_m_milli:
            total += (costs.distance_per_m_milli * int(cp.distances[a, b])) // 1000
    return total


def plan_cost(cp: CompiledProblem, costs: CostModel, schedules: Sequence[Schedule], dropped: Iterable[CJob]) -> int:
    """Total cost of a plan: ``schedules`` (one per technician with stops) and ``dropped`` jobs."""
    total = 0
    for sched in schedules:
        if not sched.stops:
            continue
        total += route_arc_cost(cp, costs, sched)
        total += sum(costs.stop_cost(s.job, s.start_s, s.lateness_s) for s in sched.stops)
        total += sum(costs.non_preferred for s in sched.stops if s.job.preferred and sched.tech.id not in s.job.preferred)
        total += costs.fixed_per_tech
        work = sched.travel_s + sched.service_s
        total += costs.balance_per_s * max(0, work - costs.work_targets[sched.tech.index])
    total += sum(costs.drop_penalty[j.priority] for j in dropped)
    return total
