"""Integer cost coefficients shared by the engine, the insertion evaluator and the objective.

Weights (see :class:`optimizer.models.options.Weights`) are floats in "seconds of driving";
inside, every coefficient is an integer number of cost units, ``COST_SCALE`` per weight unit,
because OR-Tools works on int64 costs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizer.solvers.compiled import CompiledProblem

COST_SCALE = 100
"""Cost units per weight unit (one second of driving costs 100 units at default weights)."""


@dataclass(frozen=True)
class CostModel:
    travel_per_s: int
    distance_per_m_milli: int
    """Cost per metre, in thousandths of a cost unit (distance_per_km x COST_SCALE)."""
    sla_per_s: dict[str, int]
    balance_per_s: int
    non_preferred: int
    fixed_per_tech: int
    drop_penalty: dict[str, int]
    work_targets: list[int]
    """Fair share of working time (service + travel) per technician, seconds: all service plus
    every technician's home-to-home drive, split in proportion to available shift time. Work
    above it costs ``balance_per_s`` per second (linear: moving work from an overloaded to an
    underloaded technician always pays)."""

    def arc_costs(self, durations: np.ndarray, distances: np.ndarray) -> np.ndarray:
        """Integer arc cost matrix: travel-time cost plus distance cost."""
        cost = durations.astype(np.int64) * self.travel_per_s
        if self.distance_per_m_milli:
            cost = cost + (distances.astype(np.int64) * self.distance_per_m_milli) // 1000
        return cost

    def lateness_cost(self, priority: str, lateness_s: int) -> int:
        return self.sla_per_s[priority] * lateness_s


def build_cost_model(cp: CompiledProblem) -> CostModel:
    w = cp.problem.options.weights
    travel = int(round(w.travel_time_per_s * COST_SCALE))
    dist_milli = int(round(w.distance_per_km * COST_SCALE))
    sla = {p: int(round(v * COST_SCALE / 60.0)) for p, v in w.sla_lateness_per_min.items()}
    balance = int(round(w.workload_balance_per_s * COST_SCALE))
    pref = int(round(w.non_preferred_technician * COST_SCALE))
    fixed = int(round(w.technician_fixed_cost * COST_SCALE))
    # The drop base exceeds whatever serving one job can cost: its detour (at most twice the
    # largest arc), its own lateness over the whole horizon and that of every other deadline job
    # it could delay, the balance term, a non-preference and a technician's fixed cost.
    max_arc = 0
    if cp.matrix.size:
        max_arc = int(travel * cp.durations.max() + (dist_milli * int(cp.distances.max())) // 1000)
    n_deadline = sum(1 for j in cp.jobs if j.deadline_s is not None)
    max_service = max([j.duration_s for j in cp.jobs] + [0])
    horizon = max(cp.horizon_s, 1)
    base = (
        2 * max_arc
        + max(sla.values(), default=0) * horizon * (1 + n_deadline)
        + balance * (max_service + 2 * int(cp.durations.max() if cp.matrix.size else 0))
        + pref
        + fixed
    )
    base = 2 * base + COST_SCALE
    drop = {p: int(round(base * m)) for p, m in w.unassigned_penalty.items()}
    return CostModel(travel, dist_milli, sla, balance, pref, fixed, drop, work_targets(cp))


def work_targets(cp: CompiledProblem) -> list[int]:
    shifts = [max(1, t.shift_end_s - t.ready_s) for t in cp.techs]
    total = sum(j.duration_s for j in cp.jobs) + sum(int(cp.durations[t.start_point, t.end_point]) for t in cp.techs)
    return [int(total * s / sum(shifts)) for s in shifts]
