"""Field-service suite: the generator is deterministic and realistic; the harness runs every
engine on the small size and our engine's answer validates (no assertion on quality or speed)."""

from __future__ import annotations

from benchmarks.fieldservice.bench import run_fieldservice_bench
from benchmarks.fieldservice.generator import MILAN_BBOX, generate
from benchmarks.vrptw.engines import ENGINES


def test_generator_is_seeded_and_covers_every_feature():
    a, b = generate("S", seed=3), generate("S", seed=3)
    assert a.model_dump_json() == b.model_dump_json()
    assert generate("S", seed=4).model_dump_json() != a.model_dump_json()
    assert (len(a.technicians), len(a.jobs)) == (10, 80)
    west, south, east, north = MILAN_BBOX
    assert all(west <= j.location.lon <= east and south <= j.location.lat <= north for j in a.jobs)
    assert {j.priority.value for j in a.jobs} == {"urgent", "high", "normal", "low"}
    assert any(j.sla_deadline for j in a.jobs) and any(j.time_windows for j in a.jobs)
    assert any(j.parts for j in a.jobs) and any(max(j.skills.values(), default=0) >= 2 for j in a.jobs)
    assert all(t.breaks and t.skills for t in a.technicians)


def test_harness_small_size_all_engines(tmp_path):
    records = run_fieldservice_bench(["S"], list(ENGINES), 1.0, tmp_path, matrix="haversine",
                                     progress=False, echo=lambda *_: None)
    assert [r.engine for r in records] == list(ENGINES)
    for r in records:
        assert not r.error, f"{r.engine}: {r.error}"
        assert r.served is not None and r.valid is not None
    ours = records[0]
    assert ours.valid, f"our answer has {ours.violations} violation(s): {ours.violation_rules}"
    assert ours.served + sum(int(x) for x in ours.unserved_by_priority.split("/")) == 80
    assert (tmp_path / "fieldservice-S.md").exists()
