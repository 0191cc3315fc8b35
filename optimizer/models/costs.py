"""Money: what a technician's hour, a kilometre driven, a technician used and a part cost.

``Problem.costs`` (a :class:`CostRates`) gives the defaults and the currency; a technician may
override its own hourly rate, overtime rate and threshold, vehicle cost per km and fixed cost.
Every field is optional: without ``Problem.costs`` and without technician rates the plan has no
cost KPIs (``kpis.cost`` is null) and ``options.objective = "cost"`` is refused.

:func:`technician_rates` resolves the rates that apply to one technician; the KPIs
(:mod:`optimizer.kpis`) and the money objective (:mod:`optimizer.solvers.costs`) both read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from pydantic import Field, field_validator

from optimizer.models.common import StrictModel

if TYPE_CHECKING:  # pragma: no cover
    from optimizer.models.problem import Problem
    from optimizer.models.technician import Technician

MAX_RATE = 1e7
"""Largest rate a cost field accepts (per hour, per km, per technician, per part unit)."""


class CostRates(StrictModel):
    """Default rates of the problem, in ``currency``. A technician's own fields override the
    labour, overtime, vehicle and fixed rates for that technician."""

    currency: str = Field("EUR", description="ISO 4217 code of every amount (3 capital letters), e.g. EUR, CNY, USD. Default EUR.")
    technician_per_hour: float = Field(0.0, ge=0, le=MAX_RATE, description="Labour cost per paid hour (departure to return, breaks unpaid), currency/h. Default 0.")
    overtime_per_hour: Optional[float] = Field(
        None, ge=0, le=MAX_RATE, description="Labour cost per paid hour beyond overtime_after_h, currency/h. Default: technician_per_hour (no premium)."
    )
    overtime_after_h: float = Field(8.0, ge=0, le=24, description="Paid hours per day at the regular rate; later hours cost overtime_per_hour. Default 8.")
    vehicle_per_km: float = Field(0.0, ge=0, le=MAX_RATE, description="Vehicle cost per kilometre driven (fuel, wear), currency/km. Default 0.")
    technician_fixed: float = Field(0.0, ge=0, le=MAX_RATE, description="Fixed cost per technician used for the day (at least one stop), currency. Default 0.")
    parts: dict[str, float] = Field(default_factory=dict, description="Part -> price per unit, currency. Parts not listed cost 0. Default none.")

    @field_validator("currency")
    @classmethod
    def _iso_code(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError(f"currency must be an ISO 4217 code of 3 capital letters (EUR, CNY), got {value!r}")
        return value

    @field_validator("parts")
    @classmethod
    def _prices(cls, value: dict[str, float]) -> dict[str, float]:
        for name, price in value.items():
            if not (0 <= price <= MAX_RATE):  # also false for NaN
                raise ValueError(f"part {name!r}: price must be between 0 and {MAX_RATE:g}, got {price!r}")
        return value


@dataclass(frozen=True)
class TechnicianRates:
    """The rates that apply to one technician (currency units)."""

    per_hour: float
    overtime_per_hour: float
    overtime_after_s: int
    per_km: float
    fixed: float


def technician_rates(problem: "Problem", tech: "Technician") -> TechnicianRates:
    """``tech``'s own rates where it has them, else ``problem.costs``' defaults, else 0."""
    base = problem.costs or CostRates()
    per_hour = tech.cost_per_hour if tech.cost_per_hour is not None else base.technician_per_hour
    if tech.overtime_cost_per_hour is not None:
        overtime = tech.overtime_cost_per_hour
    elif base.overtime_per_hour is not None and tech.cost_per_hour is None:
        overtime = base.overtime_per_hour
    else:
        overtime = per_hour
    after_h = tech.overtime_after_h if tech.overtime_after_h is not None else base.overtime_after_h
    return TechnicianRates(
        per_hour=per_hour,
        overtime_per_hour=overtime,
        overtime_after_s=int(round(after_h * 3600)),
        per_km=tech.vehicle_cost_per_km if tech.vehicle_cost_per_km is not None else base.vehicle_per_km,
        fixed=tech.fixed_cost if tech.fixed_cost is not None else base.technician_fixed,
    )


def has_costs(problem: "Problem") -> bool:
    """True when the problem names any cost: ``problem.costs`` or a technician's own rate."""
    if problem.costs is not None:
        return True
    return any(
        getattr(t, name) is not None
        for t in problem.technicians
        for name in ("cost_per_hour", "overtime_cost_per_hour", "vehicle_cost_per_km", "fixed_cost")
    )
