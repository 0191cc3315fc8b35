"""Service KPIs (response time, backlog, first-visit readiness) on hand-made plans, every number
worked out by hand in the comments; one real solve for readiness of a valid plan."""

from __future__ import annotations

import pytest

from optimizer.kpis import compute_kpis, nearest_rank
from optimizer.models import Problem, Solution
from optimizer.solve import solve
from optimizer.validate import validate
from tests import explicit as ex
from tests.factories import at


def _problem(**extra) -> Problem:
    # Reported 'hours' before midnight of the test day are negative hours.
    jobs = [
        ex.job("U1", 1, 30, priority="urgent", reported_at=at(7.5)),      # arrives 08:10 -> 40 min
        ex.job("U2", 1, 30, priority="urgent", reported_at=at(6)),        # arrives 09:00 -> 180 min
        ex.job("U3", 1, 30, priority="urgent", reported_at=at(8)),        # arrives 08:20 -> 20 min
        ex.job("N1", 1, 30, priority="normal", reported_at=at(9)),        # arrives 08:30: before report -> 0 min
        ex.job("N2", 1, 30, priority="normal"),                           # no reported_at: not counted
        ex.job("B1", 1, 30, priority="high", reported_at=at(-30)),        # unserved, 38 h old at 08:00
        ex.job("B2", 1, 30, priority="low", reported_at=at(-200)),        # unserved, 208 h old
        ex.job("B3", 1, 30, priority="low", reported_at=at(2)),           # unserved, 6 h old
        ex.job("B4", 1, 30, priority="normal"),                           # unserved, age unknown
        ex.job("X", 1, 30, priority="urgent", status="completed", reported_at=at(-500)),  # not to plan
    ]
    return ex.problem(ex.uniform(2, 600), [ex.tech("T1", 0, 8, 16), ex.tech("T2", 0, 8, 16)], jobs, **extra)


def _stop(jid: str, arrival: float) -> dict:
    return {"job_id": jid, "arrival": at(arrival), "start": at(arrival), "end": at(arrival + 0.25), "travel_time_s": 0, "distance_m": 0}


def _solution() -> Solution:
    return Solution.model_validate({"routes": [
        {"technician_id": "T1", "start": at(8), "end": at(10),
         "stops": [_stop("U1", 8 + 10 / 60), _stop("N1", 8.5), _stop("U2", 9), _stop("N2", 9.5)]},
        {"technician_id": "T2", "start": at(8), "end": at(9), "stops": [_stop("U3", 8 + 20 / 60)]},
    ]})


def test_response_time_by_priority_by_hand():
    rt = compute_kpis(_problem(), _solution()).response_time_by_priority
    # urgent: 40, 180, 20 -> mean 80; nearest-rank p90: ceil(0.9 x 3) = 3rd smallest = 180.
    assert (rt["urgent"].jobs, rt["urgent"].mean_min, rt["urgent"].p90_min) == (3, 80.0, 180.0)
    # normal: N1 arrives before its report -> 0; N2 has no reported_at.
    assert (rt["normal"].jobs, rt["normal"].mean_min, rt["normal"].p90_min) == (1, 0.0, 0.0)
    assert (rt["high"].jobs, rt["high"].mean_min, rt["high"].p90_min) == (0, None, None)
    # all: 0, 20, 40, 180 -> mean 60; ceil(0.9 x 4) = 4th smallest = 180.
    assert (rt["all"].jobs, rt["all"].mean_min, rt["all"].p90_min) == (4, 60.0, 180.0)


def test_nearest_rank_percentile():
    values = [float(v) for v in range(1, 21)]  # 1..20: ceil(0.9 x 20) = 18th -> 18
    assert nearest_rank(values, 90) == 18.0
    assert nearest_rank([5.0], 90) == 5.0
    assert nearest_rank([3.0, 1.0, 2.0], 50) == 2.0


def test_backlog_by_priority_and_age_by_hand():
    kpis = compute_kpis(_problem(), _solution())
    backlog = kpis.backlog
    # Planning instant = earliest shift start, 08:00. B1 38 h -> 1d_3d; B2 208 h -> ge_7d; B3 6 h -> lt_1d.
    assert backlog.jobs == 4 == kpis.jobs_unassigned
    assert backlog.by_priority == {"urgent": 0, "high": 1, "normal": 1, "low": 2}
    assert backlog.by_age == {"lt_1d": 1, "1d_3d": 1, "3d_7d": 0, "ge_7d": 1, "unknown": 1}
    assert backlog.oldest_age_h == 208.0


