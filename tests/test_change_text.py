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


def test_replan_changes_carry_their_sentence_in_the_problem_language():
    """The 11:00 re-plan of the demo day in Chinese: each change's message is the sentence of its
    kind and cause (oracle: change_message on the change's own codes), and the plan is valid."""
    import json
    from datetime import datetime

    from optimizer.models import Problem, Solution
    from optimizer.paths import DATA_DIR, REPO_ROOT
    from optimizer.replan import EVENT_LIST, ReplanOptions, replan
    from optimizer.validate import validate

    problem = Problem.model_validate_json((DATA_DIR / "demo_problem.json").read_text())
    previous = Solution.model_validate_json((REPO_ROOT / "data/replan/morning_plan.json").read_text())
    doc = json.loads((REPO_ROOT / "data/replan/events_1100.json").read_text())
    problem.now = datetime.fromisoformat(doc["now"])
    problem.options.max_iterations = 100
    problem.options.language = "zh-CN"
    result = replan(problem, previous, EVENT_LIST.validate_python(doc["events"]), ReplanOptions(time_limit_s=30))
    assert validate(result.problem, result.solution) == []
    assert result.changes
    for change in result.changes:
        assert change.kind in ("reassigned", "time_shifted", "unassigned", "assigned")
        assert change.message == change_message(change, "zh-CN")
        assert change.message.startswith(change.job_id) and ("因事件" in change.message or "重新优化" in change.message)
