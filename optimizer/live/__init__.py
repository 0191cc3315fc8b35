"""Live dispatch: a stored plan of the day in versions, events applied with re-planning,
promised times held, SLA risk and escalation. The HTTP layer (``api/routers/plans.py``) and
its store only translate and persist; everything decided about a plan is decided here."""

from optimizer.live.escalation import Escalation
from optimizer.live.events import EventBatch, JobAssigned, JobConfirmed, LiveEvent
from optimizer.live.matrix import MatrixCache
from optimizer.live.promises import Promise
from optimizer.live.risk import JobRisk, RiskReport
from optimizer.live.settings import EscalationRule, LiveSettings, PromiseSettings
from optimizer.live.update import LiveError, apply, create
from optimizer.live.version import LiveChange, PlanVersion, Tracking

__all__ = [
    "Escalation", "EscalationRule", "EventBatch", "JobAssigned", "JobConfirmed", "JobRisk", "LiveChange", "LiveError", "LiveEvent",
    "LiveSettings", "MatrixCache", "PlanVersion", "Promise", "PromiseSettings", "RiskReport", "Tracking", "apply", "create",
]
