"""Bad input is a validation error that names the field, never a traceback from the solver."""

import json
import subprocess
import sys

import pytest
from pydantic import ValidationError

from optimizer.models import Problem
from tests.factories import job, tech


def _errors(data) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        Problem.model_validate(data)
    return [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in info.value.errors()]


def _base():
    return {"technicians": [tech("a", ["hvac"])], "jobs": [job("j1")]}


def test_unknown_skill_format():
    data = _base()
    data["technicians"][0]["skills"] = "hvac"
    (path, msg), = _errors(data)
    assert path == "technicians.0.skills" and "skills must be an object" in msg


def test_skill_level_below_one():
    data = _base()
    data["jobs"][0]["skills"] = {"hvac": 0}
    (path, msg), = _errors(data)
    assert path == "jobs.0.skills" and "level must be >= 1" in msg


def test_end_before_start():
    data = _base()
    data["technicians"][0]["shift"] = {"start": "2026-11-24T16:00:00+02:00", "end": "2026-11-24T08:00:00+02:00"}
    (path, msg), = _errors(data)
    assert path == "technicians.0.shift" and "end is before start" in msg


def test_negative_duration():
    data = _base()
    data["jobs"][0]["duration_min"] = -5
    (path, msg), = _errors(data)
    assert path == "jobs.0.duration_min" and "greater than or equal to 0" in msg


def test_duplicate_ids():
    data = _base()
    data["jobs"].append(job("j1"))
    (path, msg), = _errors(data)
    assert path == "jobs.1.id" and "duplicate job id 'j1'" in msg


def test_unknown_pinned_technician():
    data = _base()
    data["jobs"][0]["pinned_technician"] = "zz"
    (path, msg), = _errors(data)
    assert path == "jobs.0.pinned_technician" and "unknown technician 'zz'" in msg


def test_naive_datetime_rejected():
    data = _base()
    data["technicians"][0]["shift"]["start"] = "2026-11-24T08:00:00"
    (path, msg), = _errors(data)
    assert path == "technicians.0.shift.start" and "UTC offset" in msg


def test_unknown_field_rejected_not_dropped():
    data = _base()
    data["jobs"][0]["duraton_min"] = 5
    paths = [p for p, _ in _errors(data)]
    assert "jobs.0.duraton_min" in paths


def test_cli_reports_field_and_exit_code_2(tmp_path):
    data = _base()
    data["jobs"][0]["pinned_technician"] = "zz"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    run = subprocess.run([sys.executable, "-m", "optimizer.cli", "optimize", str(path)], capture_output=True, text=True)
    assert run.returncode == 2
    assert "jobs.0.pinned_technician: unknown technician 'zz'" in run.stderr
    assert "Traceback" not in run.stderr
