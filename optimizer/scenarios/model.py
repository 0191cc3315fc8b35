"""The scenario file: a base problem plus named variants, each a list of typed changes.

A scenario is written in JSON or YAML::

    name: Tuesday what-ifs
    base: ../demo_problem.json        # a path (relative to the scenario file) or an inline Problem
    options: {time_limit_s: 5}        # optional overrides of the base's options, for every run
    seed: 7                           # seed of the random choices of changes (scale_demand)
    variants:
      - name: two off sick
        changes:
          - {type: remove_technicians, ids: [T03, T07]}
      - name: demand +30%
        changes:
          - {type: scale_demand, factor: 1.3}

Every change has a ``type`` that selects its model below; unknown fields are errors. Changes of a
variant apply in order to a copy of the base (see :mod:`optimizer.scenarios.apply`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import Field, model_validator

from optimizer.models import Problem, Technician
from optimizer.models.common import AwareDatetime, Priority, StrictModel
from optimizer.models.job import Job


class RemoveTechnicians(StrictModel):
    """Technicians not working at all (e.g. off sick). Jobs pinned to them lose the pin (anyone
    qualified may take them); dispatched/in-progress jobs of theirs become pending; they are
    dropped from preferred/excluded lists."""

    type: Literal["remove_technicians"]
    ids: list[str] = Field(..., min_length=1)


class TechniciansUnavailable(StrictModel):
    """Technicians away during ``[start, end]`` (either end open = from shift start / until shift
    end). Covering the whole shift removes them (as :class:`RemoveTechnicians`); covering the start
    or the end shortens the shift; a gap inside the shift becomes a fixed break of that length."""

    type: Literal["technicians_unavailable"]
    ids: list[str] = Field(..., min_length=1)
    start: Optional[AwareDatetime] = None
    end: Optional[AwareDatetime] = None

    @model_validator(mode="after")
    def _ordered(self) -> "TechniciansUnavailable":
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class AddTechnicians(StrictModel):
    """Extra technicians: given in full (``technicians``) and/or ``count`` copies of the
    technician ``clone_of`` (same skills, shift, breaks, depot, van stock; ids ``<id>-extra<k>``)."""

    type: Literal["add_technicians"]
    technicians: list[Technician] = Field(default_factory=list)
    clone_of: Optional[str] = None
    count: int = Field(1, ge=1, le=500)

    @model_validator(mode="after")
    def _something(self) -> "AddTechnicians":
        if not self.technicians and self.clone_of is None:
            raise ValueError("give technicians or clone_of")
        return self


class ChangeShift(StrictModel):
    """Move shift ends of ``ids`` (default: every technician): absolute ``start``/``end``, or
    relative ``start_delta_min``/``end_delta_min`` (minutes, negative = earlier). Breaks that no
    longer fit inside the shift are dropped."""

    type: Literal["change_shift"]
    ids: Optional[list[str]] = None
    start: Optional[AwareDatetime] = None
    end: Optional[AwareDatetime] = None
    start_delta_min: float = 0.0
    end_delta_min: float = 0.0


class AddSkills(StrictModel):
    """Give technicians ``ids`` (default: all) skills ``{name: level}`` (a level never decreases)."""

    type: Literal["add_skills"]
    ids: Optional[list[str]] = None
    skills: dict[str, int] = Field(..., min_length=1)


class RemoveSkills(StrictModel):
    """Take skills (names) away from technicians ``ids`` (default: all)."""

    type: Literal["remove_skills"]
    ids: Optional[list[str]] = None
    skills: list[str] = Field(..., min_length=1)


class ScaleDemand(StrictModel):
    """Scale the number of jobs to plan by ``factor``. Above 1, ``round((factor-1) * n)`` new jobs
    are sampled like the existing ones (a random template job's duration, skills, parts,
    priority, time windows and SLA; a location near a random existing job, inside the jobs'
    bounding box); below 1, a random subset of pending, unpinned jobs is removed. The scenario
    seed (or ``seed`` here) makes it reproducible."""

    type: Literal["scale_demand"]
    factor: float = Field(..., gt=0, le=10)
    seed: Optional[int] = None
    jitter_m: float = Field(300.0, ge=0, description="Largest offset of a new job from the sampled location, metres.")


class ScaleSla(StrictModel):
    """Tighten (factor < 1) or loosen (factor > 1) SLA deadlines: the time a job is allowed from
    its release (start of its earliest time window, else the planning origin) to its deadline is
    multiplied by ``factor`` (0.5 = "4 h instead of 8 h"). ``priorities`` limits it to some."""

    type: Literal["scale_sla"]
    factor: float = Field(..., gt=0, le=10)
    priorities: Optional[list[Priority]] = None


class ChangePriorities(StrictModel):
    """Set priorities: ``jobs`` maps job id -> priority; ``from_priority``/``to_priority`` moves
    every job of one priority to another."""

    type: Literal["change_priorities"]
    jobs: dict[str, Priority] = Field(default_factory=dict)
    from_priority: Optional[Priority] = None
    to_priority: Optional[Priority] = None

    @model_validator(mode="after")
    def _pair(self) -> "ChangePriorities":
        if (self.from_priority is None) != (self.to_priority is None):
            raise ValueError("from_priority and to_priority go together")
        if not self.jobs and self.from_priority is None:
            raise ValueError("give jobs or from_priority/to_priority")
        return self


class SetWeights(StrictModel):
    """Override objective weights (a partial ``Weights`` object, merged into the current one)."""

    type: Literal["set_weights"]
    weights: dict[str, Any] = Field(..., min_length=1)


class SpeedFactor(StrictModel):
    """Traffic: multiply every travel time by ``factor`` (1.25 = traffic +25 %); sets
    ``options.speed_factor`` to the current value times ``factor``."""

    type: Literal["speed_factor"]
    factor: float = Field(..., gt=0, le=10)


class SetOptions(StrictModel):
    """Override any solve options (a partial ``Options`` object)."""

    type: Literal["set_options"]
    options: dict[str, Any] = Field(..., min_length=1)


class AddJobs(StrictModel):
    """Extra jobs, given in full."""

    type: Literal["add_jobs"]
    jobs: list[Job] = Field(..., min_length=1)


class RemoveJobs(StrictModel):
    """Jobs taken out of the problem."""

    type: Literal["remove_jobs"]
    ids: list[str] = Field(..., min_length=1)


class RelaxRules(StrictModel):
    """Let jobs ``ids`` (default: all) be served without their skill requirements (``skills``)
    and/or without their parts (``parts``): "what if anyone may take these jobs and fetch parts
    later?". The run's first-visit readiness is measured against the base's requirements, so the
    jobs served by a technician who lacks a skill level or the parts are listed."""

    type: Literal["relax_rules"]
    ids: Optional[list[str]] = None
    skills: bool = False
    parts: bool = False

    @model_validator(mode="after")
    def _something(self) -> "RelaxRules":
        if not (self.skills or self.parts):
            raise ValueError("relax skills, parts or both (skills: true / parts: true)")
        return self


Change = Annotated[
    Union[
        RemoveTechnicians, TechniciansUnavailable, AddTechnicians, ChangeShift, AddSkills, RemoveSkills,
        ScaleDemand, ScaleSla, ChangePriorities, SetWeights, SpeedFactor, SetOptions, AddJobs, RemoveJobs,
        RelaxRules,
    ],
    Field(discriminator="type"),
]
"""One typed change; ``type`` picks the model."""

BASE_NAME = "base"
"""Name of the unchanged base problem among a scenario's runs."""


class Variant(StrictModel):
    name: str = Field(..., min_length=1, max_length=80)
    description: Optional[str] = None
    changes: list[Change] = Field(default_factory=list)


class Scenario(StrictModel):
    """A base problem and its variants (see the module docstring)."""

    name: str = "scenario"
    description: Optional[str] = None
    base: Problem
    options: dict[str, Any] = Field(default_factory=dict, description="Overrides of base.options for every run.")
    seed: int = Field(0, ge=0)
    variants: list[Variant] = Field(..., min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> "Scenario":
        seen = {BASE_NAME}
        for v in self.variants:
            if v.name in seen:
                raise ValueError(f"variant name {v.name!r} is used twice (or is the reserved name {BASE_NAME!r})")
            seen.add(v.name)
        return self
