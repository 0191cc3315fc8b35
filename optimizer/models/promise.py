"""Promised starts: a start time given to the customer, priced per minute of shift on its own
(apart from the SLA weights). Live plans (``optimizer.live.promises``) fill them in for the
re-plans; any problem may carry them."""

from __future__ import annotations

from pydantic import Field

from optimizer.models.common import AwareDatetime, StrictModel


class PromisedStart(StrictModel):
    """The customer of ``job_id`` was promised service at ``start``: each minute the service
    starts later costs ``cost_per_min`` (a second soft bound of the job, besides its SLA
    deadline; earlier starts cost nothing, use a time window to forbid them)."""

    job_id: str = Field(..., min_length=1, description="The job (an entry naming no job of the problem is ignored).")
    start: AwareDatetime = Field(..., description="Promised service start.")
    cost_per_min: float = Field(..., ge=0, le=1e6, description="Cost per minute the service starts after start, in seconds of driving "
                                "(the unit of Weights).")
