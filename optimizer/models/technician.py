"""Technicians: the vehicles of the routing problem."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

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


class Shift(StrictModel):
    """One working period of a multi-day (or split-shift) horizon: its own hours, start and end
    locations and breaks. Each shift is planned as its own route (see ``Technician.shifts``)."""

    start: AwareDatetime = Field(..., description="Leave the start location at or after this instant (ISO-8601 with offset).")
    end: AwareDatetime = Field(..., description="Back at the end location by this instant (ISO-8601 with offset); after start.")
    start_location: Optional[Location] = Field(None, description="Where this shift starts. Default: the technician's start_location.")
    end_location: Optional[Location] = Field(None, description="Where this shift ends. Default: the technician's end_location, else this shift's start location.")
    breaks: list[Break] = Field(default_factory=list, description="Breaks of this shift (see Break); each window must overlap the shift. Default none.")

    @model_validator(mode="after")
    def _ordered(self) -> "Shift":
        if self.end <= self.start:
            raise ValueError("end is not after start")
        return self


class Technician(StrictModel):
    """A field technician: the 'vehicle' of the routing problem."""

    id: str = Field(..., min_length=1, description="Unique technician id.")
    skills: dict[str, int] = Field(
        default_factory=dict,
        description="Skill -> level (>= 1). A plain list of names means level 1 for each.",
    )
    shift: Optional[TimeWindow] = Field(
        None, description="Working hours of a one-shift problem: leave start location >= start, back at end location <= end. "
        "Exactly one of shift and shifts is required.",
    )
    shifts: Optional[list[Shift]] = Field(
        None, description="Several shifts (a multi-day horizon), in time order and not overlapping; each is planned as its own "
        "route (Route.shift_index). Exactly one of shift and shifts is required; with shifts, breaks go into each Shift. "
        "max_jobs and the van stock (parts) apply to each shift (the van is restocked between shifts).",
    )
    start_location: Location = Field(..., description="Where the day starts (home or depot).")
    end_location: Optional[Location] = Field(None, description="Default: the start location.")
    breaks: list[Break] = Field(default_factory=list, description="Breaks to take when working (see Break), with shift only (with shifts: Shift.breaks). Default none.")
    max_jobs: Optional[int] = Field(None, ge=0, description="Maximum number of jobs in the route (per shift with shifts).")
    service_factor: float = Field(
        1.0, gt=0, le=10, description="Service-time multiplier of this technician: a job takes duration_min x service_factor "
        "minutes (rounded up to whole seconds) unless the job's durations_by_technician names the technician "
        "(e.g. 1.25 for a junior, 0.8 for a senior). Default 1.",
    )
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

    @model_validator(mode="after")
    def _one_shift_form(self) -> "Technician":
        if self.shift is not None and self.shifts is not None:
            raise PydanticCustomError("shift_and_shifts", "give either shift or shifts, not both")
        if self.shift is None and self.shifts is None:
            raise PydanticCustomError("missing_shift", "shift (one shift) or shifts (several) is required")
        if self.shifts is not None:
            if not self.shifts:
                raise PydanticCustomError("empty_shifts", "shifts must hold at least one shift")
            if self.breaks:
                raise PydanticCustomError("breaks_with_shifts", "with shifts, give breaks inside each shift (shifts[i].breaks), not in breaks")
            for a, b in zip(self.shifts, self.shifts[1:]):
                if b.start < a.end:
                    raise PydanticCustomError("shifts_order", "shifts must be in time order and must not overlap")
        return self

    @property
    def is_multi_shift(self) -> bool:
        """True when the technician is given ``shifts`` (each shift planned as its own route)."""
        return self.shifts is not None

    def work_shifts(self) -> list[Shift]:
        """The technician's shifts with every default filled in: one per route to plan. A one-shift
        technician gives one Shift from ``shift``, its locations and ``breaks``."""
        if self.shifts is None:
            assert self.shift is not None
            return [Shift(start=self.shift.start, end=self.shift.end, start_location=self.start_location,
                          end_location=self.route_end_location, breaks=list(self.breaks))]
        return [
            Shift(start=s.start, end=s.end, start_location=s.start_location or self.start_location,
                  end_location=s.end_location or self.end_location or s.start_location or self.start_location,
                  breaks=list(s.breaks))
            for s in self.shifts
        ]

    def current_shift_index(self, now: Optional[datetime]) -> int:
        """The shift that work under way and ``current_location`` belong to: the first shift not
        yet ended at ``now`` (the first one without ``now``; the last when all have ended)."""
        shifts = self.work_shifts()
        if now is None:
            return 0
        return next((k for k, shift in enumerate(shifts) if shift.end > now), len(shifts) - 1)

    @property
    def one_shift(self) -> TimeWindow:
        """``shift`` of a one-shift technician (the same object: the day flows of re-planning and
        what-if changes edit it in place); ValueError naming the feature for one with ``shifts``."""
        if self.shift is None:
            raise ValueError(f"technician {self.id} has several shifts (technicians[].shifts): not supported here yet")
        return self.shift

    @property
    def span(self) -> TimeWindow:
        """From the first shift start to the last shift end."""
        shifts = self.work_shifts()
        return TimeWindow(start=shifts[0].start, end=shifts[-1].end)

    @property
    def route_end_location(self) -> Location:
        return self.end_location if self.end_location is not None else self.start_location

    @property
    def route_start_location(self) -> Location:
        return self.current_location if self.current_location is not None else self.start_location
