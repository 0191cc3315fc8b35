"""Technicians: the vehicles of the routing problem."""

from __future__ import annotations

from typing import Optional

from pydantic import Field, field_validator, model_validator

from optimizer.models.common import AwareDatetime, Location, StrictModel, TimeWindow


def normalise_skills(value: object) -> dict[str, int]:
    """Accept ``{"hvac": 2}`` or ``["hvac"]`` (level 1); reject anything else with a clear message."""
    if value is None:
        return {}
    if isinstance(value, list):
        out: dict[str, int] = {}
        for item in value:
            if not isinstance(item, str) or not item:
                raise ValueError("skills list must hold non-empty skill names (strings)")
            out[item] = 1
        return out
    if isinstance(value, dict):
        out = {}
        for name, level in value.items():
            if not isinstance(name, str) or not name:
                raise ValueError("skill names must be non-empty strings")
            if isinstance(level, bool) or not isinstance(level, int):
                raise ValueError(f"skill {name!r}: level must be an integer >= 1, got {level!r}")
            if level < 1:
                raise ValueError(f"skill {name!r}: level must be >= 1, got {level}")
            out[name] = level
        return out
    raise ValueError(
        "skills must be an object {skill: level} or a list of skill names, got "
        f"{type(value).__name__}"
    )


def normalise_parts(value: object) -> dict[str, int]:
    """Parts as ``{part: units}`` with integer units >= 0."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"parts must be an object {{part: units}}, got {type(value).__name__}")
    out: dict[str, int] = {}
    for name, units in value.items():
        if isinstance(units, bool) or not isinstance(units, int) or units < 0:
            raise ValueError(f"part {name!r}: units must be an integer >= 0, got {units!r}")
        out[name] = units
    return out


class Break(StrictModel):
    """A break (e.g. lunch) that must START within ``[earliest_start, latest_start]``.

    Semantics (shared by the solver and the validator): a technician with at least one stop takes
    every break exactly once. A break may be taken between two stops, at a stop while waiting, or
    en route (driving pauses); it never overlaps a service. A break may also fall entirely before
    the route's departure or after its return, when the technician is off the road anyway.
    """

    earliest_start: AwareDatetime = Field(..., description="The break may start at this instant at the earliest.")
    latest_start: AwareDatetime = Field(..., description="The break must start by this instant.")
    duration_min: float = Field(..., gt=0, le=24 * 60, description="Break length, minutes.")

    @model_validator(mode="after")
    def _ordered(self) -> "Break":
        if self.latest_start < self.earliest_start:
            raise ValueError("latest_start is before earliest_start")
        return self


class Technician(StrictModel):
    """A field technician: the 'vehicle' of the routing problem."""

    id: str = Field(..., min_length=1, description="Unique technician id.")
    skills: dict[str, int] = Field(
        default_factory=dict,
        description="Skill -> level (>= 1). A plain list of names means level 1 for each.",
    )
    shift: TimeWindow = Field(..., description="Working hours: leave start location >= start, back at end location <= end.")
    start_location: Location = Field(..., description="Where the day starts (home or depot).")
    end_location: Optional[Location] = Field(None, description="Default: the start location.")
    breaks: list[Break] = Field(default_factory=list, description="Breaks to take when working (see Break). Default none.")
    max_jobs: Optional[int] = Field(None, ge=0, description="Maximum number of jobs in the route.")
    parts: dict[str, int] = Field(
        default_factory=dict, description="Van stock: part -> units carried (consumed by jobs)."
    )
    # Money (see optimizer/models/costs.py): each overrides the problem's costs default.
    cost_per_hour: Optional[float] = Field(
        None, ge=0, le=1e7, description="Labour cost per paid hour, currency/h. Default: problem.costs.technician_per_hour."
    )
    overtime_cost_per_hour: Optional[float] = Field(
        None, ge=0, le=1e7, description="Labour cost per paid hour beyond overtime_after_h, currency/h. Default: "
        "problem.costs.overtime_per_hour when the technician has no cost_per_hour of its own, else its cost_per_hour.",
    )
    overtime_after_h: Optional[float] = Field(
        None, ge=0, le=24, description="Paid hours at the regular rate before overtime, h. Default: problem.costs.overtime_after_h (8)."
    )
    vehicle_cost_per_km: Optional[float] = Field(
        None, ge=0, le=1e7, description="Vehicle cost per kilometre driven, currency/km. Default: problem.costs.vehicle_per_km."
    )
    fixed_cost: Optional[float] = Field(
        None, ge=0, le=1e7, description="Fixed cost when the technician is used (at least one stop), currency. Default: problem.costs.technician_fixed."
    )
    # Re-planning state (see docs/api.md): where the technician is now and from when available.
    current_location: Optional[Location] = Field(
        None, description="Current position; when set, the route starts here instead of start_location."
    )
    available_from: Optional[AwareDatetime] = Field(
        None, description="Cannot start new work before this instant (defaults to shift start)."
    )

    _skills = field_validator("skills", mode="before")(lambda v: normalise_skills(v))
    _parts = field_validator("parts", mode="before")(lambda v: normalise_parts(v))

    @property
    def route_end_location(self) -> Location:
        return self.end_location if self.end_location is not None else self.start_location

    @property
    def route_start_location(self) -> Location:
        return self.current_location if self.current_location is not None else self.start_location
