"""Re-plan changes as sentences, in English and Chinese from the catalog (kind and cause codes
unchanged)."""

from __future__ import annotations

from optimizer.change_text import change_message
from optimizer.replan.changes import Change


def test_change_sentences_in_both_languages():
    moved = Change(job_id="J7", kind="reassigned", from_technician="T1", to_technician="T3", shift_min=25.0, cause=2, cause_type="job_overrun")
    assert change_message(moved, "en") == "J7 moves from T1 to T3 (+25 min): because of event 2 (a job overran)"
    assert change_message(moved, "zh-CN") == "J7 从 T1 改派给 T3（+25 分钟）：因事件 2（工单超时）"
    shifted = Change(job_id="J2", kind="time_shifted", from_technician="T1", to_technician="T1", shift_min=-40.0)
    assert change_message(shifted, "en") == "J2 stays with T1, start moves -40 min: re-optimisation found a better plan"
    assert change_message(shifted, "zh-CN") == "J2 仍由 T1 负责，开始时间变动 -40 分钟：重新优化找到了更好的计划"
    dropped = Change(job_id="J9", kind="unassigned", from_technician="T2", reason="time windows fall outside every shift",
                     cause=0, cause_type="technician_unavailable")
    assert change_message(dropped, "zh-CN") == "J9 移出 T2 的计划（时间窗不在任何班次之内）：因事件 0（技术员不可用）"
    assert moved.kind == "reassigned" and moved.cause_type == "job_overrun"  # codes stay as they are
