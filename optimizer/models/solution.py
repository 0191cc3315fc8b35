"""The Solution: plain data read alike by KPIs, the validator, reports, exports and the API."""

from __future__ import annotations

from datetime import date
from typing import Optional

from pydantic import Field

from optimizer.models.common import AwareDatetime, StrictModel


class Stop(StrictModel):
    """One visit. ``travel_time_s``/``distance_m`` are from the previous point of the route
    (the start location for the first stop). ``arrival <= start``; ``end = start + duration``."""

    job_id: str = Field(..., description="The job served at this stop.")
    arrival: AwareDatetime = Field(..., description="Arrival at the job's location (driving pauses for breaks taken on the way).")
    start: AwareDatetime = Field(..., description="Service start: inside one of the job's time windows, not before arrival.")
    end: AwareDatetime = Field(..., description="Service end = start + duration.")
    travel_time_s: int = Field(..., ge=0, description="Driving time from the previous point (start location for the first stop), s.")
    distance_m: int = Field(..., ge=0, description="Driving distance from the previous point, m.")
    waiting_time_s: int = Field(0, ge=0, description="Idle time at the site before service starts (breaks excluded).")
    sla_met: Optional[bool] = Field(None, description="Service ended by sla_deadline (null when the job has none).")
    lateness_s: int = Field(0, ge=0, description="Seconds after sla_deadline that the service ended.")


class BreakSlot(StrictModel):
    start: AwareDatetime = Field(..., description="Break start.")
    end: AwareDatetime = Field(..., description="Break end = start + duration.")


class Route(StrictModel):
    """A technician's day. ``start`` = departure from the start location, ``end`` = arrival at the
    end location; both null for a technician with no stops."""

    technician_id: str = Field(..., description="Whose day this is.")
    shift_index: Optional[int] = Field(
        None, ge=0, description="Technicians with shifts: which shift (0-based index into technicians[].shifts) this route is; "
        "one route per shift. Null for a technician with a single shift.",
    )
    day: Optional[date] = Field(
        None, description="Technicians with shifts: the calendar date of the shift start (in the shift start's offset), "
        "YYYY-MM-DD. Null for a technician with a single shift.",
    )
    start: Optional[AwareDatetime] = Field(None, description="Departure from the start location (null: no stops).")
    end: Optional[AwareDatetime] = Field(None, description="Arrival at the end location (null: no stops).")
    stops: list[Stop] = Field(default_factory=list, description="Visits in order.")
    breaks: list[BreakSlot] = Field(default_factory=list, description="Breaks taken (every break of the technician when the route has stops).")
    travel_time_s: int = Field(0, ge=0, description="Total driving time including the drive to the end location.")
    distance_m: int = Field(0, ge=0, description="Total driving distance including the drive to the end location, m.")
    work_time_s: int = Field(0, ge=0, description="Service plus travel time (excludes waiting and breaks).")
    return_travel_time_s: int = Field(0, ge=0, description="Drive from the last stop to the end location.")
    return_distance_m: int = Field(0, ge=0, description="Drive from the last stop to the end location, m.")


class Unassigned(StrictModel):
    job_id: str = Field(..., description="The job not served.")
    reason: str = Field(..., description="A sentence a dispatcher understands, in options.language (en or zh-CN).")
    code: str = Field("unserved", description="Machine-readable reason, the same in every language: skill, time_window, parts, pinned, capacity, ...")


class RankedTechnician(StrictModel):
    technician_id: str = Field(..., description="A technician who could do the job.")
    shift_index: Optional[int] = Field(None, description="Technicians with shifts: in which shift (Route.shift_index); a technician may "
                                       "then be ranked once per shift. Null otherwise.")
    rank: int = Field(..., ge=1, description="1 = the assigned technician, then alternatives by insertion cost.")
    arrival: AwareDatetime = Field(..., description="Arrival at the job (in the plan, or with the job inserted into this technician's route).")
    start: Optional[AwareDatetime] = Field(None, description="Service start.")
    extra_travel_time_s: int = Field(..., description="Driving time the job adds to this technician's route, s.")
    sla_met: Optional[bool] = Field(None, description="Ends by its sla_deadline (null: no deadline).")
    assigned: bool = Field(False, description="True for the technician the plan assigns.")


