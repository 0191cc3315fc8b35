"""Escalation rules of a live plan: which jobs at risk go to a person or get a proposed
re-assignment. They travel with the problem (``Problem.escalation_rules``) or the plan's
settings; only live plans (``/v1/plans``, ``optimizer.live``) apply them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from optimizer.models.common import Priority, StrictModel

RiskReason = Literal["overrun_upstream", "late_start", "travel", "unassigned"]


class EscalationWhen(StrictModel):
    """The jobs a rule covers: priority in ``priorities`` or id in ``job_ids`` (VIP customers'
    jobs), at ``level`` or worse, and (when ``reasons`` is given) at risk for one of those
    reasons."""

    priorities: list[Priority] = Field(default_factory=list, description="Priorities the rule covers. Default none.")
    job_ids: list[str] = Field(default_factory=list, description="Jobs the rule covers whatever their priority (VIP customers). Default none.")
    level: Literal["at_risk", "breach"] = Field(
        "at_risk", description="at_risk (slack under the threshold; a breach also matches) or breach (predicted to end after the "
        "deadline, or not planned). Default at_risk.")
    reasons: list[RiskReason] = Field(
        default_factory=list, description="Only for these risk reasons (overrun_upstream, late_start, travel, unassigned). Default: any.")


class EscalationRule(StrictModel):
    """When a job matches ``when``, do ``action``: ``propose_reassignment`` (the best other
    technician that meets the deadline, from the ranked insertions into the current plan; none
    found -> escalated) or ``escalate`` (flag it for a person). One escalation per job and level
    is recorded; it is recorded again only when the proposal changes. The flat form
    ``{"name", "priorities", "job_ids", "level", "action"}`` (before ``when``) is still read."""

    name: str = Field(..., min_length=1, description="Shown in each escalation it causes.")
    when: EscalationWhen = Field(..., description="Which jobs at risk it covers (see EscalationWhen).")
    action: Literal["propose_reassignment", "escalate"] = Field("propose_reassignment", description="Default propose_reassignment.")

    @model_validator(mode="before")
    @classmethod
    def _flat_form(cls, data: Any) -> Any:
        if isinstance(data, dict) and "when" not in data and any(k in data for k in ("priorities", "job_ids", "level")):
            data = dict(data)
            data["when"] = {k: data.pop(k) for k in ("priorities", "job_ids", "level") if k in data}
        return data

    def covers(self, job_id: str, priority: str, reason: str) -> bool:
        """Does the rule cover this job (level aside)?"""
        w = self.when
        if w.reasons and reason not in w.reasons:
            return False
        return job_id in w.job_ids or priority in [p.value for p in w.priorities]
