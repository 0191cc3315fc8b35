"""Recommendations: ranked feasible insertions of new jobs into a live plan."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from optimizer.models.common import AwareDatetime, StrictModel


class ShiftedStop(StrictModel):
    """A later stop of the same technician that moves because of the insertion."""

    job_id: str = Field(..., description="The later stop that moves.")
    old_start: AwareDatetime = Field(..., description="Service start in the current plan.")
    new_start: AwareDatetime = Field(..., description="Service start with the new job inserted.")
    delay_s: int = Field(..., description="new_start - old_start, seconds: positive when the stop moves later; negative when the re-timed route (earliest schedule, least lateness) places a break differently so that the stop starts earlier.")
    sla_met: Optional[bool] = Field(None, description="Still ends by its sla_deadline (null: no deadline).")


class RecommendationOption(StrictModel):
    """Insert the job into ``technician_id``'s route before its stop number ``position``
    (0 = first stop; equal to the route length = after the last stop)."""

    technician_id: str = Field(..., description="Who would do the new job.")
    shift_index: Optional[int] = Field(None, description="Technicians with shifts: into which shift's route (Route.shift_index); null otherwise.")
    rank: int = Field(..., ge=1, description="1 = best (lowest cost).")
    position: int = Field(..., ge=0, description="Insert before this stop index of the route (0 = first; route length = after the last).")
    arrival: AwareDatetime = Field(..., description="Arrival at the new job.")
    start: AwareDatetime = Field(..., description="Service start at the new job.")
    end: AwareDatetime = Field(..., description="Service end at the new job.")
    extra_travel_time_s: int = Field(..., description="Added driving time of the route, seconds.")
    sla_met: Optional[bool] = Field(None, description="The new job ends by its sla_deadline (null: no deadline).")
    lateness_s: int = Field(0, ge=0, description="Seconds the new job ends after its sla_deadline.")
    cost: float = Field(..., description="Objective increase, in seconds-of-driving units (see Weights); in the currency with options.objective cost.")
    shifted_stops: list[ShiftedStop] = Field(default_factory=list, description="Later stops of the same technician whose start moves.")


class JobRecommendation(StrictModel):
    job_id: str = Field(..., description="The new job.")
    options: list[RecommendationOption] = Field(default_factory=list, description="Best first.")
    reason: Optional[str] = Field(None, description="Why there is no option (when options is empty).")
