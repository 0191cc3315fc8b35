"""Integer cost coefficients shared by the engine, the insertion evaluator and the objective.

Weights (see :class:`optimizer.models.options.Weights`) are floats in "seconds of driving";
inside, every coefficient is an integer number of cost units, ``COST_SCALE`` per weight unit,
because OR-Tools works on int64 costs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from optimizer.models.costs import technician_rates
from optimizer.solvers.compiled import CompiledProblem

COST_SCALE = 100
"""Cost units per weight unit (one second of driving costs 100 units at default weights)."""

MONEY_SCALE = 10_000
"""Cost units per currency unit when ``options.objective`` is ``"cost"`` (one unit = 0.01 cent,
so a 40/h technician costs 111 units per second, rounded by less than 0.5 %)."""


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
    """Per technician, seconds of work (service + travel) above which ``balance_per_s`` applies.
    In time mode: the fair share of working time (service + travel) per technician, seconds: all service plus
    every technician's home-to-home drive, split in proportion to available shift time. Work
    above it costs ``balance_per_s`` per second (linear: moving work from an overloaded to an
    underloaded technician always pays). In cost mode: see :func:`money_terms`."""
    units_per_weight: int = COST_SCALE
    """Cost units per weight unit: ``COST_SCALE`` (seconds of driving), or ``MONEY_SCALE`` per
    currency unit in cost mode. Divide a cost by it to report it in weight units."""
    promise: dict[int, tuple[int, int]] = field(default_factory=dict)
    """``cp.jobs`` index -> ``(start_s, cost_per_s)`` of a promised start (``problem.promised_starts``):
    each second the service STARTS after ``start_s`` costs ``cost_per_s``, on top of the SLA (on
    the start, so a technician's own service duration does not move the promise)."""

    def arc_costs(self, durations: np.ndarray, distances: np.ndarray) -> np.ndarray:
        """Integer arc cost matrix: travel-time cost plus distance cost."""
        cost = durations.astype(np.int64) * self.travel_per_s
        if self.distance_per_m_milli:
            cost = cost + (distances.astype(np.int64) * self.distance_per_m_milli) // 1000
        return cost

    def lateness_cost(self, priority: str, lateness_s: int) -> int:
        return self.sla_per_s[priority] * lateness_s

    def stop_cost(self, job, start_s: int, lateness_s: int) -> int:
        """SLA lateness cost of a stop of ``job`` (a CJob) starting at ``start_s``, plus its
        promise's cost when it starts after the promise."""
        cost = self.sla_per_s[job.priority] * lateness_s
        promise = self.promise.get(job.index)
        if promise is not None and start_s > promise[0]:
            cost += promise[1] * (start_s - promise[0])
        return cost


def build_cost_model(cp: CompiledProblem) -> CostModel:
    w = cp.problem.options.weights
    money = cp.problem.options.objective == "cost"
    scale = MONEY_SCALE if money else COST_SCALE
    if money:
        travel, dist_milli, fixed, balance, targets = money_terms(cp)
        # The other weights keep their meaning in seconds of driving, priced at the lowest
        # hourly rate (else 10 m at the lowest vehicle rate: a second at 36 km/h; at least 1 unit).
        second = travel or int(round(dist_milli * 10 / 1000)) or 1
    else:
        second = COST_SCALE
        travel = int(round(w.travel_time_per_s * COST_SCALE))
        dist_milli = int(round(w.distance_per_km * COST_SCALE))
        balance = int(round(w.workload_balance_per_s * COST_SCALE))
        fixed = int(round(w.technician_fixed_cost * COST_SCALE))
        targets = work_targets(cp)
    sla = {p: int(round(v * second / 60.0)) for p, v in w.sla_lateness_per_min.items()}
    pref = int(round(w.non_preferred_technician * second))
    # The drop base exceeds whatever serving one job can cost: its detour (at most twice the
    # largest arc), its own lateness over the whole horizon and that of every other deadline job
    # it could delay, the balance term, a non-preference and a technician's fixed cost.
    max_arc = 0
    if cp.matrix.size:
        max_arc = int(travel * cp.durations.max() + (dist_milli * int(cp.distances.max())) // 1000)
    n_deadline = sum(1 for j in cp.jobs if j.deadline_s is not None)
    promise = promise_terms(cp, second)
    max_service = max([j.duration_s for j in cp.jobs] + [max(j.srv) for j in cp.jobs if j.srv] + [0])
    horizon = max(cp.horizon_s, 1)
    base = (
        2 * max_arc
        + max(sla.values(), default=0) * horizon * (1 + n_deadline)
        + max((c for _, c in promise.values()), default=0) * horizon * (1 + len(promise))
        + balance * (max_service + 2 * int(cp.durations.max() if cp.matrix.size else 0))
        + pref
        + fixed
    )
    base = 2 * base + scale
    drop = {p: int(round(base * m)) for p, m in w.unassigned_penalty.items()}
    return CostModel(travel, dist_milli, sla, balance, pref, fixed, drop, targets, scale, promise)


def promise_terms(cp: CompiledProblem, second: int) -> dict[int, tuple[int, int]]:
    """``cp.jobs`` index -> (promised start in seconds, cost units per second later) of the
    problem's promised starts (``second``: cost units of one second of driving)."""
    by_id = {j.id: j for j in cp.jobs}
    out: dict[int, tuple[int, int]] = {}
    for p in cp.problem.promised_starts:
        job = by_id.get(p.job_id)
        per_s = int(round(p.cost_per_min * second / 60.0))
        if job is not None and per_s > 0:
            out[job.index] = (cp.timebase.to_s(p.start), per_s)
    return out


def money_terms(cp: CompiledProblem) -> tuple[int, int, int, int, list[int]]:
    """The money objective on the engines' terms: ``(travel_per_s, distance_per_m_milli,
    fixed_per_tech, balance_per_s, work_targets)`` in cost units (``MONEY_SCALE`` per currency).

    Every engine prices one travel rate, one distance rate and one fixed cost for all
    technicians, plus ``balance_per_s`` on each technician's work (service + travel) above its
    own target. The money model maps onto that as follows (docs/costs.md):

    - every drive at the LOWEST hourly rate of the technicians (per second) and the lowest
      vehicle rate (per metre); service time at that rate is the same whoever serves a job;
    - the MEAN fixed cost of the technicians per technician used;
    - when hourly rates differ, ``balance`` = the largest rate premium over the lowest (per
      second) and each technician's target = its available time x (1 - its premium / the
      largest premium): exact for the cheapest (never reached) and the dearest (target 0)
      technicians, a lower bound in between; overtime is then not priced by the engine;
    - when hourly rates are equal, ``balance`` = the largest overtime premium (overtime rate -
      rate) and the targets = each technician's overtime threshold (same scaling when the
      premiums differ): overtime priced on work time (waiting is not paid time to the engine).
    """
    problem = cp.problem
    by_id = {t.id: t for t in problem.technicians}
    rates = [technician_rates(problem, by_id[t.id]) for t in cp.techs]
    if not rates:
        return 0, 0, 0, 0, []
    low = min(r.per_hour for r in rates)
    travel = int(round(low / 3600.0 * MONEY_SCALE))
    dist_milli = int(round(min(r.per_km for r in rates) * MONEY_SCALE))
    fixed = int(round(sum(r.fixed for r in rates) / len(rates) * MONEY_SCALE))
    available = [max(0, t.shift_end_s - t.ready_s) for t in cp.techs]
    premiums = [r.per_hour - low for r in rates]
    if max(premiums) > 0:
        top = max(premiums)
        targets = [int(round(a * (1.0 - p / top))) for a, p in zip(available, premiums)]
    else:
        premiums = [max(0.0, r.overtime_per_hour - r.per_hour) for r in rates]
        top = max(premiums)
        targets = [
            min(a, r.overtime_after_s) + int(round(max(0, a - r.overtime_after_s) * (1.0 - p / top))) if top > 0 else a
            for a, r, p in zip(available, rates, premiums)
        ]
    return travel, dist_milli, fixed, int(round(top / 3600.0 * MONEY_SCALE)), targets


def work_targets(cp: CompiledProblem) -> list[int]:
    shifts = [max(1, t.shift_end_s - t.ready_s) for t in cp.techs]
    total = sum(j.duration_s for j in cp.jobs) + sum(int(cp.durations[t.start_point, t.end_point]) for t in cp.techs)
    return [int(total * s / sum(shifts)) for s in shifts]
