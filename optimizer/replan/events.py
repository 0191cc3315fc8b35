"""Disruption events of a dispatch day (pydantic v2), one model per event type.

Each event carries a ``type`` discriminator. A list of events is applied, in order, to the
problem state before re-planning (see :mod:`optimizer.replan.apply`). Durations are minutes
(``_min`` suffix is implied by the field name ``minutes``); instants are ISO-8601 with an offset.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

from pydantic import Field, TypeAdapter

from optimizer.models.common import AwareDatetime, Location, StrictModel
from optimizer.models.job import Job


class NewJob(StrictModel):
    """A job arrives (urgent or not). Its id must not exist in the problem yet; its status is
    taken as ``pending`` whatever the input says."""

    type: Literal["new_job"] = "new_job"
    job: Job


class JobCancelled(StrictModel):
    """The customer cancels: the job is never planned again (it comes back in ``unassigned``
    with code ``cancelled``; later re-plans keep it cancelled)."""

    type: Literal["job_cancelled"] = "job_cancelled"
    job_id: str = Field(..., min_length=1)


class TechnicianUnavailable(StrictModel):
    """The technician stops working from ``unavailable_from`` (default: the problem's ``now``):
    sickness, vehicle breakdown. Its shift ends there (back at the end location by then); work
    that would not be finished by then, the in-progress job included, goes back to the pool."""

    type: Literal["technician_unavailable"] = "technician_unavailable"
    technician_id: str = Field(..., min_length=1)
    unavailable_from: Optional[AwareDatetime] = Field(None, description="Instant from which the technician is unavailable (default: now).")
    reason: Optional[str] = Field(None, description="Free text for the dispatcher, e.g. sick, breakdown.")


class JobOverrun(StrictModel):
    """A job takes ``minutes`` longer than planned (its ``duration_min`` grows; for an
    in-progress job, ``expected_end`` moves too). Later stops of the technician move."""

    type: Literal["job_overrun"] = "job_overrun"
    job_id: str = Field(..., min_length=1)
    minutes: float = Field(..., gt=0, le=24 * 60)


class TechnicianDelayed(StrictModel):
    """The technician is ``minutes`` late for what comes next (traffic, vehicle trouble): the
    arrival at its dispatched job, or its next departure, moves by that much."""

    type: Literal["technician_delayed"] = "technician_delayed"
    technician_id: str = Field(..., min_length=1)
    minutes: float = Field(..., gt=0, le=24 * 60)


class ShiftExtended(StrictModel):
    """The technician's shift now ends at ``new_end`` (overtime agreed, or shortened)."""

    type: Literal["shift_extended"] = "shift_extended"
    technician_id: str = Field(..., min_length=1)
    new_end: AwareDatetime


class JobStarted(StrictModel):
    """Status event: a technician started a job at ``at`` (from the field app). The job is in
    progress from then (unless a ``job_completed`` event at or before ``now`` follows); it is
    expected to end at ``expected_end``, default ``at`` + the job's duration. See
    :mod:`optimizer.replan.state`."""

    type: Literal["job_started"] = "job_started"
    job_id: str = Field(..., min_length=1)
    at: AwareDatetime = Field(..., description="When the work started (not after the problem's now).")
    technician_id: Optional[str] = Field(
        None, description="Who started it. Default: the technician of the previous plan (required when the plan did not route the job).")
    expected_end: Optional[AwareDatetime] = Field(None, description="Expected end of the work. Default: at + duration_min.")


class JobCompleted(StrictModel):
    """Status event: a job was finished at ``at``. It is completed: never planned again."""

    type: Literal["job_completed"] = "job_completed"
    job_id: str = Field(..., min_length=1)
    at: AwareDatetime = Field(..., description="When the work ended (not after the problem's now).")
    technician_id: Optional[str] = Field(None, description="Who did it. Default: the technician of the previous plan.")


class TechnicianPosition(StrictModel):
    """Status event: where a technician was at ``at`` (GPS). The latest position at or before
    ``now`` becomes the technician's ``current_location`` (where its route continues when it is
    not on site or driving to a job it keeps)."""

    type: Literal["technician_position"] = "technician_position"
    technician_id: str = Field(..., min_length=1)
    location: Location
    at: AwareDatetime = Field(..., description="When the position was measured (not after the problem's now).")


STATUS_EVENT_TYPES = ("job_started", "job_completed", "technician_position")
"""Event types that report the state of the day rather than a disruption (see
:func:`optimizer.replan.state.derive_state`)."""


Event = Annotated[
    Union[NewJob, JobCancelled, TechnicianUnavailable, JobOverrun, TechnicianDelayed, ShiftExtended,
          JobStarted, JobCompleted, TechnicianPosition],
    Field(discriminator="type"),
]
"""Any event; the ``type`` field selects the model."""

EVENT_LIST = TypeAdapter(list[Event])
"""Validates a JSON list of events."""


def event_subject(event: Event) -> tuple[Optional[str], Optional[str]]:
    """``(job_id, technician_id)`` the event is about (either may be None)."""
    if isinstance(event, NewJob):
        return event.job.id, None
    if isinstance(event, (JobCancelled, JobOverrun)):
        return event.job_id, None
    if isinstance(event, (JobStarted, JobCompleted)):
        return event.job_id, event.technician_id
    return None, event.technician_id


def is_status_event(event: Event) -> bool:
    """Does ``event`` report the state of the day (started, completed, position)?"""
    return event.type in STATUS_EVENT_TYPES
