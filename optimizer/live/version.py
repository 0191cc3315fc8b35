"""One version of a live plan: the state of the day, its plan, what changed and what is at risk.

Every change to a live plan (an event post) makes a new version; old versions stay readable.
A version is plain data (pydantic), stored as JSON by the API's plan store.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field

from optimizer.live.escalation import Escalation
from optimizer.live.events import LiveEvent
from optimizer.live.promises import Promise
from optimizer.live.risk import RiskReport
from optimizer.models import Problem, Solution
from optimizer.models.common import AwareDatetime, StrictModel
from optimizer.replan.changes import Change


class LiveChange(Change):
    """A change of ``changes[]`` (see :class:`optimizer.replan.changes.Change`), plus
    ``promise_broken``: a promised start could not be kept within the tolerance (``reason`` says
    why; ``new_start`` is the new promise, null when the job is no longer planned)."""

    kind: Literal["reassigned", "time_shifted", "unassigned", "assigned", "promise_broken"]  # type: ignore[assignment]
    promised_start: Optional[AwareDatetime] = Field(None, description="promise_broken: the start that had been promised.")
    cause_event_id: Optional[str] = Field(None, description="Id of the posted event that caused it (null: re-optimisation or none).")


class Tracking(StrictModel):
    """What the live plan remembers across versions for risk and escalation."""

    planned_duration_min: dict[str, float] = Field(default_factory=dict, description="Job id -> duration before any overrun, minutes.")
    delay_min: dict[str, float] = Field(default_factory=dict, description="Technician id -> minutes of delay reported today.")
    escalated: dict[str, str] = Field(default_factory=dict, description="Job id -> last escalation key (level|action|proposed technician).")
    low_slack: dict[str, int] = Field(default_factory=dict, description="Job id -> consecutive versions (up to this one) with slack under its threshold.")


class PlanVersion(StrictModel):
    """One version of a live plan."""

    plan_id: str = Field(..., description="The plan.")
    version: int = Field(..., ge=1, description="1 at creation, +1 per applied event post.")
    created_at: AwareDatetime = Field(..., description="Wall-clock instant the version was made (UTC).")
    now: Optional[AwareDatetime] = Field(None, description="The plan's clock: the instant the state describes.")
    problem: Problem = Field(..., description="The state of the day the solution answers (validate against it).")
    solution: Solution = Field(..., description="The plan.")
    changes: list[LiveChange] = Field(default_factory=list, description="Against the previous version (empty for version 1).")
    risk: RiskReport = Field(default_factory=RiskReport, description="Jobs at risk and predicted breaches at this version.")
    escalations: list[Escalation] = Field(default_factory=list, description="Escalations raised at this version (new or changed).")
    promises: dict[str, Promise] = Field(default_factory=dict, description="Job id -> promised start, as held after this version.")
    events: list[LiveEvent] = Field(default_factory=list, description="The events applied by this version, in order.")
    replan_time_s: Optional[float] = Field(None, description="Time the library spent making this version, seconds.")
    tracking: Tracking = Field(default_factory=Tracking, description="Bookkeeping carried to the next version.")
