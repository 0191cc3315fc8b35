"""Settings of a live plan: how re-plans run, how promised times hold, when a job is at risk
and what an escalation rule does. Stored with the plan (``POST /v1/plans`` ``settings``);
every field has a default, so ``{}`` is a valid value."""

from __future__ import annotations

from pydantic import Field

from optimizer.models import Problem
from optimizer.models.common import Priority, StrictModel
from optimizer.models.escalation import EscalationRule, EscalationWhen
from optimizer.replan.options import ReplanOptions


def _thresholds() -> dict[str, float]:
    return {"urgent": 15.0, "high": 10.0, "normal": 8.0, "low": 4.0}


class PromiseSettings(StrictModel):
    """Promised starts (``job_confirmed`` events, or every planned start at creation with
    ``confirm_all``). A re-plan keeps a promised job's start within ``tolerance_min`` of the
    promise (a hard time window ``[promise - early_tolerance_min, promise + tolerance_min]``
    intersected with the job's own windows) and pays ``cost_per_min`` per minute the service
    starts after the promise (a promised start of the problem: a term of its own in both
    engines, apart from the SLA weights); when no plan can keep the promise the window is
    dropped, the promise is reported broken in ``changes[]`` with the reason, and the promise
    moves to the new start."""

    tolerance_min: float = Field(30.0, ge=0, le=24 * 60, description="Latest allowed start after the promise, minutes (hard). Default 30.")
    early_tolerance_min: float = Field(0.0, ge=0, le=24 * 60, description="Earliest allowed start before the promise, minutes (hard). Default 0.")
    cost_per_min: float = Field(120.0, ge=0, le=1e6, description="Cost per minute a promised job starts after its promise, in "
                                "seconds of driving (the unit of options.weights), apart from its SLA weight. Default 120.")
    confirm_all: bool = Field(False, description="At creation, promise every planned start. Default false.")
    confirm_on_dispatch: bool = Field(True, description="A job that becomes dispatched or in progress is promised at its planned start if it was not. Default true.")


def _default_rules() -> list[EscalationRule]:
    return [
        EscalationRule(name="urgent at risk", when=EscalationWhen(priorities=[Priority.urgent], level="at_risk"), action="propose_reassignment"),
        EscalationRule(name="high breach", when=EscalationWhen(priorities=[Priority.high], level="breach"), action="escalate"),
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
        description="Slack to the SLA deadline under which a job is at risk, minutes, by priority. Default urgent 15, high 10, normal 8, low 4 "
        "(tuned on the simulated live day: 60/45/30/15 warned no more breaches and raised about 3 times as many false alarms).",
    )
    risk_confirm_versions: int = Field(
        2, ge=1, le=10,
        description="A job is listed at risk only when its slack has been under the threshold in this many consecutive versions "
        "(1: at once). Predicted breaches are listed at once. Default 2.",
    )
    escalation_rules: list[EscalationRule] = Field(
        default_factory=_default_rules,
        description="Checked in order; the first matching rule decides. Default: urgent at risk -> propose_reassignment; high breach -> escalate. "
        "The problem's escalation_rules, when given, replace them.",
    )

    def rules_for(self, problem: Problem) -> list[EscalationRule]:
        """The rules that apply to ``problem``: its own ``escalation_rules`` when given, else these settings'."""
        return problem.escalation_rules if problem.escalation_rules is not None else self.escalation_rules

    def threshold_s(self, priority: str) -> int:
        return int(round(self.risk_threshold_min.get(priority, 0.0) * 60))
