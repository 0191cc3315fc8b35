"""``dispatch matrix`` on the embedded Helsinki region: stdout, file output, problem input,
out-of-region refusal."""

from __future__ import annotations

import json

from optimizer.cli import main
from optimizer.geo.matrix import problem_points
from optimizer.models import Problem
from optimizer.paths import DATA_DIR

POINTS = [{"lat": 60.170, "lon": 24.940}, {"lat": 60.175, "lon": 24.945}, {"lat": 60.1705, "lon": 24.950}]


def test_prints_road_matrices(tmp_path, capsys):
    path = tmp_path / "locations.json"
    path.write_text(json.dumps(POINTS))
    assert main(["matrix", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["source"] == "road" and len(out["snap_distances_m"]) == 3
    d = out["durations_s"]
    assert [d[i][i] for i in range(3)] == [0, 0, 0]
    assert all(d[i][j] > 0 and out["distances_m"][i][j] > 0 for i in range(3) for j in range(3) if i != j)


def test_writes_a_problem_matrix_to_a_file(tmp_path, capsys):
    out_path = tmp_path / "matrix.json"
    assert main(["matrix", str(DATA_DIR / "demo_problem.json"), "-o", str(out_path)]) == 0
    problem = Problem.model_validate(json.loads((DATA_DIR / "demo_problem.json").read_text()))
    n = len(problem_points(problem))
    written = json.loads(out_path.read_text())
    assert len(written["durations_s"]) == n and all(len(row) == n for row in written["distances_m"])
    assert f"{n}x{n} road matrix" in capsys.readouterr().out


def test_location_outside_the_region_is_named(tmp_path, capsys):
    path = tmp_path / "locations.json"
    path.write_text(json.dumps({"locations": POINTS + [{"lat": 45.46, "lon": 9.19}]}))
    assert main(["matrix", str(path)]) == 2
    assert "location 3 (45.460000, 9.190000) is outside the road region" in capsys.readouterr().err


def test_unreadable_input_and_index_only_locations(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["matrix", str(bad)]) == 2
    assert "bad.json: not valid JSON" in capsys.readouterr().err
    indexed = tmp_path / "indexed.json"
    indexed.write_text(json.dumps([{"lat": 60.17, "lon": 24.94}, {"index": 3}]))
    assert main(["matrix", str(indexed), "--source", "road"]) == 2
    assert "location 1 has no lat/lon" in capsys.readouterr().err
