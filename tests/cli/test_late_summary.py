"""The CLI summary names each SLA breach: job, technician, minutes late (hand-made plan)."""

from __future__ import annotations

from optimizer.cli.solve import late_lines, summary_table
from optimizer.kpis import compute_kpis
from optimizer.models import Solution
from tests import factories as f


def test_each_breach_is_named_latest_first():
    problem = f.problem([f.tech("A"), f.tech("B")], [
        f.job("j1", sla_deadline=f.at(8.8), priority="high"),   # due 08:48
        f.job("j2", sla_deadline=f.at(12)),                     # met
        f.job("j3", sla_deadline=f.at(9), priority="urgent"),   # due 09:00
        f.job("j4"),
    ])
    solution = Solution.model_validate({
        "routes": [
            {"technician_id": "A", "start": f.at(8), "end": f.at(10), "stops": [
                {"job_id": "j1", "arrival": f.at(8.5), "start": f.at(8.5), "end": f.at(9), "travel_time_s": 600, "distance_m": 1,
                 "sla_met": False, "lateness_s": 720},
                {"job_id": "j2", "arrival": f.at(9.25), "start": f.at(9.25), "end": f.at(9.75), "travel_time_s": 600, "distance_m": 1,
                 "sla_met": True}]},
            {"technician_id": "B", "start": f.at(8), "end": f.at(10), "stops": [
                {"job_id": "j3", "arrival": f.at(9), "start": f.at(9), "end": f.at(9.5), "travel_time_s": 600, "distance_m": 1,
                 "sla_met": False, "lateness_s": 1800}]},
        ],
        "unassigned": [{"job_id": "j4", "reason": "already completed; not planned again", "code": "completed"}],
    })
    assert late_lines(problem, solution) == [
        "late jobs (2):",
        "  j3         B           30 min late  (urgent; ended 09:30, due 09:00)",
        "  j1         A           12 min late  (high; ended 09:00, due 08:48)",
    ]
    solution.kpis = compute_kpis(problem, solution)
    text = summary_table(problem, solution)
    assert "late jobs (2):" in text and "unassigned (" not in text and "done before now (not planned again): 1 job(s)" in text
    solution.routes[0].stops[0].sla_met, solution.routes[1].stops[0].sla_met = True, True
    assert late_lines(problem, solution) == []
