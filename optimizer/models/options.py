"""Solve options and objective weights.

The objective is a weighted sum, evaluated in integer cost units inside the solver. One cost unit
is defined as one second of road travel at the default weights, so every weight below reads as
"how many seconds of driving is this worth".

Default ordering of goals (lexicographic in effect, by the size of the defaults):
1. serve every job that can be served (``unassigned_penalty`` dominates everything else);
2. meet SLA deadlines, weighted by priority (``sla_lateness_per_min``);
3. minimise travel time (``travel_time_per_s``) and distance (``distance_per_km``);
4. balance the workload (``workload_balance_per_s`` on work above each technician's fair share) and honour
   preferred technicians (``non_preferred_technician``).
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import Field, ValidationInfo, field_validator, model_validator

from optimizer.models.common import StrictModel
from optimizer.models.decomposition import DecompositionMode, DecompositionSettings


def _per_priority(urgent: float, high: float, normal: float, low: float) -> dict[str, float]:
    return {"urgent": urgent, "high": high, "normal": normal, "low": low}


class Weights(StrictModel):
    """Objective weights. A pure-distance objective (standard VRPTW benchmarks) is
    ``travel_time_per_s=0, distance_per_km=1000, workload_balance_per_s=0`` with all SLA weights 0."""

    travel_time_per_s: float = Field(1.0, ge=0, le=1e6, description="Cost per second of driving. Default 1; at most 10^6.")
    distance_per_km: float = Field(0.0, ge=0, le=1e6, description="Cost per kilometre driven. Default 0; at most 10^6.")
    sla_lateness_per_min: dict[str, float] = Field(
        default_factory=lambda: _per_priority(600.0, 300.0, 120.0, 60.0),
        description="Cost per minute a job ends after its sla_deadline, by priority. "
        "Defaults urgent 600, high 300, normal 120, low 60 (one minute late on a normal job "
        "costs as much as two minutes of driving). Each at most 10^6.",
    )
    unassigned_penalty: dict[str, float] = Field(
        default_factory=lambda: _per_priority(8.0, 4.0, 2.0, 1.0),
        description="Relative cost of leaving a job unserved, by priority, as a multiple of the "
        "drop base (a value computed per problem that exceeds any travel saving plus the job's "
        "own worst SLA cost). Defaults urgent 8, high 4, normal 2, low 1. Each at most 1000.",
    )
    workload_balance_per_s: float = Field(
        0.1,
        ge=0,
        le=1e6,
        description="Cost per second a technician's working time (service + travel) exceeds its "
        "fair share (all service plus home-to-home drives, split in proportion to available shift "
        "time). Moving work from an overloaded to an underloaded technician always pays. Default 0.1; at most 10^6.",
    )
    non_preferred_technician: float = Field(
        600.0, ge=0, le=1e8, description="Cost of giving a job with preferred_technicians to someone else. Default 600; at most 10^8."
    )
    technician_fixed_cost: float = Field(
        0.0, ge=0, le=1e8, description="Cost per technician used (set > 0 to use fewer technicians). Default 0; at most 10^8."
    )

    @model_validator(mode="after")
    def _priorities_known(self) -> "Weights":
        for name in ("sla_lateness_per_min", "unassigned_penalty"):
            table = getattr(self, name)
            unknown = set(table) - {"urgent", "high", "normal", "low"}
            if unknown:
                raise ValueError(f"{name}: unknown priority {sorted(unknown)}")
            limit = 1000.0 if name == "unassigned_penalty" else 1e6  # costs stay far inside int64
            for prio, value in table.items():
                if value < 0:
                    raise ValueError(f"{name}.{prio} must be >= 0")
                if value > limit:
                    raise ValueError(f"{name}.{prio} must be at most {limit:g}, got {value:g}")
            defaults = _per_priority(600.0, 300.0, 120.0, 60.0) if name == "sla_lateness_per_min" else _per_priority(8.0, 4.0, 2.0, 1.0)
            setattr(self, name, {**defaults, **table})
        return self


class ExplicitMatrix(StrictModel):
    """Caller-supplied matrices, indexed by ``Location.index``. Square, same size."""

    durations_s: list[list[float]] = Field(..., description="Travel time from row to column, seconds; finite, 0 to 10^7 (about 115 days).")
    distances_m: Optional[list[list[float]]] = Field(
        None, description="Distance from row to column, metres (default: zeros); finite, 0 to 10^8 (100 000 km)."
    )

    @model_validator(mode="after")
    def _square(self) -> "ExplicitMatrix":
        n = len(self.durations_s)
        for name in ("durations_s", "distances_m"):
            rows = getattr(self, name)
            if rows is None:
                continue
            if len(rows) != n or any(len(r) != n for r in rows):
                raise ValueError(f"{name} must be a square {n}x{n} matrix")
            limit = 1e7 if name == "durations_s" else 1e8  # about 115 days; 100 000 km
            for i, row in enumerate(rows):
                for j, v in enumerate(row):
                    if not (0 <= v <= limit):  # also false for NaN
                        raise ValueError(f"{name}[{i}][{j}] must be between 0 and {limit:g}, got {v!r}")
        return self


MatrixSource = Literal["road", "haversine", "explicit"]


class Options(StrictModel):
    """How to solve."""

    time_limit_s: float = Field(10.0, gt=0, le=3600, description="Wall-clock budget for the search, seconds. Building the travel matrix "
                                "(solver.matrix_time_s) and loading compiled kernels (solver.compile_time_s) come on top. Default 10.")
    seed: int = Field(
        0,
        ge=0,
        description="Random seed of the search. native: the same seed and max_iterations give the same "
        "plan; with only a time limit the amount of search depends on machine load. ortools has no seed "
        "(deterministic for a given amount of search). Everything else in the pipeline is deterministic. Default 0.",
    )
    candidates_per_job: int = Field(3, ge=0, le=50, description="Ranked technicians reported per job. Default 3.")
    matrix: Optional[MatrixSource] = Field(
        None,
        description="Travel-time source: road (OpenStreetMap region), haversine (great circle with a "
        "detour factor) or explicit (explicit_matrix). Default: road when a region is available, "
        "else haversine.",
    )
    region: Optional[str] = Field(None, description="Path of an OSM extract for the road source (default: embedded Helsinki).")
    explicit_matrix: Optional[ExplicitMatrix] = Field(None, description="Matrices for the explicit source, indexed by Location.index.")
    engine: str = Field(
        "native",
        description="Solver engine name: native (our compiled ruin-and-recreate and local search) or "
        "ortools (OR-Tools routing with guided local search); see GET /v1/version. Default native.",
    )
    engine_params: dict[str, Any] = Field(
        default_factory=dict,
        description="Settings of the chosen engine, by name; each engine accepts its own and rejects "
        "unknown ones (native: avg_removed, max_string, blink_rate, neighbours, ls_neighbours, ls_passes, "
        "granular_from_jobs, vroom_from_jobs, vroom_share, start_temperature, end_temperature, chunk_s, "
        "iterations_per_chunk; ortools: first_solution, metaheuristic, warm_start, model_breaks, vroom_seed, "
        "break_reserve; see Engines in docs/api.md). Default: none, the engine's defaults.",
    )
    max_iterations: Optional[int] = Field(
        None,
        ge=1,
        description="Stop the search after this many iterations, for deterministic runs (what an "
        "iteration is depends on the engine; native: one ruin, recreate and local search; ortools: one "
        "accepted solution). time_limit_s still "
        "applies. Default: no iteration limit.",
    )
    weights: Weights = Field(default_factory=Weights, description="Objective weights (see Weights); defaults as documented there.")
    objective: Literal["time", "cost"] = Field(
        "time",
        description="time: the weights in seconds of driving. cost: money (problem.costs and the technicians' rates) "
        "replaces the travel, distance, fixed-cost and balance weights; the SLA, non-preferred and unassigned weights "
        "keep their meaning in seconds of driving, priced at the lowest hourly rate (docs/costs.md says what the "
        "engines price exactly and what they approximate). Default time.",
    )
    language: Literal["en", "zh-CN"] = Field(
        "en",
        description="Language of the texts a dispatcher reads in the answer (unassigned reasons, re-plan causes): "
        "en or zh-CN (zh, zh_CN and zh-Hans are read as zh-CN). Codes stay the same in every language. Over HTTP "
        "the Accept-Language header chooses when the problem does not set it. Default en.",
    )
    speed_factor: float = Field(
        1.0, gt=0, le=10, description="Multiply every travel time by this (traffic what-ifs). Default 1."
    )
    decomposition: DecompositionMode = Field(
        "auto",
        description="Split the problem into territories solved apart and improved across their borders "
        "(docs/api.md, Decomposition): off, on, or auto (on from decomposition_params.auto_min_jobs jobs). "
        "The answer has the same contract; solver.decomposition reports the territories. Default auto.",
    )
    decomposition_params: DecompositionSettings = Field(
        default_factory=DecompositionSettings, description="Settings of the decomposition (see DecompositionSettings)."
    )

    @field_validator("language", mode="before")
    @classmethod
    def _language_tag(cls, value: Any) -> Any:
        """``zh``, ``zh_CN``, ``zh-Hans``, ``en-GB`` ... -> ``zh-CN`` / ``en`` (same rule as
        :func:`optimizer.i18n.normalize_language`, which models may not import)."""
        if isinstance(value, str):
            parts = value.strip().replace("_", "-").lower().split("-")
            if parts[0] == "en":
                return "en"
            if parts[0] == "zh" and not ({"tw", "hk", "mo", "hant"} & set(parts[1:])):
                return "zh-CN"
        return value

    @field_validator("engine")
    @classmethod
    def _engine_known(cls, value: str) -> str:
        from optimizer.solvers.engines import engine_spec  # pydantic only; no engine is imported

        engine_spec(value)
        return value

    @field_validator("engine_params")
    @classmethod
    def _engine_params_valid(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        from optimizer.solvers.engines import engine_settings

        if "engine" in info.data:  # else the engine itself was already reported
            engine_settings(info.data["engine"], value)
        return value

    @model_validator(mode="after")
    def _explicit_needs_matrix(self) -> "Options":
        if self.matrix == "explicit" and self.explicit_matrix is None:
            raise ValueError("matrix 'explicit' needs explicit_matrix")
        return self
