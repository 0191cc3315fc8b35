"""Smoke run of the VRPTW benchmark harness: two small Solomon instances, 2 s, every engine.

Checks that the harness works end to end and that every engine's answer validates. No
assertion on speed or gap (performance lives in the benchmark scripts and results)."""

from __future__ import annotations

import csv

import pytest

from benchmarks.vrptw.bench import run_vrptw_bench
from benchmarks.vrptw.engines import ENGINES

pytestmark = pytest.mark.shared


def test_two_solomon_instances_all_engines_validate(shared_dir, tmp_path):
    out = run_vrptw_bench(
        "solomon", shared_dir / "instances", list(ENGINES), 2.0, tmp_path,
        jobs=2, name_filter="C101,RC201", progress=False, echo=lambda *_: None,
    )
    assert {(r.instance, r.engine) for r in out.records} == {(i, e) for i in ("C101", "RC201") for e in ENGINES}
    for r in out.records:
        assert not r.error, f"{r.instance}/{r.engine}: {r.error}"
        assert r.served == 100, f"{r.instance}/{r.engine} served {r.served}"
        assert r.valid is True, f"{r.instance}/{r.engine}: {r.violations} violation(s): {r.violation}"
        assert r.cost is not None and r.bks is not None and r.gap_pct is not None
    rows = list(csv.DictReader(out.csv_path.open()))
    assert len(rows) == len(out.records)
    assert out.png_path.stat().st_size > 0
    assert "Class averages" in out.md_path.read_text()
