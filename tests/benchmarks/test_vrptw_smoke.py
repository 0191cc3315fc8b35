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


def test_cli_bench_writes_results(shared_dir, tmp_path, capsys):
    from optimizer.cli import main

    code = main(["bench", "--suite", "solomon", "--instances", str(shared_dir / "instances"),
                 "--instances-filter", "C101", "--time-limit", "1", "--engines", "vroom",
                 "-o", str(tmp_path), "--no-progress"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "C101" in printed and "Class averages" in printed
    rows = list(csv.DictReader((tmp_path / "solomon-C101.csv").open()))
    assert [(r["instance"], r["engine"], r["valid"]) for r in rows] == [("C101", "vroom", "True")]


def test_unknown_engine_is_rejected(tmp_path):
    from optimizer.cli import main

    assert main(["bench", "--suite", "solomon", "--engines", "gurobi", "-o", str(tmp_path)]) == 2
