"""Public data model (pydantic v2): the JSON contract shared by the library, CLI and HTTP API."""

from optimizer.models.common import PRIORITIES, Location, Priority, TimeWindow
from optimizer.models.costs import CostRates, TechnicianRates, has_costs, technician_rates
from optimizer.models.decomposition import DecompositionSettings
from optimizer.models.job import CrewMember, Dependency, Job, JobStatus
from optimizer.models.options import ExplicitMatrix, Options, Weights
from optimizer.models.problem import Problem
from optimizer.models.recommendation import JobRecommendation, RecommendationOption, ShiftedStop
from optimizer.models.solution import (
    Backlog,
    BreakSlot,
    CostKpis,
    DayKpis,
    DecompositionInfo,
    JobCandidates,
    Kpis,
    NotReady,
    RankedTechnician,
    ResponseTime,
    Route,
    Solution,
    SolverInfo,
    Stop,
    TerritoryInfo,
    Unassigned,
)
from optimizer.models.technician import Break, Shift, Technician
from optimizer.models.timebase import Timebase

__all__ = [
    "Backlog", "CostKpis", "DayKpis", "CostRates", "NotReady", "ResponseTime", "TechnicianRates", "has_costs", "technician_rates",
    "Break", "BreakSlot", "DecompositionInfo", "DecompositionSettings", "TerritoryInfo", "JobRecommendation", "RecommendationOption", "ShiftedStop", "ExplicitMatrix", "CrewMember", "Dependency", "Job", "JobCandidates", "JobStatus", "Kpis",
    "Location", "Options", "PRIORITIES", "Priority", "Problem", "RankedTechnician", "Route",
    "Shift", "Solution", "SolverInfo", "Stop", "Technician", "TimeWindow", "Timebase", "Unassigned", "Weights",
]
