"""KPIs on hand-made solutions, every number worked out by hand in the comments. No solver,
no matrix: compute_kpis reads the Solution and the Problem only."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest

from optimizer.kpis import compute_kpis
from optimizer.models import Problem, Solution

TZ = timezone(timedelta(hours=2))


def t(hhmm: str) -> str:
    h, m = map(int, hhmm.split(":"))
    return datetime(2026, 11, 24, h, m, tzinfo=TZ).isoformat()


HERE = {"lat": 60.17, "lon": 24.94}


def tech(tid: str, start: str, end: str) -> dict:
    return {"id": tid, "shift": {"start": t(start), "end": t(end)}, "start_location": HERE}


def job(jid: str, minutes: float, priority: str, deadline: str | None = None, **extra) -> dict:
    data = {"id": jid, "location": HERE, "duration_min": minutes, "priority": priority, **extra}
    if deadline:
        data["sla_deadline"] = t(deadline)
    return data


def stop(jid: str, start: str, end: str) -> dict:
    return {"job_id": jid, "arrival": t(start), "start": t(start), "end": t(end), "travel_time_s": 0, "distance_m": 0}


def problem() -> Problem:
    """Shifts: T1 8 h, T2 4 h, T3 8 h (idle) -> 20 h = 72,000 s in total."""
    return Problem.model_validate({
        "technicians": [tech("T1", "08:00", "16:00"), tech("T2", "08:00", "12:00"), tech("T3", "09:00", "17:00")],
        "jobs": [
            job("A", 60, "urgent", "10:00"),   # T1 ends 09:10: met
            job("B", 60, "high", "10:30"),     # T1 ends 11:00: breach (high)
            job("C", 30, "normal"),            # T2, no deadline
            job("D", 45, "low", "09:00"),      # T2 ends 09:45: breach (low)
            job("E", 30, "urgent", "12:00"),   # unassigned: neither met nor breached
            job("F", 30, "normal", status="completed"),  # not to plan
            job("G", 30, "high"),              # unassigned
        ],
        "options": {"matrix": "haversine"},
    })


def solution() -> Solution:
    return Solution.model_validate({
        "routes": [
            {"technician_id": "T1", "start": t("08:00"), "end": t("12:00"),
             "stops": [stop("A", "08:10", "09:10"), stop("B", "10:00", "11:00")],
             "travel_time_s": 1800, "distance_m": 18000, "work_time_s": 9000},
            {"technician_id": "T2", "start": t("08:00"), "end": t("12:10"),   # 10 min overtime
             "stops": [stop("C", "08:20", "08:50"), stop("D", "09:00", "09:45")],
             "travel_time_s": 2400, "distance_m": 24000, "work_time_s": 6900},
            {"technician_id": "T3"},
        ],
        "unassigned": [
            {"job_id": "E", "reason": "capacity: not enough working time left"},
            {"job_id": "F", "reason": "already completed; not planned again"},
            {"job_id": "G", "reason": "capacity: not enough working time left"},
        ],
    })


def test_hand_computed_kpis():
    k = compute_kpis(problem(), solution())
    # Jobs: F is completed -> 6 to plan; A, B, C, D routed; E (urgent) and G (high) not.
    assert (k.jobs_total, k.jobs_assigned, k.jobs_unassigned) == (6, 4, 2)
    assert k.unassigned_by_priority == {"urgent": 1, "high": 1, "normal": 0, "low": 0}
    # SLA over routed jobs with a deadline: A met, B and D late -> 1 / 3.
    assert k.sla_jobs == 3
    assert k.sla_met_pct == 33.33
    assert k.sla_breaches == {"urgent": 0, "high": 1, "normal": 0, "low": 1}
    assert k.sla_met_pct_by_priority == {"urgent": 100.0, "high": 0.0, "normal": None, "low": 0.0}
    # Sums: travel 1800 + 2400; distance 18 + 24 km; service 60+60+30+45 min = 11,700 s.
    assert (k.travel_time_s, k.distance_m, k.service_time_s) == (4200, 42000, 11700)
    # Utilisation: (11,700 + 4,200) / 72,000 = 22.0833 %.
    assert k.utilization_pct == 22.08
    # Work per technician: T1 1800 + 7200 s = 150 min, T2 2400 + 4500 s = 115 min, T3 0.
    # Mean 265/3 = 88.333; deviations 61.667, 26.667, -88.333; squares 3802.78 + 711.11 +
    # 7802.78 = 12316.67; / 3 = 4105.56; sqrt = 64.07 min.
    assert k.workload_stddev_min == 64.07
    assert (k.workload_max_min, k.workload_min_min) == (150.0, 0.0)
    assert (k.technicians_used, k.technicians_total) == (2, 3)
    # T2 is back at 12:10, its shift ends 12:00.
    assert k.overtime_s == 600


def test_stddev_matches_the_population_formula():
    k = compute_kpis(problem(), solution())
    work = [150.0, 115.0, 0.0]
    mean = sum(work) / 3
    assert k.workload_stddev_min == pytest.approx(math.sqrt(sum((w - mean) ** 2 for w in work) / 3), abs=0.005)


def test_empty_plan():
    k = compute_kpis(problem(), Solution())
    assert (k.jobs_total, k.jobs_assigned, k.jobs_unassigned) == (6, 0, 6)
    assert k.unassigned_by_priority == {"urgent": 2, "high": 2, "normal": 1, "low": 1}
    assert k.sla_jobs == 0 and k.sla_met_pct is None
    assert k.sla_breaches == {"urgent": 0, "high": 0, "normal": 0, "low": 0}
    assert k.sla_met_pct_by_priority == {"urgent": None, "high": None, "normal": None, "low": None}
    assert (k.travel_time_s, k.distance_m, k.service_time_s, k.utilization_pct) == (0, 0, 0, 0.0)
    assert (k.workload_stddev_min, k.workload_max_min, k.workload_min_min) == (0.0, 0.0, 0.0)
    assert (k.technicians_used, k.technicians_total, k.overtime_s) == (0, 3, 0)


def test_ending_exactly_at_the_deadline_is_met():
    s = solution()
    s.routes[1].stops[1].start = datetime(2026, 11, 24, 8, 15, tzinfo=TZ)
    s.routes[1].stops[1].end = datetime(2026, 11, 24, 9, 0, tzinfo=TZ)  # D's deadline
    k = compute_kpis(problem(), s)
    assert k.sla_breaches["low"] == 0 and k.sla_met_pct_by_priority["low"] == 100.0
    assert k.sla_met_pct == 66.67


def test_balanced_workload_has_zero_stddev():
    p = Problem.model_validate({
        "technicians": [tech("T1", "08:00", "12:00"), tech("T2", "08:00", "12:00")],
        "jobs": [job("A", 30, "normal"), job("B", 20, "normal")],
        "options": {"matrix": "haversine"},
    })
    s = Solution.model_validate({"routes": [
        {"technician_id": "T1", "start": t("08:00"), "end": t("09:00"), "stops": [stop("A", "08:10", "08:40")],
         "travel_time_s": 600, "distance_m": 5000, "work_time_s": 2400},
        {"technician_id": "T2", "start": t("08:00"), "end": t("09:00"), "stops": [stop("B", "08:10", "08:30")],
         "travel_time_s": 1200, "distance_m": 9000, "work_time_s": 2400},
    ]})
    k = compute_kpis(p, s)
    # Both work 40 min; (2400 + 2400) s / (2 x 4 h = 28,800 s) = 16.67 %.
    assert (k.workload_stddev_min, k.workload_max_min, k.workload_min_min) == (0.0, 40.0, 40.0)
    assert k.utilization_pct == 16.67
    assert k.sla_met_pct is None


def test_job_routed_twice_counts_once():
    s = solution()
    s.routes[0].stops.append(s.routes[0].stops[0].model_copy())
    k = compute_kpis(problem(), s)
    assert (k.jobs_assigned, k.jobs_unassigned, k.sla_jobs) == (4, 2, 3)
