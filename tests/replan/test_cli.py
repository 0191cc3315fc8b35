"""``dispatch replan`` end to end in a subprocess: answer files chain into the next re-plan;
bad events exit 2 with the field path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.simulated_day import advance
from optimizer.models import Problem, Solution
from optimizer.validate import validate  # noqa: F401
from tests import factories as f
from tests.replan.conftest import at

ROOT = Path(__file__).resolve().parents[2]


def _dispatch(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimizer.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_replan_cli_writes_a_plan_that_chains(tmp_path, day):
    problem, plan = day
    state = advance(problem, plan, at(10), freeze_min=20)
    (tmp_path / "p.json").write_text(state.model_dump_json())
    (tmp_path / "s.json").write_text(plan.model_dump_json())
    urgent = f.job("u1", loc=f.point(0.3, 0.3), priority="urgent", sla_deadline=f.at(12))
    (tmp_path / "e.json").write_text(json.dumps({"events": [{"type": "new_job", "job": urgent}], "options": {"time_limit_s": 0.5}}))
    done = _dispatch("replan", str(tmp_path / "p.json"), str(tmp_path / "s.json"), str(tmp_path / "e.json"),
                     "-o", str(tmp_path / "new.json"), "--state-out", str(tmp_path / "state.json"), "--changes-out", str(tmp_path / "c.json"))
    assert done.returncode == 0, done.stderr
    assert "u1" in done.stderr and "assigned" in done.stderr
    new = Solution.model_validate_json((tmp_path / "new.json").read_text())
    assert "u1" in new.assignment()
    changes = json.loads((tmp_path / "c.json").read_text())
    assert {"job_id": "u1", "kind": "assigned"}.items() <= changes[0].items() or any(c["job_id"] == "u1" for c in changes)
    # The state + solution chain into the next re-plan (JSON to stdout when no -o).
    Problem.model_validate_json((tmp_path / "state.json").read_text())
    (tmp_path / "e2.json").write_text(json.dumps([{"type": "job_cancelled", "job_id": "u1"}]))
    again = _dispatch("replan", str(tmp_path / "state.json"), str(tmp_path / "new.json"), str(tmp_path / "e2.json"), "--time-limit", "0.5")
    assert again.returncode == 0, again.stderr
    body = json.loads(again.stdout)
    assert {"solution", "changes", "problem"} <= set(body)
    assert any(u["job_id"] == "u1" and u["code"] == "cancelled" for u in body["solution"]["unassigned"])


def test_replan_cli_bad_events(tmp_path, day):
    problem, plan = day
    (tmp_path / "p.json").write_text(problem.model_dump_json())
    (tmp_path / "s.json").write_text(plan.model_dump_json())
    (tmp_path / "e.json").write_text(json.dumps([{"type": "job_overrun", "job_id": "ghost", "minutes": 10}]))
    done = _dispatch("replan", str(tmp_path / "p.json"), str(tmp_path / "s.json"), str(tmp_path / "e.json"))
    assert done.returncode == 2
    assert "events[0].job_id: unknown job 'ghost'" in done.stderr
    (tmp_path / "e.json").write_text(json.dumps([{"type": "job_overrun", "job_id": "j01"}]))
    done = _dispatch("replan", str(tmp_path / "p.json"), str(tmp_path / "s.json"), str(tmp_path / "e.json"))
    assert done.returncode == 2 and "minutes" in done.stderr and "Traceback" not in done.stderr
