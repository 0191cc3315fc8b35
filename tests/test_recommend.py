"""Recommendations for a new urgent job against a live plan, without re-solving."""

import pytest

from optimizer.models import Problem
from optimizer.recommend import RecommendationError, accept_recommendation, recommend
from optimizer.solve import solve
from optimizer.validate import assert_valid
from tests.factories import job, point, problem, tech


def _plan():
    techs = [tech("a", loc=point(0, 0)), tech("b", loc=point(4, 0)), tech("c", ["hvac"], loc=point(8, 0))]
    jobs = [job(f"j{i}", loc=point(i, 1), duration_min=45) for i in range(8)]
    p = problem(techs, jobs, time_limit_s=1.0)
    return p, solve(p)


def _with_new(p: Problem, *new_jobs) -> Problem:
    data = p.model_dump(mode="json", exclude_none=True)
    data["jobs"].extend(new_jobs)
    return Problem.model_validate(data)


def test_ranked_feasible_insertions_best_first():
    p, plan = _plan()
    p2 = _with_new(p, job("urgent", loc=point(7.5, 0.5), duration_min=30, priority="urgent", sla_deadline="2026-11-24T10:00:00+02:00"))
    (rec,) = recommend(p2, plan, ["urgent"], max_results=3)
    assert rec.reason is None and 1 <= len(rec.options) <= 3
    assert [o.rank for o in rec.options] == list(range(1, len(rec.options) + 1))
    assert [o.cost for o in rec.options] == sorted(o.cost for o in rec.options)
    assert len({o.technician_id for o in rec.options}) == len(rec.options)
    # Every option is a feasible insertion: accepting it gives a plan the validator accepts.
    for option in rec.options:
        accepted = accept_recommendation(p2, plan, "urgent", option.technician_id, option.position)
        assert_valid(p2, accepted)
        stops = {s.job_id: s for s in accepted.route_of(option.technician_id).stops}
        assert stops["urgent"].start == option.start
        for shifted in option.shifted_stops:
            assert stops[shifted.job_id].start == shifted.new_start


def test_skill_restricts_recommendations():
    p, plan = _plan()
    p2 = _with_new(p, job("hv", loc=point(1, 1), skills=["hvac"]))
    (rec,) = recommend(p2, plan, ["hv"])
    assert [o.technician_id for o in rec.options] == ["c"]


def test_impossible_job_gets_a_reason():
    p, plan = _plan()
    p2 = _with_new(p, job("gas", skills=["gas"]))
    (rec,) = recommend(p2, plan, ["gas"])
    assert rec.options == [] and rec.reason == "no technician has skill gas"


def test_unknown_or_planned_job_is_an_error():
    p, plan = _plan()
    with pytest.raises(RecommendationError, match="unknown job"):
        recommend(p, plan, ["nope"])
    planned = next(iter(plan.assignment()))
    with pytest.raises(RecommendationError, match="already in the plan"):
        recommend(p, plan, [planned])
