"""Escalation of jobs at risk: the plan's rules decide, every escalation is recorded.

For each job of the risk report (breaches first, then at risk), the first rule that covers it
(priority or job id, and the risk reason when the rule names reasons) and whose level it reaches
applies; the rules are the problem's ``escalation_rules`` when given, else the plan settings'
(:meth:`LiveSettings.rules_for`):

* ``propose_reassignment``: the best other technician, from the ranked insertions of
  :func:`optimizer.recommend.recommend` into the re-planned part of the day (the jobs the rules
  escalate are taken out of their routes first, so each is placed against the plan without
  them); the proposal must end the job by its deadline. A job in a technician's fixed head
  (dispatched or in progress), or one no other technician can save, is ``escalated`` instead;
* ``escalate``: ``escalated``, for a person to decide.

An escalation is recorded once per job, level, action and proposed technician: the next
versions repeat it only when one of those changes (``seen`` carries that across versions).
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field

from optimizer.geo.matrix import PointIndex, TravelMatrix
from optimizer.live.risk import JobRisk, RiskReport
from optimizer.live.settings import EscalationRule
from optimizer.models import Problem, Solution
from optimizer.models.common import AwareDatetime, StrictModel


class Escalation(StrictModel):
    job_id: str = Field(..., description="The job.")
    rule: str = Field(..., description="Name of the rule that fired.")
    level: Literal["at_risk", "breach"] = Field(..., description="Its risk level.")
    action: Literal["propose_reassignment", "escalated"] = Field(..., description="propose_reassignment (with a proposal) | escalated (for a person).")
    technician_id: Optional[str] = Field(None, description="Who has it now (null: unassigned).")
    slack_min: Optional[float] = Field(None, description="Its slack at this version, minutes.")
    proposed_technician: Optional[str] = Field(None, description="Proposed technician (propose_reassignment).")
    proposed_start: Optional[AwareDatetime] = Field(None, description="Service start with the proposal.")
    proposed_end: Optional[AwareDatetime] = Field(None, description="Service end with the proposal (by the deadline).")
    reason: str = Field(..., description="Why, as a sentence.")

    def key(self) -> str:
        return f"{self.level}|{self.action}|{self.proposed_technician or ''}"


_RANK = {"at_risk": 0, "breach": 1}


def _rule_for(risk: JobRisk, rules: list[EscalationRule]) -> Optional[EscalationRule]:
    for rule in rules:
        if rule.covers(risk.job_id, risk.priority, risk.reason) and _RANK[risk.level] >= _RANK[rule.when.level]:
            return rule
    return None


def _proposals(derived: Problem, suffix: Solution, ids: list[str], current: dict[str, Optional[str]],
               matrix: Optional[TravelMatrix], points: Optional[PointIndex]) -> dict[str, tuple[str, object]]:
    """job id -> (technician, RecommendationOption) of the best other technician meeting the deadline."""
    from optimizer.live.recommend import restrict
    from optimizer.recommend import RecommendationError, recommend

    try:
        recs = recommend(derived, restrict(suffix, derived, ids), ids, max_results=10, matrix=matrix, points=points)
    except (RecommendationError, KeyError, ValueError):
        return {}
    out: dict[str, tuple[str, object]] = {}
    for rec in recs:
        for option in rec.options:
            if option.technician_id != current.get(rec.job_id) and option.sla_met is not False:
                out[rec.job_id] = (option.technician_id, option)
                break
    return out


def escalate(report: RiskReport, rules: list[EscalationRule], seen: dict[str, str], derived: Optional[Problem] = None,
             suffix: Optional[Solution] = None, matrix: Optional[TravelMatrix] = None,
             points: Optional[PointIndex] = None) -> list[Escalation]:
    """The escalations of this version (new or changed ones; ``seen`` is updated in place) under
    ``rules`` (:meth:`LiveSettings.rules_for` the version's problem). ``derived``/``suffix``: the
    problem the re-plan's engine solved and its routes (the part of the day that can still
    move); without them no reassignment can be proposed."""
    todo: list[tuple[JobRisk, EscalationRule]] = []
    for risk in report.breaches + report.at_risk:
        rule = _rule_for(risk, rules)
        if rule is not None:
            todo.append((risk, rule))
    movable = {j.id for j in derived.jobs} if derived is not None else set()
    wanted = [r.job_id for r, rule in todo if rule.action == "propose_reassignment" and r.job_id in movable]
    found = _proposals(derived, suffix, wanted, {r.job_id: r.technician_id for r, _ in todo}, matrix, points) \
        if wanted and derived is not None and suffix is not None else {}
    out = []
    for risk, rule in todo:
        esc = _escalation(risk, rule, movable, found)
        if seen.get(risk.job_id) != esc.key():
            seen[risk.job_id] = esc.key()
            out.append(esc)
    return out


def _escalation(risk: JobRisk, rule: EscalationRule, movable: set[str], found: dict[str, tuple[str, object]]) -> Escalation:
    base = dict(job_id=risk.job_id, rule=rule.name, level=risk.level, technician_id=risk.technician_id, slack_min=risk.slack_min)
    what = "predicted to end after its deadline" if risk.level == "breach" else f"at risk (slack {risk.slack_min} min)"
    if risk.reason == "unassigned":
        what = "not planned (no technician can do it in time)"
    if rule.action == "escalate":
        return Escalation(**base, action="escalated", reason=f"{what}; rule {rule.name!r} asks a person to decide")
    if risk.job_id not in movable:
        return Escalation(**base, action="escalated", reason=f"{what}; it is dispatched or under way, so it cannot be reassigned")
    if risk.job_id not in found:
        return Escalation(**base, action="escalated", reason=f"{what}; no other technician can end it by its deadline")
    tech, option = found[risk.job_id]
    return Escalation(**base, action="propose_reassignment", proposed_technician=tech,
                      proposed_start=getattr(option, "start"), proposed_end=getattr(option, "end"),
                      reason=f"{what}; {tech} can end it by its deadline")
