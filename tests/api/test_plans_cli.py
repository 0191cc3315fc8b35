"""`dispatch plan create|event|show|watch` against a real server (the CLI's own entry point,
real HTTP to a real server process)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

from optimizer.cli import main
from tests.api.conftest import small_problem


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture()
def dispatch(capsys):
    def run(*args: str) -> Run:
        code = main(list(args))
        out = capsys.readouterr()
        return Run(code, out.out, out.err)

    return run


def test_plan_commands(server, tmp_path, dispatch):
    problem = tmp_path / "p.json"
    problem.write_text(json.dumps(small_problem(n_jobs=5)))
    url = ["--url", server.url]
    made = dispatch("plan", "create", str(problem), "--settings", '{"replan": {"time_limit_s": 0.3}}', *url)
    assert made.returncode == 0, made.stderr
    plan_id = re.search(r"plan ([0-9a-f]{32}) version 1", made.stdout).group(1)
    event = '{"type": "technician_delayed", "technician_id": "t2", "minutes": 20}'
    first = dispatch("plan", "event", plan_id, event, "--now", "2026-11-24T08:30:00+02:00", "--if-match", "1", *url)
    assert first.returncode == 0 and f"plan {plan_id} version 2" in first.stdout, first.stderr
    again = dispatch("plan", "event", plan_id, event, *url)  # same content -> same id -> applied once
    assert again.returncode == 0 and "version 2" in again.stdout and "[replay]" in again.stdout
    stale = dispatch("plan", "event", plan_id, '{"type": "job_cancelled", "job_id": "j1"}', "--if-match", "1", *url)
    assert stale.returncode == 2 and "409" in stale.stderr and "version 2" in stale.stderr
    shown = dispatch("plan", "show", plan_id, "--json", *url)
    assert shown.returncode == 0 and json.loads(shown.stdout)["version"] == 2
    watched = dispatch("plan", "watch", plan_id, "--once", *url)
    versions = [m.group(1) for m in (re.match(r"\[\d+\] version (\d+)", line) for line in watched.stdout.splitlines()) if m]
    assert watched.returncode == 0 and versions == ["1", "2"], watched.stdout
    missing = dispatch("plan", "show", "nope", *url)
    assert missing.returncode == 2 and "404" in missing.stderr
