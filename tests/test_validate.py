"""The independent validator on hand-made plans: a valid plan passes, and each mutation that
breaks one rule is reported as exactly that rule, naming the job and/or technician.

The problem uses an explicit matrix (points 0 = depot, 1 = A, 2 = B, 3 = C) so every time below
can be checked by hand; one test uses the haversine source to exercise the matrix rebuild.
No solver is involved.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Callable, Optional

import pytest

from optimizer.geo.matrix import build_problem_matrix
from optimizer.models import Problem, Solution
from optimizer.validate import RULES, Violation, assert_valid, format_violations, validate

TZ = timezone(timedelta(hours=2))


def t(hhmm: str, seconds: float = 0) -> str:
    """ISO instant on the test day, e.g. ``t("08:10")``."""
    h, m = map(int, hhmm.split(":"))
    return (datetime(2026, 11, 24, h, m, tzinfo=TZ) + timedelta(seconds=seconds)).isoformat()


# Symmetric travel times in seconds; distances are ten times the seconds (metres).
DURATIONS = [
    [0, 600, 900, 1200],
    [600, 0, 300, 700],
    [900, 300, 0, 400],
    [1200, 700, 400, 0],
]


def base_problem() -> dict:
    """T1 (hvac 2, elec 1, lunch 10:30-12:00 30 min, coffee 11:00-12:30 15 min, 2 filters,
    max 3 jobs) and T2 (elec 1, no breaks); jobs A, B for T1, C for T2, D unservable."""
    return {
        "technicians": [
            {
                "id": "T1",
                "skills": {"hvac": 2, "elec": 1},
                "shift": {"start": t("08:00"), "end": t("16:00")},
                "start_location": {"index": 0},
                "breaks": [
                    {"earliest_start": t("10:30"), "latest_start": t("12:00"), "duration_min": 30},
                    {"earliest_start": t("11:00"), "latest_start": t("12:30"), "duration_min": 15},
                ],
                "parts": {"filter": 2},
                "max_jobs": 3,
            },
            {
                "id": "T2",
                "skills": ["elec"],
                "shift": {"start": t("08:00"), "end": t("16:00")},
                "start_location": {"index": 0},
            },
        ],
        "jobs": [
            {"id": "A", "location": {"index": 1}, "duration_min": 60, "skills": {"hvac": 2},
             "time_windows": [{"start": t("08:00"), "end": t("10:00")}], "parts": {"filter": 1},
             "sla_deadline": t("10:00"), "priority": "urgent"},
            {"id": "B", "location": {"index": 2}, "duration_min": 60,
             "time_windows": [{"start": t("07:00"), "end": t("07:30")}, {"start": t("10:00"), "end": t("12:00")}],
             "sla_deadline": t("12:00"), "priority": "high"},
            {"id": "C", "location": {"index": 3}, "duration_min": 30, "skills": {"elec": 1}},
            {"id": "D", "location": {"index": 3}, "duration_min": 30, "skills": {"gas": 1}},
        ],
        "options": {
            "matrix": "explicit",
            "explicit_matrix": {"durations_s": DURATIONS, "distances_m": [[10 * x for x in row] for row in DURATIONS]},
        },
    }


def base_solution() -> dict:
    """T1: depart 08:00, A 08:10-09:10, B 10:00-11:00 (arrived 09:15), lunch 11:00-11:30,
    home 12:00 (drive 900 s), coffee 12:05-12:20 after the return.
    T2: depart 08:00, C 08:20-08:50, home 09:10.  D unassigned."""
    return {
        "routes": [
            {
                "technician_id": "T1",
                "start": t("08:00"),
                "end": t("12:00"),
                "stops": [
                    {"job_id": "A", "arrival": t("08:10"), "start": t("08:10"), "end": t("09:10"),
                     "travel_time_s": 600, "distance_m": 6000, "sla_met": True},
                    {"job_id": "B", "arrival": t("09:15"), "start": t("10:00"), "end": t("11:00"),
                     "travel_time_s": 300, "distance_m": 3000, "waiting_time_s": 2700, "sla_met": True},
                ],
                "breaks": [{"start": t("11:00"), "end": t("11:30")}, {"start": t("12:05"), "end": t("12:20")}],
                "travel_time_s": 1800,
                "distance_m": 18000,
                "work_time_s": 1800 + 7200,
                "return_travel_time_s": 900,
                "return_distance_m": 9000,
            },
            {
                "technician_id": "T2",
                "start": t("08:00"),
                "end": t("09:10"),
                "stops": [
                    {"job_id": "C", "arrival": t("08:20"), "start": t("08:20"), "end": t("08:50"),
                     "travel_time_s": 1200, "distance_m": 12000},
                ],
                "travel_time_s": 2400,
                "distance_m": 24000,
                "work_time_s": 2400 + 1800,
                "return_travel_time_s": 1200,
                "return_distance_m": 12000,
            },
        ],
        "unassigned": [{"job_id": "D", "reason": "no technician has skill gas at level 1"}],
    }


def run(problem_edit: Optional[Callable[[dict], None]] = None, solution_edit: Optional[Callable[[dict], None]] = None) -> list[Violation]:
    p, s = base_problem(), base_solution()
    if problem_edit:
        problem_edit(p)
    if solution_edit:
        solution_edit(s)
    return validate(Problem.model_validate(p), Solution.model_validate(s))


def only(violations: list[Violation], rule: str, job_id: Optional[str] = None, technician_id: Optional[str] = None) -> None:
    """Exactly one rule is reported, naming the job/technician given."""
    assert violations, f"expected a {rule} violation, got none"
    assert {v.rule for v in violations} == {rule}, format_violations(violations)
    for v in violations:
        assert v.rule in RULES
        assert v.message
    if job_id is not None:
        assert job_id in {v.job_id for v in violations}, format_violations(violations)
    if technician_id is not None:
        assert technician_id in {v.technician_id for v in violations}, format_violations(violations)


def route(s: dict, tid: str) -> dict:
    return next(r for r in s["routes"] if r["technician_id"] == tid)


def stop(s: dict, jid: str) -> dict:
    return next(x for r in s["routes"] for x in r["stops"] if x["job_id"] == jid)


def job(p: dict, jid: str) -> dict:
    return next(j for j in p["jobs"] if j["id"] == jid)


def tech(p: dict, tid: str) -> dict:
    return next(x for x in p["technicians"] if x["id"] == tid)


# --------------------------------------------------------------------------------------------
def test_base_plan_is_valid():
    assert run() == []
    assert_valid(Problem.model_validate(base_problem()), Solution.model_validate(base_solution()))


def test_sub_second_rounding_is_tolerated():
    def edit(s):
        a = stop(s, "A")
        a["start"], a["end"] = t("08:10", 0.6), t("09:10", 0.6)
        route(s, "T2")["end"] = t("09:10", -0.8)
    assert run(solution_edit=edit) == []


def test_empty_plan_reports_every_job_missing():
    violations = run(solution_edit=lambda s: s.update(routes=[], unassigned=[]))
    only(violations, "missing_job")
    assert sorted(v.job_id for v in violations) == ["A", "B", "C", "D"]


# --- membership ---------------------------------------------------------------------------
def test_missing_job():
    only(run(solution_edit=lambda s: s.update(unassigned=[])), "missing_job", job_id="D")


def test_routed_and_unassigned_is_duplicate():
    v = run(solution_edit=lambda s: s["unassigned"].append({"job_id": "A", "reason": "x"}))
    only(v, "duplicate_job", job_id="A", technician_id="T1")


def test_routed_twice_is_duplicate():
    def edit(s):
        # C appended to T2 a second time, timed consistently so that only the duplicate shows.
        r = route(s, "T2")
        r["stops"].append({"job_id": "C", "arrival": t("08:50"), "start": t("08:50"), "end": t("09:20"),
                           "travel_time_s": 0, "distance_m": 0})
        r["end"] = t("09:40")
        r["work_time_s"] += 1800
    v = run(solution_edit=edit)
    only(v, "duplicate_job", job_id="C", technician_id="T2")
    assert len(v) == 1


def test_unassigned_twice_is_duplicate():
    v = run(solution_edit=lambda s: s["unassigned"].append({"job_id": "D", "reason": "again"}))
    only(v, "duplicate_job", job_id="D")


def test_empty_reason():
    def edit(s):
        s["unassigned"][0]["reason"] = "   "
    only(run(solution_edit=edit), "empty_reason", job_id="D")


def test_unknown_job_in_unassigned():
    only(run(solution_edit=lambda s: s["unassigned"].append({"job_id": "ZZ", "reason": "?"})), "unknown_job", job_id="ZZ")


def test_unknown_job_in_route():
    def edit(s):
        route(s, "T2")["stops"].append(
            {"job_id": "ZZ", "arrival": t("09:00"), "start": t("09:00"), "end": t("09:10"), "travel_time_s": 0, "distance_m": 0})
    only(run(solution_edit=edit), "unknown_job", job_id="ZZ", technician_id="T2")


def test_route_of_unknown_technician():
    v = run(solution_edit=lambda s: s["routes"].append({"technician_id": "T9"}))
    only(v, "unknown_technician", technician_id="T9")


def test_route_of_unknown_technician_still_places_its_jobs():
    def edit(s):
        route(s, "T2")["technician_id"] = "T9"
        s["routes"].append({"technician_id": "T2"})
    only(run(solution_edit=edit), "unknown_technician", technician_id="T9")


def test_duplicate_route():
    only(run(solution_edit=lambda s: s["routes"].append({"technician_id": "T2"})), "duplicate_route", technician_id="T2")


# --- static rules ------------------------------------------------------------------------
def test_skill_level():
    only(run(problem_edit=lambda p: job(p, "A").update(skills={"hvac": 3})), "skill", job_id="A", technician_id="T1")


def test_skill_missing_entirely():
    only(run(problem_edit=lambda p: job(p, "C").update(skills={"elec": 1, "gas": 1})), "skill", job_id="C", technician_id="T2")


def test_pinned():
    only(run(problem_edit=lambda p: job(p, "C").update(pinned_technician="T1")), "pinned", job_id="C", technician_id="T2")


def test_excluded():
    only(run(problem_edit=lambda p: job(p, "C").update(excluded_technicians=["T2"])), "excluded", job_id="C", technician_id="T2")


def test_parts_over_stock():
    def edit(p):
        job(p, "A")["parts"] = {"filter": 1, "valve": 1}
        job(p, "B")["parts"] = {"filter": 2}
    v = run(problem_edit=edit)
    only(v, "parts", technician_id="T1")
    assert len(v) == 2  # 3 filters > 2, and 1 valve > 0


def test_parts_exactly_at_stock_pass():
    """T1 carries 2 filters; A and B take one each: exactly the stock, not a violation."""
    def edit(p):
        job(p, "A")["parts"] = {"filter": 1}
        job(p, "B")["parts"] = {"filter": 1}
    assert run(problem_edit=edit) == []


def test_max_jobs():
    only(run(problem_edit=lambda p: tech(p, "T1").update(max_jobs=1)), "max_jobs", technician_id="T1")


def test_completed_job_routed():
    only(run(problem_edit=lambda p: job(p, "C").update(status="completed")), "completed_routed", job_id="C", technician_id="T2")


# --- time windows and shifts ----------------------------------------------------------------
def test_time_window():
    only(run(problem_edit=lambda p: job(p, "B").update(time_windows=[{"start": t("10:05"), "end": t("12:00")}])),
         "time_window", job_id="B", technician_id="T1")


def test_second_time_window_counts():
    # B starts at 10:00, inside its second window only: valid (checked by the base plan); a
    # window that ends at the start instant is still fine (closed interval).
    assert run(problem_edit=lambda p: job(p, "B").update(time_windows=[{"start": t("09:00"), "end": t("10:00")}])) == []


def test_shift_start():
    only(run(problem_edit=lambda p: tech(p, "T2")["shift"].update(start=t("08:05"))), "shift_start", technician_id="T2")


def test_available_from():
    only(run(problem_edit=lambda p: tech(p, "T2").update(available_from=t("08:01"))), "shift_start", technician_id="T2")


def test_problem_now_applies_to_everyone():
    v = run(problem_edit=lambda p: p.update(now=t("08:30")))
    only(v, "shift_start")
    assert {x.technician_id for x in v} == {"T1", "T2"}


def test_shift_end_including_the_drive_home():
    # T2 finishes C at 08:50 but needs 20 min to drive home: a 09:00 shift end is too early.
    only(run(problem_edit=lambda p: tech(p, "T2")["shift"].update(end=t("09:00"))), "shift_end", technician_id="T2")


def test_end_location_is_used_for_the_drive_home():
    # Ending at B's point (index 2): the return leg from C is 400 s, not 1200 s.
    def edit_p(p):
        tech(p, "T2")["end_location"] = {"index": 2}

    def edit_s(s):
        r = route(s, "T2")
        r.update(end=t("08:56", 40), travel_time_s=1600, distance_m=16000, work_time_s=1600 + 1800,
                 return_travel_time_s=400, return_distance_m=4000)
    assert run(edit_p, edit_s) == []
    only(run(problem_edit=edit_p), "totals", technician_id="T2")  # old totals use the depot


def test_current_location_is_the_route_start():
    def edit_p(p):
        tech(p, "T2")["current_location"] = {"index": 1}
    v = run(problem_edit=edit_p)  # the plan still drives from the depot (1200 s) instead of 700 s
    assert {x.rule for x in v} == {"travel", "totals"}
    assert {x.job_id for x in v if x.rule == "travel"} == {"C"}


# --- breaks ----------------------------------------------------------------------------------
def test_break_missing():
    v = run(solution_edit=lambda s: route(s, "T1")["breaks"].pop(0))
    only(v, "break_missing", technician_id="T1")
    assert "30 min" in v[0].message


def test_break_extra():
    v = run(solution_edit=lambda s: route(s, "T2").setdefault("breaks", []).append({"start": t("13:00"), "end": t("13:15")}))
    only(v, "break_extra", technician_id="T2")


def test_break_on_a_route_without_stops():
    def edit(s):
        s["routes"].append({"technician_id": "T3", "breaks": [{"start": t("12:00"), "end": t("12:30")}]})
    def edit_p(p):
        p["technicians"].append(dict(tech(p, "T2"), id="T3"))
    only(run(edit_p, edit), "break_extra", technician_id="T3")


def test_no_break_needed_without_stops():
    # T1 idle: its breaks need not be reported.
    def edit(s):
        s["routes"] = [route(s, "T2"), {"technician_id": "T1"}]
        s["unassigned"] += [{"job_id": "A", "reason": "r"}, {"job_id": "B", "reason": "r"}]
    assert run(solution_edit=edit) == []


def test_break_window():
    # Lunch after the return, but starting 12:30 > latest_start 12:00.
    def edit(s):
        route(s, "T1")["breaks"][0] = {"start": t("12:30"), "end": t("13:00")}
    only(run(solution_edit=edit), "break_window", technician_id="T1")


def test_break_duration():
    def edit(s):
        route(s, "T1")["breaks"][0] = {"start": t("11:00"), "end": t("11:20")}
    only(run(solution_edit=edit), "break_duration", technician_id="T1")


def test_break_matching_is_not_greedy():
    # Two 15-min breaks with nested windows: the slot at 11:00 fits both, the slot at 12:30 fits
    # only the wide one. A greedy match would give the wide break to 11:00 and miss a pairing.
    def edit_p(p):
        tech(p, "T1")["breaks"] = [
            {"earliest_start": t("10:30"), "latest_start": t("13:00"), "duration_min": 15},
            {"earliest_start": t("11:00"), "latest_start": t("11:30"), "duration_min": 15},
        ]
    def edit_s(s):
        route(s, "T1")["breaks"] = [{"start": t("11:00"), "end": t("11:15")}, {"start": t("12:30"), "end": t("12:45")}]
    assert run(edit_p, edit_s) == []


def test_break_overlapping_a_service():
    def edit(s):
        r = route(s, "T1")
        r["breaks"][0] = {"start": t("10:45"), "end": t("11:15")}
    only(run(solution_edit=edit), "break_overlap", job_id="B", technician_id="T1")


def test_breaks_overlapping_each_other():
    def edit(s):
        route(s, "T1")["breaks"][1] = {"start": t("11:20"), "end": t("11:35")}
    only(run(solution_edit=edit), "break_overlap", technician_id="T1")


def test_break_straddling_the_return():
    def edit(s):
        route(s, "T1")["end"] = t("11:45")
        route(s, "T1")["breaks"][1] = {"start": t("11:40"), "end": t("11:55")}
    only(run(solution_edit=edit), "break_gap", technician_id="T1")


def test_break_straddling_the_departure():
    def edit_p(p):
        tech(p, "T2")["breaks"] = [{"earliest_start": t("07:00"), "latest_start": t("09:00"), "duration_min": 10}]
    def edit_s(s):
        route(s, "T2")["breaks"] = [{"start": t("07:55"), "end": t("08:05")}]
    only(run(edit_p, edit_s), "break_gap", technician_id="T2")


def test_break_before_departure_is_allowed():
    def edit_p(p):
        tech(p, "T2")["breaks"] = [{"earliest_start": t("07:00"), "latest_start": t("09:00"), "duration_min": 10}]
    def edit_s(s):
        route(s, "T2")["breaks"] = [{"start": t("07:50"), "end": t("08:00")}]
    assert run(edit_p, edit_s) == []


def test_gap_too_short_for_travel_and_break():
    # Return at 11:40: 40 min after B ends, the 15-min drive and the 30-min lunch do not fit.
    def edit(s):
        route(s, "T1")["end"] = t("11:40")
    only(run(solution_edit=edit), "break_gap", technician_id="T1")


def _en_route_break(p):
    tech(p, "T2")["breaks"] = [{"earliest_start": t("08:00"), "latest_start": t("08:30"), "duration_min": 10}]


def _en_route_plan(s):
    """T2 stops driving for 08:05-08:15, so it arrives at C at 08:30 (1200 s of driving)."""
    r = route(s, "T2")
    r["breaks"] = [{"start": t("08:05"), "end": t("08:15")}]
    c = stop(s, "C")
    c.update(arrival=t("08:30"), start=t("08:30"), end=t("09:00"))
    r["end"] = t("09:20")


def test_break_taken_en_route_is_valid():
    assert run(_en_route_break, _en_route_plan) == []


def test_arrival_ignoring_an_en_route_break():
    def edit(s):
        _en_route_plan(s)
        stop(s, "C")["arrival"] = t("08:20")
    only(run(_en_route_break, edit), "break_gap", job_id="C", technician_id="T2")


# --- timing, travel, totals --------------------------------------------------------------------
def test_service_end_inconsistent_with_duration():
    only(run(solution_edit=lambda s: stop(s, "A").update(end=t("09:05"))), "timing", job_id="A", technician_id="T1")


def test_service_before_arrival():
    only(run(solution_edit=lambda s: stop(s, "A").update(arrival=t("08:15"))), "timing", job_id="A", technician_id="T1")


def test_arrival_faster_than_travel():
    def edit(s):
        a = stop(s, "A")
        a.update(arrival=t("08:05"), start=t("08:05"), end=t("09:05"))
    only(run(solution_edit=edit), "timing", job_id="A", technician_id="T1")


def test_back_home_faster_than_travel():
    only(run(solution_edit=lambda s: route(s, "T2").update(end=t("09:00"))), "timing", technician_id="T2")


def test_stops_out_of_order():
    def edit(s):
        r = route(s, "T1")
        r["stops"].reverse()  # B listed first, but A's service is earlier
    v = run(solution_edit=edit)
    assert "timing" in {x.rule for x in v} and "travel" in {x.rule for x in v}


def test_route_with_stops_but_no_times():
    only(run(solution_edit=lambda s: route(s, "T2").update(start=None)), "timing", technician_id="T2")


def test_leg_travel_time_differs_from_matrix():
    only(run(solution_edit=lambda s: stop(s, "B").update(travel_time_s=301)), "travel", job_id="B", technician_id="T1")


def test_leg_distance_differs_from_matrix():
    only(run(solution_edit=lambda s: stop(s, "C").update(distance_m=1)), "travel", job_id="C", technician_id="T2")


@pytest.mark.parametrize("field", ["travel_time_s", "distance_m", "work_time_s", "return_travel_time_s", "return_distance_m"])
def test_route_totals(field):
    def edit(s):
        route(s, "T1")[field] += 60
    only(run(solution_edit=edit), "totals", technician_id="T1")


def test_empty_route_with_totals():
    def edit(s):
        s["routes"] = [route(s, "T2"), {"technician_id": "T1", "travel_time_s": 5}]
        s["unassigned"] += [{"job_id": "A", "reason": "r"}, {"job_id": "B", "reason": "r"}]
    only(run(solution_edit=edit), "totals", technician_id="T1")


def test_sla_fields():
    only(run(solution_edit=lambda s: stop(s, "A").update(sla_met=False)), "sla_fields", job_id="A")
    only(run(solution_edit=lambda s: stop(s, "A").update(lateness_s=60)), "sla_fields", job_id="A")
    only(run(solution_edit=lambda s: stop(s, "C").update(sla_met=True)), "sla_fields", job_id="C")


# --- several at once, helpers, matrix rebuild ---------------------------------------------------
def test_every_violation_is_reported_not_just_the_first():
    def edit_p(p):
        job(p, "A")["skills"] = {"hvac": 3}
        job(p, "C")["excluded_technicians"] = ["T2"]
    def edit_s(s):
        s["unassigned"] = []
        stop(s, "B")["travel_time_s"] = 1
        route(s, "T1")["breaks"].pop(0)
    v = run(edit_p, edit_s)
    assert {(x.rule, x.job_id, x.technician_id) for x in v} == {
        ("skill", "A", "T1"), ("excluded", "C", "T2"), ("missing_job", "D", None),
        ("travel", "B", "T1"), ("break_missing", None, "T1"),
    }


def test_assert_valid_lists_every_violation():
    p = Problem.model_validate(base_problem())
    s = base_solution()
    s["unassigned"] = []
    stop(s, "B")["travel_time_s"] = 1
    with pytest.raises(AssertionError) as err:
        assert_valid(p, Solution.model_validate(s))
    text = str(err.value)
    assert "2 violation(s)" in text and "missing_job" in text and "job D" in text and "travel [technician T1, job B]" in text


def test_given_matrix_is_used():
    p = Problem.model_validate(base_problem())
    matrix, points = build_problem_matrix(p)
    assert validate(p, Solution.model_validate(base_solution()), matrix, points) == []
    slower = matrix.scaled(2.0)
    rules = {v.rule for v in validate(p, Solution.model_validate(base_solution()), slower, points)}
    assert {"travel", "totals"} <= rules


def test_haversine_matrix_is_rebuilt_when_not_given():
    base = {
        "technicians": [{"id": "H", "shift": {"start": t("08:00"), "end": t("12:00")},
                         "start_location": {"lat": 60.17, "lon": 24.94}}],
        "jobs": [{"id": "J", "location": {"lat": 60.18, "lon": 24.96}, "duration_min": 20}],
        "options": {"matrix": "haversine"},
    }
    p = Problem.model_validate(base)
    matrix, points = build_problem_matrix(p)
    home, site = points.index_of(p.technicians[0].start_location), points.index_of(p.jobs[0].location)
    go, back = int(matrix.durations_s[home, site]), int(matrix.durations_s[site, home])
    go_m, back_m = int(matrix.distances_m[home, site]), int(matrix.distances_m[site, home])
    assert go > 0 and go_m > 0
    depart = datetime(2026, 11, 24, 8, 0, tzinfo=TZ)
    arrive = depart + timedelta(seconds=go)
    end = arrive + timedelta(minutes=20)
    sol = Solution.model_validate({
        "routes": [{
            "technician_id": "H", "start": depart, "end": end + timedelta(seconds=back),
            "stops": [{"job_id": "J", "arrival": arrive, "start": arrive, "end": end, "travel_time_s": go, "distance_m": go_m}],
            "travel_time_s": go + back, "distance_m": go_m + back_m, "work_time_s": go + back + 1200,
            "return_travel_time_s": back, "return_distance_m": back_m,
        }],
    })
    assert validate(p, sol) == []
    bad = copy.deepcopy(sol)
    bad.routes[0].stops[0].travel_time_s = go + 5
    only(validate(p, bad), "travel", job_id="J", technician_id="H")


def test_format_violations():
    text = format_violations([Violation("skill", "needs hvac", "A", "T1"), Violation("missing_job", "gone", "D")])
    assert text.splitlines() == ["skill [technician T1, job A]: needs hvac", "missing_job [job D]: gone"]
