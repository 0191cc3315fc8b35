"""Real-time re-planning: events, frozen work, stable re-optimisation and the changes list."""

from optimizer.replan.apply import ReplanError, apply_events
from optimizer.replan.changes import Change, diff_plans
from optimizer.replan.events import (
    EVENT_LIST,
    Event,
    JobCancelled,
    JobCompleted,
    JobOverrun,
    JobStarted,
    NewJob,
    ShiftExtended,
    TechnicianDelayed,
    TechnicianPosition,
    TechnicianUnavailable,
    is_status_event,
)
from optimizer.replan.options import ReplanOptions
from optimizer.replan.replan import ReplanResult, plan_is_current, replan
from optimizer.replan.state import DayState, DoneJob, StateSummary, StateWarning, derive_state

__all__ = [
    "Change", "EVENT_LIST", "Event", "JobCancelled", "JobOverrun", "NewJob", "ReplanError", "ReplanOptions",
    "ReplanResult", "ShiftExtended", "TechnicianDelayed", "TechnicianUnavailable", "apply_events", "diff_plans",
    "plan_is_current", "replan",
    "DayState", "DoneJob", "JobCompleted", "JobStarted", "StateSummary", "StateWarning", "TechnicianPosition",
    "derive_state", "is_status_event",
]

from optimizer.replan.request import ReplanRequest, ReplanResponse, answer  # noqa: E402

__all__ += ["ReplanRequest", "ReplanResponse", "answer"]