class JobCandidates(StrictModel):
    job_id: str = Field(..., description="The job.")
    ranked: list[RankedTechnician] = Field(default_factory=list, description="Up to options.candidates_per_job technicians, best first; empty for unserved jobs.")


class CostKpis(StrictModel):
    """Money of the plan (see optimizer/kpis.py for each definition), in ``currency``."""

    currency: str = Field(..., description="ISO 4217 code of every amount here (problem.costs.currency).")
    total: float = Field(..., description="labour + vehicle + fixed + parts, currency.")
    labour: float = Field(..., description="Paid time at the regular rate plus overtime at the overtime rate, currency.")
    overtime: float = Field(..., description="The part of labour paid at the overtime rate, currency.")
    vehicle: float = Field(..., description="Kilometres driven x vehicle cost per km, currency.")
    fixed: float = Field(..., description="Fixed cost of the technicians used, currency.")
    parts: float = Field(..., description="Parts of the served jobs x their unit prices, currency.")
    per_served_job: Optional[float] = Field(None, description="total / jobs_assigned, currency; null when no job is served.")
    per_technician_used: Optional[float] = Field(None, description="total / technicians_used, currency; null when no technician is used.")
    by_technician: dict[str, float] = Field(default_factory=dict, description="Cost of each used technician's day (its parts included), currency.")
    paid_time_s: int = Field(0, description="Paid time of all used technicians: departure to return, breaks excluded, s.")
    overtime_paid_s: int = Field(0, description="Paid time beyond each technician's overtime_after_h, s.")


class ResponseTime(StrictModel):
    """Report-to-arrival time of served jobs that have ``reported_at``."""

    jobs: int = Field(..., description="Served jobs with reported_at.")
    mean_min: Optional[float] = Field(None, description="Mean of arrival - reported_at, min; null when jobs is 0.")
    p90_min: Optional[float] = Field(None, description="90th percentile (nearest rank: the ceil(0.9 n)-th smallest), min; null when jobs is 0.")


class Backlog(StrictModel):
    """Unserved jobs (jobs to plan that are in no route)."""

    jobs: int = Field(..., description="Unserved jobs (= jobs_unassigned).")
    by_priority: dict[str, int] = Field(..., description="Unserved jobs per priority (all four keys).")
    by_age: dict[str, int] = Field(
        ..., description="Unserved jobs by age = planning instant (problem.now, else the earliest shift start) - reported_at: "
        "lt_1d, 1d_3d, 3d_7d, ge_7d, and unknown (no reported_at)."
    )
    oldest_age_h: Optional[float] = Field(None, description="Age of the oldest unserved job with reported_at, h; null when none.")


class NotReady(StrictModel):
    """A served job whose technician does not meet the skill levels or lacks parts on arrival."""

    job_id: str = Field(..., description="The job.")
    technician_id: str = Field(..., description="Who serves it.")
    missing_skills: dict[str, int] = Field(default_factory=dict, description="Skill -> level the job requires that the technician lacks.")
    missing_parts: dict[str, int] = Field(default_factory=dict, description="Part -> units short when the technician arrives.")


class DayKpis(StrictModel):
    """The figures of one calendar day of a multi-day horizon (optimizer/kpis.py)."""

    jobs_assigned: int = Field(..., description="Jobs served in that day's routes.")
    travel_time_s: int = Field(..., description="Driving time of that day's routes, s.")
    distance_m: int = Field(..., description="Driving distance of that day's routes, m.")
    service_time_s: int = Field(..., description="Service time of that day's routes, s.")
    shift_time_s: int = Field(..., description="Sum of the lengths of the shifts starting that day, s.")
    utilization_pct: float = Field(..., description="(service + travel) / shift_time_s, %.")
    technicians_used: int = Field(..., description="Technicians with at least one stop that day.")
    sla_breaches: int = Field(..., description="Jobs served that day ending after their sla_deadline.")
    workload_max_min: float = Field(..., description="Longest per-technician work (service + travel) that day, min.")
    workload_stddev_min: float = Field(..., description="Standard deviation of per-technician work that day over the technicians with a shift that day, min.")


