"""The bundled demo problem is what its generator produces, and is as rich as promised."""

import json
import sys

from optimizer.models import Problem
from optimizer.paths import DATA_DIR, DEMO_PROBLEM

sys.path.insert(0, str(DATA_DIR))
from generate_demo import generate  # noqa: E402


def test_demo_file_is_reproducible_from_its_generator():
    assert json.loads(DEMO_PROBLEM.read_text()) == generate()
    assert (DATA_DIR / "demo_problem.json").resolve() == DEMO_PROBLEM  # the checkout's path links to it


def test_demo_has_what_the_issue_asks():
    p = Problem.model_validate(generate())
    assert len(p.technicians) >= 12 and len(p.jobs) == 120
    assert len({frozenset(t.skills.items()) for t in p.technicians}) > 5  # mixed skills and levels
    assert len({t.shift.start for t in p.technicians}) > 1
    assert all(t.breaks for t in p.technicians)
    assert {j.priority.value for j in p.jobs} == {"urgent", "high", "normal", "low"}
    assert sum(1 for j in p.jobs if j.time_windows) > 30
    assert sum(1 for j in p.jobs if j.sla_deadline) > 30
    assert sum(1 for j in p.jobs if j.parts) > 10
    assert any(j.pinned_technician for j in p.jobs) and any(j.preferred_technicians for j in p.jobs)
    assert any(j.excluded_technicians for j in p.jobs)


def test_demo_has_costs_and_report_times():
    p = Problem.model_validate(generate())
    assert p.costs is not None and p.costs.currency == "EUR" and p.costs.technician_per_hour > 0
    assert any(t.cost_per_hour for t in p.technicians) and not all(t.cost_per_hour for t in p.technicians)
    assert all(j.reported_at is not None and j.reported_at < p.planning_origin() for j in p.jobs)
