"""Cost per work order: money KPIs worked out by hand, the money objective's behaviour on real
solves (both engines, checked by the validator), and field-level errors for bad rates."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from optimizer.kpis import compute_kpis
from optimizer.models import Problem, Solution, technician_rates
from optimizer.solve import prepare, solve
from optimizer.solvers.costs import MONEY_SCALE, build_cost_model
from optimizer.validate import validate
from tests import explicit as ex
from tests.engines import ENGINES
from tests.factories import at


def _tiny(engine: str = "native", **options) -> Problem:
    """Depot 0, jobs at 1 and 2, every leg 600 s and 10 km. T1 alone: 36/h for 1 h, then 72/h;
    0.5/km; 20 fixed; J2 needs 2 filters at 7.5."""
    durations = ex.uniform(3, 600)
    distances = ex.uniform(3, 10_000)
    p = ex.problem(
        durations,
        [ex.tech("T1", 0, parts={"filter": 5}, cost_per_hour=36, overtime_cost_per_hour=72, overtime_after_h=1)],
        [ex.job("J1", 1, 60), ex.job("J2", 2, 30, parts={"filter": 2})],
        engine=engine, distances=distances, max_iterations=50, **options,
    )
    data = p.model_dump(mode="json")
    data["costs"] = {"currency": "CNY", "vehicle_per_km": 0.5, "technician_fixed": 20, "parts": {"filter": 7.5}}
    return Problem.model_validate(data)


def test_cost_kpis_of_a_real_solve_by_hand():
    problem = _tiny()
    solution = solve(problem)
    assert validate(problem, solution) == []
    cost = solution.kpis.cost
    # Depart 08:00, 3 legs of 600 s, 90 min of service: back at 10:00 -> 7,200 s paid.
    # 3,600 s at 36/h = 36; 3,600 s at 72/h = 72 -> labour 108, of which overtime 72.
    # 30 km x 0.5 = 15; fixed 20; 2 filters x 7.5 = 15. Total 158; 2 jobs -> 79; 1 technician -> 158.
    assert cost.currency == "CNY"
    assert (cost.paid_time_s, cost.overtime_paid_s) == (7200, 3600)
    assert (cost.labour, cost.overtime, cost.vehicle, cost.fixed, cost.parts) == (108.0, 72.0, 15.0, 20.0, 15.0)
    assert (cost.total, cost.per_served_job, cost.per_technician_used) == (158.0, 79.0, 158.0)
    assert cost.by_technician == {"T1": 158.0}


def _hand_problem() -> Problem:
    return Problem.model_validate({
        "technicians": [
            ex.tech("A", 0, 8, 18, cost_per_hour=30),            # problem's overtime rate applies (no own rate)
            ex.tech("B", 0, 8, 18, cost_per_hour=50, fixed_cost=0, vehicle_cost_per_km=1.0),
            ex.tech("C", 0, 8, 18),                                # idle: no cost at all
        ],
        "jobs": [ex.job("J1", 1, 60, parts={"p": 3}), ex.job("J2", 1, 60), ex.job("J3", 1, 60, parts={"q": 1})],
        "costs": {"technician_per_hour": 20, "overtime_per_hour": 45, "overtime_after_h": 8,
                  "vehicle_per_km": 0.25, "technician_fixed": 10, "parts": {"p": 2.0}},
        "options": {"matrix": "explicit", "explicit_matrix": {"durations_s": ex.uniform(2, 600)}},
    })


def _stop(jid: str, start: float, end: float, km: float) -> dict:
    return {"job_id": jid, "arrival": at(start), "start": at(start), "end": at(end),
            "travel_time_s": 600, "distance_m": int(km * 1000)}


def test_cost_kpis_of_a_hand_made_plan_with_a_break_and_overtime():
    problem = _hand_problem()
    solution = Solution.model_validate({"routes": [
        # A: 08:00 -> 17:30 with a 30 min break inside: 9 h paid = 8 h x 30 + 1 h x 30 (own rate,
        # no own overtime rate -> its own rate: 'problem.costs.overtime_per_hour when the
        # technician has no cost_per_hour of its own') = 270; 40 km x 0.25 = 10; fixed 10;
        # parts: 3 x p at 2.0 = 6 -> 296.
        {"technician_id": "A", "start": at(8), "end": at(17.5), "travel_time_s": 1200, "distance_m": 40_000,
         "stops": [_stop("J1", 8.5, 9.5, 20)], "breaks": [{"start": at(12), "end": at(12.5)}]},
        # B: 08:00 -> 10:00, 2 h x 50 = 100; 12 km x 1.0 = 12; fixed 0 (own); q has no price -> 112.
        {"technician_id": "B", "start": at(8), "end": at(10), "travel_time_s": 1200, "distance_m": 12_000,
         "stops": [_stop("J3", 8.5, 9.5, 6)]},
        {"technician_id": "C", "stops": []},
    ], "unassigned": [{"job_id": "J2", "reason": "test"}]})
    cost = compute_kpis(problem, solution).cost
    assert cost.by_technician == {"A": 296.0, "B": 112.0}
    assert (cost.labour, cost.overtime, cost.vehicle, cost.fixed, cost.parts) == (370.0, 30.0, 22.0, 10.0, 6.0)
    assert (cost.total, cost.per_served_job, cost.per_technician_used) == (408.0, 204.0, 204.0)
    assert (cost.paid_time_s, cost.overtime_paid_s) == (9 * 3600 + 2 * 3600, 3600)
    assert cost.currency == "EUR"


def test_technician_rates_fall_back_in_the_documented_order():
    problem = _hand_problem()
    a, b, c = (technician_rates(problem, t) for t in problem.technicians)
    assert (a.per_hour, a.overtime_per_hour, a.per_km, a.fixed) == (30, 30, 0.25, 10)
    assert (b.per_hour, b.per_km, b.fixed) == (50, 1.0, 0)
    assert (c.per_hour, c.overtime_per_hour, c.overtime_after_s) == (20, 45, 8 * 3600)


def test_no_costs_no_cost_kpis():
    problem = ex.problem(ex.uniform(2, 60), [ex.tech("T", 0)], [ex.job("J", 1)], engine="native", max_iterations=10)
    assert solve(problem).kpis.cost is None


def _dear_or_cheap(engine: str, objective: str) -> Problem:
    """DEAR (120/h) starts 300 s from each of 4 jobs, CHEAP (40/h) 1,200 s away; jobs 600 s apart.
    By time DEAR wins (2,400 s of driving against 4,200 s). By money: DEAR alone = 9,600 s of
    work x 120/h = 320; CHEAP alone = 11,400 s x 40/h = 126.67; any split costs more than CHEAP
    alone (each job moved to DEAR saves at most 600 s x 40/h but costs at least 2,400 s x 80/h)."""
    n = 6  # 0 DEAR's depot, 1 CHEAP's depot, 2..5 jobs
    d = [[0] * n for _ in range(n)]
    for a in range(n):
        for b in range(n):
            if a != b:
                d[a][b] = 600
    for j in range(2, 6):
        d[0][j] = d[j][0] = 300
        d[1][j] = d[j][1] = 1200
    d[0][1] = d[1][0] = 1500
    return ex.problem(
        d,
        [ex.tech("DEAR", 0, cost_per_hour=120), ex.tech("CHEAP", 1, cost_per_hour=40)],
        [ex.job(f"J{k}", k + 2, 30) for k in range(4)],
        engine=engine, max_iterations=300, objective=objective,
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_money_objective_avoids_the_expensive_technician(engine):
    by_time = _dear_or_cheap(engine, "time")
    by_money = _dear_or_cheap(engine, "cost")
    time_plan, money_plan = solve(by_time), solve(by_money)
    assert validate(by_time, time_plan) == [] and validate(by_money, money_plan) == []
    assert set(time_plan.assignment().values()) == {"DEAR"}
    assert set(money_plan.assignment().values()) == {"CHEAP"}
    assert len(money_plan.assignment()) == 4
    # The exact KPIs agree with the hand figures above (no waiting: paid time = work time).
    assert time_plan.kpis.cost.total == 320.0
    assert money_plan.kpis.cost.total == pytest.approx(126.67)
    # The engines' objective in cost mode: CHEAP's 4,200 s of driving at 111 units/s (40/h in
    # units of 1/10,000) = 46.62; the 2 h of service at the lowest rate (80) are the same in
    # every plan serving the same jobs and are left out (docs/costs.md).
    assert money_plan.solver.objective == pytest.approx(4200 * 111 / MONEY_SCALE)


def test_money_terms_on_the_engines_weights():
    problem = _dear_or_cheap("native", "cost")
    cp = prepare(problem)
    costs = build_cost_model(cp)
    assert costs.units_per_weight == MONEY_SCALE
    assert costs.travel_per_s == round(40 / 3600 * MONEY_SCALE)      # 111 units per second of driving
    assert costs.balance_per_s == round(80 / 3600 * MONEY_SCALE)     # DEAR's premium, 222 per second
    dear, cheap = (t.index for t in cp.techs)
    assert costs.work_targets[dear] == 0                             # every second of DEAR's work
    assert costs.work_targets[cheap] == 8 * 3600                     # never reached by CHEAP


def test_cost_objective_without_rates_names_the_field():
    with pytest.raises(ValidationError) as err:
        ex.problem(ex.uniform(2, 60), [ex.tech("T", 0)], [ex.job("J", 1)], objective="cost")
    assert any(e["loc"] == ("options", "objective") for e in err.value.errors())


@pytest.mark.parametrize("costs, field", [
    ({"currency": "euro"}, "currency"),
    ({"technician_per_hour": -1}, "technician_per_hour"),
    ({"parts": {"p": -2}}, "parts"),
])
def test_bad_rates_name_the_field(costs, field):
    data = {"technicians": [ex.tech("T", 0)], "jobs": [], "costs": costs,
            "options": {"matrix": "explicit", "explicit_matrix": {"durations_s": [[0]]}}}
    with pytest.raises(ValidationError) as err:
        Problem.model_validate(data)
    assert any(e["loc"][:2] == ("costs", field) for e in err.value.errors())


def test_cost_line_in_both_languages():
    from optimizer.kpi_text import cost_line

    kpis = compute_kpis(_hand_problem(), Solution.model_validate({"routes": [
        {"technician_id": "B", "start": at(8), "end": at(10), "travel_time_s": 1200, "distance_m": 12_000,
         "stops": [_stop("J3", 8.5, 9.5, 6)]}]}))
    # B alone: 2 h x 50 = 100, 12 km x 1.0 = 12, fixed 0, no priced parts -> 112 for 1 job.
    assert cost_line(kpis, "en") == ("cost EUR 112.00 | per served job 112.00 | per technician used 112.00 | "
                                     "labour 100.00 (overtime 0.00) | vehicle 12.00 | fixed 0.00 | parts 0.00")
    assert cost_line(kpis, "zh-CN") == ("成本 EUR 112.00 | 每单 112.00 | 每位出勤技术员 112.00 | 人工 100.00（加班 0.00）| "
                                        "车辆 12.00 | 固定 0.00 | 零件 0.00")