class Kpis(StrictModel):
    jobs_total: int = Field(..., description="Jobs to plan (status completed excluded).")
    jobs_assigned: int = Field(..., description="Jobs in routes.")
    jobs_unassigned: int = Field(..., description="jobs_total - jobs_assigned.")
    sla_jobs: int = Field(..., description="Assigned jobs that have an sla_deadline.")
    sla_met_pct: Optional[float] = Field(None, description="Share of sla_jobs that end by their deadline, %; null when there are none.")
    sla_breaches: dict[str, int] = Field(..., description="Assigned jobs ending after their deadline, by priority.")
    sla_met_pct_by_priority: dict[str, Optional[float]] = Field(default_factory=dict, description="sla_met_pct per priority, % (null: no deadline jobs of that priority).")
    unassigned_by_priority: dict[str, int] = Field(default_factory=dict, description="Unserved jobs per priority.")
    travel_time_s: int = Field(..., description="Total driving time, s.")
    distance_m: int = Field(..., description="Total driving distance, m.")
    service_time_s: int = Field(..., description="Total service time, s.")
    utilization_pct: float = Field(..., description="(service + travel) / total shift time of all technicians, %.")
    workload_stddev_min: float = Field(..., description="Standard deviation of per-technician work time (service + travel) over all technicians, minutes.")
    workload_max_min: float = Field(0.0, description="Longest per-technician work time (service + travel), min.")
    workload_min_min: float = Field(0.0, description="Shortest per-technician work time, min (idle technicians count 0).")
    technicians_used: int = Field(..., description="Technicians with at least one stop.")
    technicians_total: int = Field(..., description="Technicians in the problem.")
    overtime_s: int = Field(0, description="Time routes end after their shift end (0 for valid plans).")
    cost: Optional[CostKpis] = Field(None, description="Money of the plan (null when the problem names no cost; see CostKpis).")
    response_time_by_priority: dict[str, ResponseTime] = Field(
        default_factory=dict, description="Report-to-arrival time by priority (urgent, high, normal, low) and 'all'."
    )
    backlog: Optional[Backlog] = Field(None, description="Unserved jobs by priority and by age.")
    first_visit_ready_pct: Optional[float] = Field(
        None, description="Share of served jobs whose technician meets the required skill levels and carries the parts on arrival, %; null when no job is served."
    )
    first_visit_not_ready: list[NotReady] = Field(
        default_factory=list, description="The served jobs that are not first-visit ready (possible only when a what-if relaxes a rule)."
    )
    by_day: dict[str, DayKpis] = Field(
        default_factory=dict, description="Problems with technicians[].shifts: the figures per calendar day (YYYY-MM-DD of the shift starts); "
        "the other KPIs are the whole horizon's. Empty for one-shift problems.",
    )


class TerritoryInfo(StrictModel):
    """One territory of a decomposed solve (its first solve; border rounds are counted apart)."""

    id: int = Field(..., description="Territory number, 0-based.")
    region: int = Field(..., description="Road region (group of points far from the others) the territory lies in, 0-based.")
    technicians: int = Field(..., description="Technicians of the territory.")
    jobs: int = Field(..., description="Jobs given to the territory.")
    jobs_assigned: int = Field(..., description="Jobs routed by its own solve.")
    points: int = Field(..., description="Rows of its travel matrix.")
    time_limit_s: float = Field(..., description="Time limit of its solve, s.")
    wall_time_s: float = Field(..., description="Its solve, matrix and validation included, s.")
    attempts: int = Field(1, description="Runs of its solve on the local process pool (more than 1 when a worker was lost and the "
                          "solve re-ran); Ray re-runs a lost task itself and this stays 1.")
    status: str = Field(..., description="ok; failed (its jobs are unassigned with code territory_failed); idle (no jobs: its technicians stay home).")


