"""The simulated day (benchmarks/simulated_day.py) at small scale: after every re-plan the
validator passes, frozen and in-progress work is unchanged, completed jobs never come back and
every job is routed or unassigned with a reason (the stable vs scratch comparison is the
benchmark's job, at scale)."""

from __future__ import annotations

from benchmarks.simulated_day import executed_kpis, report, simulate


def test_small_day_stays_valid_after_every_event():
    tracks = simulate(seed=2, n_techs=5, n_jobs=30, step_min=60, first_h=9, last_h=15,
                      initial_time_limit_s=1.0, replan_time_limit_s=0.3)
    for track in tracks:
        assert track.events >= 6 and len(track.latencies_s) == 7
        assert track.violations == [], track.violations
        assert executed_kpis(track)["served"] > 0
    assert "stable" in report(tracks)
