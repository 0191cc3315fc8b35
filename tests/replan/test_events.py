"""Event models: the type discriminator, field errors, and references checked on apply."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from optimizer.models import Solution
from optimizer.replan import EVENT_LIST, JobOverrun, NewJob, ReplanError, TechnicianUnavailable, apply_events
from tests import factories as f
from tests.replan.conftest import day_problem


def test_each_type_parses_to_its_model():
    events = EVENT_LIST.validate_python([
        {"type": "new_job", "job": f.job("n1")},
        {"type": "job_cancelled", "job_id": "j01"},
        {"type": "technician_unavailable", "technician_id": "A", "reason": "sick"},
        {"type": "job_overrun", "job_id": "j02", "minutes": 20},
        {"type": "technician_delayed", "technician_id": "B", "minutes": 15},
        {"type": "shift_extended", "technician_id": "C", "new_end": f.at(18)},
    ])
    assert [type(e).__name__ for e in events] == [
        "NewJob", "JobCancelled", "TechnicianUnavailable", "JobOverrun", "TechnicianDelayed", "ShiftExtended"]


def test_bad_events_name_the_field():
    with pytest.raises(ValidationError) as exc:
        EVENT_LIST.validate_python([{"type": "job_overrun", "job_id": "j01", "minutes": -5}])
    assert exc.value.errors()[0]["loc"][:3] == (0, "job_overrun", "minutes")
    with pytest.raises(ValidationError) as exc:
        EVENT_LIST.validate_python([{"type": "meteor", "job_id": "j01"}])
    assert "type" in str(exc.value)


def test_unknown_references_are_refused_with_their_path():
    problem = day_problem()
    with pytest.raises(ReplanError, match=r"^events\[1\]\.job_id: unknown job 'nope'"):
        apply_events(problem, Solution(), [NewJob(job=f.job("n1")), JobOverrun(job_id="nope", minutes=5)])
    with pytest.raises(ReplanError, match=r"^events\[0\]\.job\.id: job 'j01' already exists"):
        apply_events(problem, Solution(), [NewJob(job=f.job("j01"))])
    with pytest.raises(ReplanError, match=r"^events\[0\]\.unavailable_from: required"):
        apply_events(problem, Solution(), [TechnicianUnavailable(technician_id="A")])


def test_apply_does_not_touch_the_input():
    problem = day_problem()
    before = problem.model_dump_json()
    applied = apply_events(problem, Solution(), [JobOverrun(job_id="j01", minutes=30)])
    assert problem.model_dump_json() == before
    assert applied.problem.job("j01").duration_min == problem.job("j01").duration_min + 30