class DecompositionInfo(StrictModel):
    """How a decomposed solve went (``options.decomposition``)."""

    backend: str = Field(..., description="Where the territory solves ran: off (in this process), processes (local pool) or ray.")
    workers: int = Field(..., description="Solves run at once.")
    regions: int = Field(..., description="Road regions found.")
    territories: list[TerritoryInfo] = Field(default_factory=list, description="One entry per territory.")
    partition_time_s: float = Field(..., description="Splitting into territories, s.")
    first_plan_s: float = Field(..., description="From the start of the solve to the first complete plan (all territories solved), s.")
    border_pairs: int = Field(0, description="Pairs of neighbouring territories re-solved together.")
    border_jobs_moved: int = Field(0, description="Jobs whose technician's territory changed in the border rounds.")
    border_time_s: float = Field(0.0, description="Border rounds, s.")
    border_objective_gain: float = Field(
        0.0, description="Sum of the territories' objectives after their first solves minus the same sum after the border rounds "
        "(each under its own territory's objective; same units as objective)."
    )
    objective_scope: str = Field(
        "sum_of_territories", description="What solver.objective is: whole_problem (the merged plan under the whole problem's "
        "objective, as a whole solve reports it; computed when the problem has at most 6,000 points or its matrix was given) or "
        "sum_of_territories (each territory's final plan under its own territory's objective, summed: drop penalties and "
        "workload fair shares are per territory, so it is not comparable with a whole solve's objective)."
    )
    territories_objective: Optional[float] = Field(
        None, description="Sum of the territories' final plans, each under its own territory's objective (same units as objective)."
    )


class SolverInfo(StrictModel):
    engine: str = Field(..., description="Engine that produced the routes (options.engine).")
    wall_time_s: float = Field(..., description="Whole solve, matrix included, s.")
    objective: Optional[float] = Field(None, description="Objective of the returned plan in seconds-of-driving units (see Weights), or in the currency with options.objective cost (the engines' approximation of money, docs/costs.md; kpis.cost has the exact figures); recomputed by the library for every engine.")
    status: str = Field(..., description="Engine status, e.g. success, time_limit, iteration_limit, warm_start_only.")
    matrix_source: Optional[str] = Field(None, description="road | haversine | explicit.")
    matrix_time_s: Optional[float] = Field(None, description="Time to build the travel matrix, s.")
    iterations: Optional[int] = Field(
        None, description="Search iterations the engine did (engine-specific unit; ortools: accepted solutions). Null when not reported."
    )
    search_time_s: Optional[float] = Field(
        None, description="Time the engine spent building its model and searching, s (its compile time excluded)."
    )
    compile_time_s: Optional[float] = Field(
        None, description="Time the engine spent compiling code before searching (just-in-time compilation), s; 0 when it compiles nothing."
    )
    decomposition: Optional[DecompositionInfo] = Field(
        None, description="Territories of a decomposed solve (null when the problem was solved whole)."
    )


class Solution(StrictModel):
    routes: list[Route] = Field(default_factory=list, description="One route per technician, or per technician and shift for technicians with shifts (empty stops for idle ones).")
    unassigned: list[Unassigned] = Field(default_factory=list, description="Every job not routed, each with a reason.")
    candidates: list[JobCandidates] = Field(default_factory=list, description="Ranked technicians per job.")
    kpis: Optional[Kpis] = Field(None, description="Key figures computed from this solution.")
    solver: Optional[SolverInfo] = Field(None, description="How the solution was produced.")
    warnings: list[str] = Field(default_factory=list, description="Non-fatal notes (far snaps, caps applied, re-inserted jobs).")

    def route_of(self, technician_id: str) -> Optional[Route]:
        for route in self.routes:
            if route.technician_id == technician_id:
                return route
        return None

    def routes_of(self, technician_id: str) -> list[Route]:
        """Every route of the technician (one per shift with shifts)."""
        return [r for r in self.routes if r.technician_id == technician_id]

    def assignment(self) -> dict[str, str]:
        """job id -> technician id for every routed job."""
        return {s.job_id: r.technician_id for r in self.routes for s in r.stops}