def test_backlog_age_counts_from_now_when_set():
    # now = 20:00 of the test day (re-planning): B3 is 18 h old (still < 1 day), B1 50 h.
    backlog = compute_kpis(_problem(now=20), _solution()).backlog
    assert backlog.by_age == {"lt_1d": 1, "1d_3d": 1, "3d_7d": 0, "ge_7d": 1, "unknown": 1}
    assert backlog.oldest_age_h == 220.0


def _readiness_problem(skill_level: int, filters: int) -> Problem:
    return ex.problem(
        ex.uniform(2, 600),
        [ex.tech("T1", 0, 8, 16, skills={"hvac": 2}, parts={"filter": 3}), ex.tech("T2", 0, 8, 16)],
        [
            ex.job("A", 1, 30, skills={"hvac": skill_level}, parts={"filter": filters}),
            ex.job("B", 1, 30, parts={"filter": 2}),
            ex.job("C", 1, 30, skills={"hvac": 1}),
        ],
        engine="native", max_iterations=50,
    )


def test_readiness_against_the_requirements_before_a_relaxation():
    """The plan was made with relaxed rules (A needs hvac 2 and 1 filter); measured against the
    original rules (A needs hvac 3 and 2 filters; T1 has hvac 2 and carries 3 filters): in route
    order A (hvac 2 < 3; takes 2 filters) then B (1 filter left of the 2 it needs); T2 serves C
    without hvac, which no rule allowed."""
    relaxed = _readiness_problem(skill_level=2, filters=1)
    original = _readiness_problem(skill_level=3, filters=2)
    plan = Solution.model_validate({"routes": [
        {"technician_id": "T1", "start": at(8), "end": at(10), "stops": [_stop("A", 8.5), _stop("B", 9)]},
        {"technician_id": "T2", "start": at(8), "end": at(10), "stops": [_stop("C", 8.5)]},
    ]})
    # Against its own rules A and B are ready, C is not: 2 of 3.
    assert compute_kpis(relaxed, plan).first_visit_ready_pct == pytest.approx(200 / 3, abs=0.01)
    kpis = compute_kpis(relaxed, plan, requirements=original)
    # A: hvac 2 < 3 (2 of 3 filters: parts fine); B: 3 - 2 = 1 left < 2 -> short 1; C: no hvac.
    not_ready = {n.job_id: n for n in kpis.first_visit_not_ready}
    assert set(not_ready) == {"A", "B", "C"}
    assert not_ready["A"].missing_skills == {"hvac": 3} and not_ready["A"].missing_parts == {}
    assert not_ready["B"].missing_parts == {"filter": 1} and not_ready["B"].missing_skills == {}
    assert not_ready["C"].missing_skills == {"hvac": 1} and not_ready["C"].technician_id == "T2"
    assert kpis.first_visit_ready_pct == 0.0


def test_a_valid_plan_is_first_visit_ready():
    problem = _readiness_problem(skill_level=2, filters=1)
    solution = solve(problem)
    assert validate(problem, solution) == []
    assert solution.kpis.jobs_assigned == 3
    assert solution.kpis.first_visit_ready_pct == 100.0 and solution.kpis.first_visit_not_ready == []


def test_summary_lines_in_english_and_chinese():
    from optimizer.kpi_text import kpi_lines

    kpis = compute_kpis(_problem(), _solution())
    assert kpi_lines(kpis, "en") == [
        "response time (report to arrival), mean / p90 min: urgent 80 / 180 (3 jobs), normal 0 / 0 (1 jobs), all 60 / 180 (4 jobs)",
        "backlog 4: high 1, normal 1, low 2 | by age: under 1 day 1, 1-3 days 1, 7 days or more 1, age unknown 1",
        "first-visit ready 100.0%",
    ]
    assert kpi_lines(kpis, "zh-CN") == [
        "响应时间（报修到到达），平均 / 90 分位（分钟）：紧急 80 / 180（3 单）、普通 0 / 0（1 单）、全部 60 / 180（4 单）",
        "积压 4 单：高 1、普通 1、低 2 | 按积压时长：不到 1 天 1、1-3 天 1、7 天及以上 1、报修时间未知 1",
        "首次上门完备率 100.0%",
    ]


def test_kpis_round_trip_without_their_nulls():
    """A client that drops nulls (exclude_none) sends a plan back that still validates."""
    solution = _solution()
    solution.kpis = compute_kpis(_problem(), solution)
    again = Solution.model_validate_json(solution.model_dump_json(exclude_none=True))
    assert again.kpis == solution.kpis
