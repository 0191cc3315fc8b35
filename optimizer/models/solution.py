"""The Solution: plain data read alike by KPIs, the validator, reports, exports and the API."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from pydantic import Field

from optimizer.models.common import AwareDatetime, StrictModel


class Stop(StrictModel):
    """One visit. ``travel_time_s``/``distance_m`` are from the previous point of the route
    (the start location for the first stop). ``arrival <= start``; ``end = start + duration``."""

    job_id: str
    arrival: AwareDatetime
    start: AwareDatetime
    end: AwareDatetime
    travel_time_s: int = Field(..., ge=0)
    distance_m: int = Field(..., ge=0)
    waiting_time_s: int = Field(0, ge=0, description="Idle time at the site before service starts (breaks excluded).")
    sla_met: Optional[bool] = Field(None, description="Service ended by sla_deadline (null when the job has none).")
    lateness_s: int = Field(0, ge=0, description="Seconds after sla_deadline that the service ended.")


class BreakSlot(StrictModel):
    start: AwareDatetime
    end: AwareDatetime


class Route(StrictModel):
    """A technician's day. ``start`` = departure from the start location, ``end`` = arrival at the
    end location; both null for a technician with no stops."""

    technician_id: str
    start: Optional[AwareDatetime] = None
    end: Optional[AwareDatetime] = None
    stops: list[Stop] = Field(default_factory=list)
    breaks: list[BreakSlot] = Field(default_factory=list)
    travel_time_s: int = Field(0, ge=0, description="Total driving time including the drive to the end location.")
    distance_m: int = Field(0, ge=0)
    work_time_s: int = Field(0, ge=0, description="Service plus travel time (excludes waiting and breaks).")
    return_travel_time_s: int = Field(0, ge=0, description="Drive from the last stop to the end location.")
    return_distance_m: int = Field(0, ge=0)


class Unassigned(StrictModel):
    job_id: str
    reason: str = Field(..., description="A sentence a dispatcher understands.")
    code: str = Field("unserved", description="Machine-readable reason: skill, time_window, parts, pinned, capacity, ...")


class RankedTechnician(StrictModel):
    technician_id: str
    rank: int = Field(..., ge=1)
    arrival: AwareDatetime
    start: Optional[AwareDatetime] = None
    extra_travel_time_s: int
    sla_met: Optional[bool] = None
    assigned: bool = Field(False, description="True for the technician the plan assigns.")


class JobCandidates(StrictModel):
    job_id: str
    ranked: list[RankedTechnician] = Field(default_factory=list)


class Kpis(StrictModel):
    jobs_total: int
    jobs_assigned: int
    jobs_unassigned: int
    sla_jobs: int = Field(..., description="Assigned jobs that have an sla_deadline.")
    sla_met_pct: Optional[float] = Field(..., description="Share of sla_jobs that end by their deadline, %; null when there are none.")
    sla_breaches: dict[str, int] = Field(..., description="Assigned jobs ending after their deadline, by priority.")
    sla_met_pct_by_priority: dict[str, Optional[float]] = Field(default_factory=dict)
    unassigned_by_priority: dict[str, int] = Field(default_factory=dict)
    travel_time_s: int
    distance_m: int
    service_time_s: int
    utilization_pct: float = Field(..., description="(service + travel) / total shift time of all technicians, %.")
    workload_stddev_min: float = Field(..., description="Standard deviation of per-technician work time (service + travel) over all technicians, minutes.")
    workload_max_min: float = 0.0
    workload_min_min: float = 0.0
    technicians_used: int
    technicians_total: int
    overtime_s: int = Field(0, description="Time routes end after their shift end (0 for valid plans).")


class SolverInfo(StrictModel):
    engine: str
    wall_time_s: float
    objective: Optional[float] = None
    status: str
    matrix_source: Optional[str] = None
    matrix_time_s: Optional[float] = None


class Solution(StrictModel):
    routes: list[Route] = Field(default_factory=list)
    unassigned: list[Unassigned] = Field(default_factory=list)
    candidates: list[JobCandidates] = Field(default_factory=list)
    kpis: Optional[Kpis] = None
    solver: Optional[SolverInfo] = None
    warnings: list[str] = Field(default_factory=list)

    def route_of(self, technician_id: str) -> Optional[Route]:
        for route in self.routes:
            if route.technician_id == technician_id:
                return route
        return None

    def assignment(self) -> dict[str, str]:
        """job id -> technician id for every routed job."""
        return {s.job_id: r.technician_id for r in self.routes for s in r.stops}
