"""Disruption events of a dispatch day (pydantic v2), one model per event type.

Each event carries a ``type`` discriminator. A list of events is applied, in order, to the
problem state before re-planning (see :mod:`optimizer.replan.apply`). Durations are minutes
(``_min`` suffix is implied by the field name ``minutes``); instants are ISO-8601 with an offset.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

from pydantic import Field, TypeAdapter

from optimizer.models.common import AwareDatetime, StrictModel
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


Event = Annotated[
    Union[NewJob, JobCancelled, TechnicianUnavailable, JobOverrun, TechnicianDelayed, ShiftExtended],
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
    return None, event.technician_id
