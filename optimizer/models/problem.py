"""The Problem: technicians, jobs and options. Cross-field rules live here so that every entry
point (library, CLI, HTTP) rejects the same bad input with the same field path."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from pydantic import Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from optimizer.models.common import AwareDatetime, StrictModel
from optimizer.models.costs import CostRates, has_costs
from optimizer.models.escalation import EscalationRule
from optimizer.models.job import Job
from optimizer.models.options import Options
from optimizer.models.promise import PromisedStart
from optimizer.models.technician import Technician


def _error(loc: tuple, message: str, value: Any) -> InitErrorDetails:
    return InitErrorDetails(
        type=PydanticCustomError("invalid_reference", message), loc=loc, input=value
    )


def _find_cycle(edges: dict[str, list[str]]) -> list[str]:
    """One cycle of the graph ``node -> [nodes it depends on]`` (as a list of nodes), or []."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for root in edges:
        if state.get(root):
            continue
        path: list[str] = [root]
        stack = [iter(edges.get(root, []))]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(edges.get(nxt, [])))
    return []


class Problem(StrictModel):
    """A dispatch problem: who does which job, in what order, and when."""

    technicians: list[Technician] = Field(..., description="At least one technician.")
    jobs: list[Job] = Field(default_factory=list, description="Work orders to plan. Default none.")
    options: Options = Field(default_factory=Options, description="How to solve (see Options).")
    costs: Optional[CostRates] = Field(
        None, description="Money rates and currency (see CostRates); technicians may override them. Default none: no cost KPIs."
    )
    now: Optional[AwareDatetime] = Field(
        None, description="Planning instant (re-planning): nothing new starts before it."
    )
    freeze_until: Optional[AwareDatetime] = Field(
        None, description="Re-planning: stops of the previous plan starting before this stay unchanged."
    )
    promised_starts: list[PromisedStart] = Field(
        default_factory=list, description="Starts promised to customers, each priced per minute of shift on its own (see "
        "PromisedStart; live plans fill them in from their promises). Default none."
    )
    escalation_rules: Optional[list[EscalationRule]] = Field(
        None, description="Live plans (/v1/plans): what happens to jobs at risk, checked in order, the first matching rule "
        "decides (see EscalationRule); null = the plan settings' rules. Other endpoints ignore it. Default null."
    )

    @model_validator(mode="after")
    def _check_references(self) -> "Problem":
        errors: list[InitErrorDetails] = []
        if not self.technicians:
            errors.append(_error(("technicians",), "at least one technician is required", []))
        tech_ids = self._check_technicians(errors)
        job_ids: set[str] = set()
        for j, job in enumerate(self.jobs):
            if job.id in job_ids:
                errors.append(_error(("jobs", j, "id"), f"duplicate job id {job.id!r}", job.id))
            job_ids.add(job.id)
            if job.pinned_technician is not None and job.pinned_technician not in tech_ids:
                errors.append(_error(("jobs", j, "pinned_technician"), f"unknown technician {job.pinned_technician!r}", job.pinned_technician))
            for field in ("preferred_technicians", "excluded_technicians"):
                for k, tid in enumerate(getattr(job, field)):
                    if tid not in tech_ids:
                        errors.append(_error(("jobs", j, field, k), f"unknown technician {tid!r}", tid))
            for tid in job.durations_by_technician:
                if tid not in tech_ids:
                    errors.append(_error(("jobs", j, "durations_by_technician", tid), f"unknown technician {tid!r}", tid))
            if job.technician_id is not None and job.technician_id not in tech_ids:
                errors.append(_error(("jobs", j, "technician_id"), f"unknown technician {job.technician_id!r}", job.technician_id))
        if self.multi_shift and self.options.decomposition == "on":
            errors.append(_error(("options", "decomposition"), "'on' is not supported with technicians[].shifts (several shifts per technician) yet", "on"))
        errors.extend(self._check_dependencies(job_ids))
        errors.extend(self._check_link_support())
        if self.options.objective == "cost" and not has_costs(self):
            errors.append(_error(("options", "objective"), "objective 'cost' needs problem.costs or technician cost fields (cost_per_hour, ...)", "cost"))
        errors.extend(self._check_locations())
        if errors:
            raise ValidationError.from_exception_data("Problem", errors)
        return self

    def _check_technicians(self, errors: list[InitErrorDetails]) -> set[str]:
        """Duplicate ids and breaks outside their shift; returns the technician ids."""
        tech_ids: set[str] = set()
        for i, tech in enumerate(self.technicians):
            if tech.id in tech_ids:
                errors.append(_error(("technicians", i, "id"), f"duplicate technician id {tech.id!r}", tech.id))
            tech_ids.add(tech.id)
            if tech.shift is not None:
                for b, brk in enumerate(tech.breaks):
                    if brk.earliest_start > tech.shift.end or brk.latest_start < tech.shift.start:
                        errors.append(_error(("technicians", i, "breaks", b), "break window lies outside the shift", None))
            for k, shift in enumerate(tech.shifts or []):
                for b, brk in enumerate(shift.breaks):
                    if brk.earliest_start > shift.end or brk.latest_start < shift.start:
                        errors.append(_error(("technicians", i, "shifts", k, "breaks", b), "break window lies outside the shift", None))
        return tech_ids
    def _check_link_support(self) -> list[InitErrorDetails]:
        """Crews and dependencies need the native engine, solved whole (not by territories)."""
        j = next((i for i, job in enumerate(self.jobs) if job.crew or job.after), None)
        if j is None:
            return []
        feature = "crew" if self.jobs[j].crew else "after"
        what = "crews (jobs.{j}.crew)" if feature == "crew" else "job dependencies (jobs.{j}.after)"
        errors = []
        if self.options.engine == "ortools":
            errors.append(_error(("options", "engine"), f"the ortools engine does not support {what.format(j=j)}; use the native engine",
                                 self.options.engine))
        if self.options.decomposition == "on":
            errors.append(_error(("options", "decomposition"), f"decomposition into territories does not support {what.format(j=j)}; "
                                 "use 'auto' or 'off'", "on"))
        return errors

    def _check_dependencies(self, job_ids: set[str]) -> list[InitErrorDetails]:
        """``after`` names known jobs, not the job itself, each at most once, and no cycle."""
        errors = []
        edges: dict[str, list[str]] = {}
        for j, job in enumerate(self.jobs):
            seen: set[str] = set()
            for k, dep in enumerate(job.after):
                loc = ("jobs", j, "after", k, "job")
                if dep.job not in job_ids:
                    errors.append(_error(loc, f"unknown job {dep.job!r}", dep.job))
                elif dep.job == job.id:
                    errors.append(_error(loc, f"job {job.id!r} cannot depend on itself", dep.job))
                elif dep.job in seen:
                    errors.append(_error(loc, f"job {dep.job!r} is listed twice", dep.job))
                else:
                    edges.setdefault(job.id, []).append(dep.job)
                seen.add(dep.job)
        if not errors:
            cycle = _find_cycle(edges)
            if cycle:
                j = next(i for i, job in enumerate(self.jobs) if job.id == cycle[0])
                errors.append(_error(("jobs", j, "after"), "dependency cycle: " + " -> ".join(cycle + [cycle[0]]), cycle))
        return errors

    def _check_locations(self) -> list[InitErrorDetails]:
        errors = []
        source = self.options.matrix
        n = len(self.options.explicit_matrix.durations_s) if self.options.explicit_matrix else 0
        for loc, location in self.iter_locations():
            if source == "explicit":
                if location.index is None:
                    errors.append(_error(loc, "the explicit matrix source needs an index on every location", None))
                elif location.index >= n:
                    errors.append(_error(loc + ("index",), f"index {location.index} is outside the {n}x{n} explicit matrix", location.index))
            elif location.lat is None:
                errors.append(_error(loc, "lat/lon are required unless options.matrix is 'explicit'", None))
        return errors

    def iter_locations(self):
        """Yield ``(field_path, Location)`` for every location in the problem."""
        for i, tech in enumerate(self.technicians):
            yield ("technicians", i, "start_location"), tech.start_location
            if tech.end_location is not None:
                yield ("technicians", i, "end_location"), tech.end_location
            for k, shift in enumerate(tech.shifts or []):
                for name in ("start_location", "end_location"):
                    if getattr(shift, name) is not None:
                        yield ("technicians", i, "shifts", k, name), getattr(shift, name)
            if tech.current_location is not None:
                yield ("technicians", i, "current_location"), tech.current_location
        for j, job in enumerate(self.jobs):
            yield ("jobs", j, "location"), job.location

    @property
    def multi_shift(self) -> bool:
        """True when some technician has ``shifts`` (a multi-day horizon)."""
        return any(t.shifts is not None for t in self.technicians)

    def technician(self, tech_id: str) -> Technician:
        for tech in self.technicians:
            if tech.id == tech_id:
                return tech
        raise KeyError(tech_id)

    def job(self, job_id: str) -> Job:
        for job in self.jobs:
            if job.id == job_id:
                return job
        raise KeyError(job_id)

    def planning_origin(self) -> datetime:
        """The instant that integer solver time 0 stands for: the earliest shift start (or ``now``)."""
        starts = [t.work_shifts()[0].start for t in self.technicians]
        if self.now is not None:
            starts.append(self.now)
        return min(starts)
