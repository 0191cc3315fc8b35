"""Events posted to a live plan: every re-planning event (disruptions and status updates, see
:mod:`optimizer.replan.events`) plus ``job_confirmed`` and ``job_assigned``, each wrapped with the
client's event id.

The id makes a post idempotent: an event whose id the plan has already applied is skipped, so a
client that lost an answer (timeout, server restart) sends the same events again and nothing is
applied twice.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional, Union, get_args

from pydantic import Field

from optimizer.models.common import AwareDatetime, StrictModel
from optimizer.replan.events import Event


class JobConfirmed(StrictModel):
    """The customer was given a start time: from now on re-plans keep it (see
    :mod:`optimizer.live.promises`). ``start`` defaults to the job's start in the current plan."""

    type: Literal["job_confirmed"] = "job_confirmed"
    job_id: str = Field(..., min_length=1, description="The job (routed in the current plan unless start is given).")
    start: Optional[AwareDatetime] = Field(None, description="Promised start. Default: its planned start.")


class JobAssigned(StrictModel):
    """The dispatcher gives a job to a technician (e.g. accepting an escalation's proposal): from
    now on only that technician may do it (the job's ``pinned_technician``); the re-plan places
    it in that technician's day, or leaves it unassigned with the reason."""

    type: Literal["job_assigned"] = "job_assigned"
    job_id: str = Field(..., min_length=1, description="The job (not completed, not under way).")
    technician_id: str = Field(..., min_length=1, description="The technician who does it from now on.")


LIVE_ONLY = (JobConfirmed, JobAssigned)
"""Event types the live plan applies itself (the others go to the re-planning library)."""

_REPLAN_EVENTS = get_args(get_args(Event)[0])
AnyEvent = Annotated[Union[_REPLAN_EVENTS + LIVE_ONLY], Field(discriminator="type")]  # type: ignore[valid-type]
"""A re-planning event, ``job_confirmed`` or ``job_assigned``; the ``type`` field selects the model."""


class LiveEvent(StrictModel):
    """One event with its idempotency id."""

    id: str = Field(..., min_length=1, max_length=200, description="Client's event id, unique per plan; a repeated id is not applied again.")
    event: AnyEvent = Field(  # type: ignore[valid-type]
        ..., description="The event (its type field selects the model): new_job, job_cancelled, technician_unavailable, job_overrun, "
        "technician_delayed, shift_extended, job_started, job_completed, technician_position, job_confirmed, job_assigned.")


class EventBatch(StrictModel):
    """Body of ``POST /v1/plans/{id}/events``."""

    events: list[LiveEvent] = Field(..., min_length=1, max_length=500, description="Applied in order. 1 to 500.")
    now: Optional[AwareDatetime] = Field(None, description="The plan's clock after these events (never earlier than the current "
                                         "version's now). Default: the current version's now, or the latest status event instant if later.")
