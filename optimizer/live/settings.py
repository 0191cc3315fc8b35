"""Settings of a live plan: how re-plans run, how promised times hold, when a job is at risk
and what an escalation rule does. Stored with the plan (``POST /v1/plans`` ``settings``);
every field has a default, so ``{}`` is a valid value."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from optimizer.models.common import Priority, StrictModel
from optimizer.replan.options import ReplanOptions


def _thresholds() -> dict[str, float]:
    return {"urgent": 60.0, "high": 45.0, "normal": 30.0, "low": 15.0}


class PromiseSettings(StrictModel):
    """Promised starts (``job_confirmed`` events, or every planned start at creation with
    ``confirm_all``). A re-plan keeps a promised job's start within ``tolerance_min`` of the
    promise (a hard time window ``[promise - early_tolerance_min, promise + tolerance_min]``
    intersected with the job's own windows) and pays the job's priority SLA cost per minute the
    service ends after ``promise + duration`` (the engines' soft SLA deadline); when no plan can
    keep the promise the window is dropped, the promise is reported broken in ``changes[]`` with
    the reason, and the promise moves to the new start."""

    tolerance_min: float = Field(30.0, ge=0, le=24 * 60, description="Latest allowed start after the promise, minutes (hard). Default 30.")
    early_tolerance_min: float = Field(0.0, ge=0, le=24 * 60, description="Earliest allowed start before the promise, minutes (hard). Default 0.")
    confirm_all: bool = Field(False, description="At creation, promise every planned start. Default false.")
    confirm_on_dispatch: bool = Field(True, description="A job that becomes dispatched or in progress is promised at its planned start if it was not. Default true.")


class EscalationRule(StrictModel):
    """When a job matches (priority in ``priorities``, or id in ``job_ids`` for VIP customers)
    and is at ``level`` or worse, do ``action``: ``propose_reassignment`` (the best other
    technician that meets the deadline, from the ranked insertions into the current plan; none
    found -> escalated) or ``escalate`` (flag it for a person). One escalation per job and
    level is recorded; it is recorded again only when the proposal changes."""

    name: str = Field(..., min_length=1, description="Shown in each escalation it causes.")
    priorities: list[Priority] = Field(default_factory=list, description="Priorities the rule covers. Default none.")
    job_ids: list[str] = Field(default_factory=list, description="Jobs the rule covers whatever their priority (VIP customers). Default none.")
    level: Literal["at_risk", "breach"] = Field("at_risk", description="at_risk (slack under the threshold) or breach (predicted to end after the deadline). Default at_risk.")
    action: Literal["propose_reassignment", "escalate"] = Field("propose_reassignment", description="Default propose_reassignment.")

    def covers(self, job_id: str, priority: str) -> bool:
        return job_id in self.job_ids or priority in [p.value for p in self.priorities]


def _default_rules() -> list[EscalationRule]:
    return [
        EscalationRule(name="urgent at risk", priorities=[Priority.urgent], level="at_risk", action="propose_reassignment"),
        EscalationRule(name="high breach", priorities=[Priority.high], level="breach", action="escalate"),
    ]


class LiveSettings(StrictModel):
    """Everything a live plan needs besides its problem."""

    replan: ReplanOptions = Field(
        default_factory=lambda: ReplanOptions(time_limit_s=0.5),
        description="Re-plan options for every event post (stability weight, search time). Default: ReplanOptions defaults "
        "with time_limit_s 0.5 (an event post answers within about 1.5 s at 50 technicians x 400 jobs).",
    )
    promises: PromiseSettings = Field(default_factory=PromiseSettings, description="Promised times (see PromiseSettings).")
    risk_threshold_min: dict[str, float] = Field(
        default_factory=_thresholds,
        description="Slack to the SLA deadline under which a job is at risk, minutes, by priority. Default urgent 60, high 45, normal 30, low 15.",
    )
    escalation_rules: list[EscalationRule] = Field(
        default_factory=_default_rules,
        description="Checked in order; the first matching rule decides. Default: urgent at risk -> propose_reassignment; high breach -> escalate.",
    )

    def threshold_s(self, priority: str) -> int:
        return int(round(self.risk_threshold_min.get(priority, 0.0) * 60))
