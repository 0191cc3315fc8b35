"""Jobs (work orders): the visits of the routing problem."""

from __future__ import annotations

from enum import Enum
from typing import Optional

from pydantic import Field, field_validator, model_validator

from optimizer.models.common import AwareDatetime, Location, Priority, StrictModel, TimeWindow
from optimizer.models.technician import normalise_parts, normalise_skills

MAX_CREW = 8
"""Most technicians one crew job may need."""


class JobStatus(str, Enum):
    """Lifecycle state used by re-planning. Plain optimisation treats every job as ``pending``."""

    pending = "pending"
    dispatched = "dispatched"
    in_progress = "in_progress"
    completed = "completed"


class CrewMember(StrictModel):
    """What one member of a crew must bring (see ``Job.crew``)."""

    skills: dict[str, int] = Field(
        default_factory=dict, description="Skill -> minimum level this member must have (a list of names means level 1). Default none: any technician (a helper)."
    )

    _skills = field_validator("skills", mode="before")(lambda v: normalise_skills(v))


class Dependency(StrictModel):
    """Job B (the one that lists this) starts only after job ``job`` has finished."""

    job: str = Field(..., min_length=1, description="Id of the job that must be finished first.")
    min_delay_min: float = Field(
        0, ge=0, le=14 * 24 * 60, description="Minimum time from the end of that job to the start of this one, minutes. Default 0."
    )
    max_delay_min: Optional[float] = Field(
        None, ge=0, le=14 * 24 * 60,
        description="Maximum time from the end of that job to the start of this one, minutes. Default none: no maximum.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> "Dependency":
        if self.max_delay_min is not None and self.max_delay_min < self.min_delay_min:
            raise ValueError("max_delay_min is below min_delay_min")
        return self


class Job(StrictModel):
    """A work order at one location.

    Service must START inside one of ``time_windows`` (none = any time within a shift) and lasts
    ``duration_min``. ``sla_deadline`` is soft: service should END by it; lateness is penalised
    per minute, weighted by ``priority``.
    """

    id: str = Field(..., min_length=1, description="Unique job id.")
    location: Location = Field(..., description="Where the work is done.")
    duration_min: float = Field(..., ge=0, le=24 * 60, description="Service duration, minutes.")
    durations_by_technician: dict[str, float] = Field(
        default_factory=dict,
        description="Technician id -> service duration in minutes for that technician (0..1440), overriding duration_min "
        "and the technician's service_factor. Default none: duration_min x service_factor for everyone.",
    )
    skills: dict[str, int] = Field(default_factory=dict, description="Required skill -> minimum level.")
    time_windows: list[TimeWindow] = Field(
        default_factory=list,
        description="Service must START inside one of these; several allowed. Default none: any time within a shift.",
    )
    sla_deadline: Optional[AwareDatetime] = Field(None, description="Service should end by this instant (soft).")
    reported_at: Optional[AwareDatetime] = Field(
        None, description="When the customer reported the job (ISO-8601 with offset): start of the response time and of the backlog age. Default none."
    )
    priority: Priority = Field(Priority.normal, description="urgent | high | normal | low. Default normal.")
    parts: dict[str, int] = Field(default_factory=dict, description="Part -> units needed.")
    pinned_technician: Optional[str] = Field(None, description="Only this technician may do the job.")
    preferred_technicians: list[str] = Field(default_factory=list, description="Soft preference.")
    excluded_technicians: list[str] = Field(default_factory=list, description="Never these technicians.")
    crew: list[CrewMember] = Field(
        default_factory=list,
        description="A crew job: one entry per technician needed at the same time (2 to 8 entries), each with the skills that "
        "member must have. Service starts at the same instant on every member's route and each stays duration_min. The job's own "
        "skills, parts and pinned_technician must then be empty. Default none: one technician.",
    )
    after: list[Dependency] = Field(
        default_factory=list,
        description="Dependencies: this job starts only after each listed job has finished (same or another technician), "
        "with optional minimum and maximum delay. If a listed job is not served, this one is not served either. Default none.",
    )
    # Re-planning state.
    status: JobStatus = Field(
        JobStatus.pending,
        description="pending | dispatched | in_progress | completed (re-planning). Completed jobs are never planned. Default pending.",
    )
    technician_id: Optional[str] = Field(None, description="For dispatched/in_progress jobs: who has it.")
    expected_end: Optional[AwareDatetime] = Field(None, description="For in_progress jobs: expected end.")

    _skills = field_validator("skills", mode="before")(lambda v: normalise_skills(v))
    _parts = field_validator("parts", mode="before")(lambda v: normalise_parts(v))

    @field_validator("durations_by_technician", mode="after")
    @classmethod
    def _durations_in_range(cls, value: dict[str, float]) -> dict[str, float]:
        for tid, minutes in value.items():
            if isinstance(minutes, bool) or not (0 <= minutes <= 24 * 60):
                raise ValueError(f"{tid}: duration must be between 0 and 1440 minutes, got {minutes!r}")
        return value

    def duration_min_for(self, technician_id: str, service_factor: float = 1.0) -> float:
        """Service minutes when ``technician_id`` (with its ``service_factor``) does the job."""
        if technician_id in self.durations_by_technician:
            return self.durations_by_technician[technician_id]
        return self.duration_min * service_factor if service_factor != 1.0 else self.duration_min

    @model_validator(mode="after")
    def _consistent(self) -> "Job":
        if self.pinned_technician is not None and self.pinned_technician in self.excluded_technicians:
            raise ValueError("pinned_technician is also in excluded_technicians")
        if self.crew:
            if len(self.crew) < 2 or len(self.crew) > MAX_CREW:
                raise ValueError(f"crew: a crew has 2 to {MAX_CREW} members, got {len(self.crew)}")
            if self.skills:
                raise ValueError("skills: a crew job states its skills per member, in crew[k].skills")
            if self.pinned_technician is not None:
                raise ValueError("pinned_technician: a crew job cannot be pinned to one technician")
            if any(self.parts.values()):
                raise ValueError("parts: a crew job cannot need parts (no single van is defined; put them on a job it depends on)")
        return self

    @property
    def crew_size(self) -> int:
        """Technicians the job needs at the same time (1 unless ``crew`` is given)."""
        return max(1, len(self.crew))
