"""The engine table: every engine ``options.engine`` may name, with the settings it takes.

The table is written out here, not filled by importing engine modules, and importing it is
cheap (pydantic only): each entry's ``make`` imports its engine module when an engine is built.
``options.engine_params`` is checked against the entry's ``params`` model when the ``Options``
are validated, so a bad engine name or setting is a field error (HTTP 422), not a failed solve.

Adding an engine is one entry in :data:`ENGINES` plus its settings model (a pydantic model with
``extra="forbid"``, defined here or in a module that imports nothing heavy at top level)::

    "native": EngineSpec(
        name="native",
        description="...",
        make=_lazy("optimizer.solvers.native.engine", "NativeEngine"),
        params=NativeParams,
    ),
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Literal, Mapping, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from optimizer.solvers.native.params import NativeParams

if TYPE_CHECKING:  # base.py imports the compiled-problem modules; the table stays light
    from optimizer.solvers.base import Engine


@dataclass(frozen=True)
class EngineSpec:
    """One engine: its ``name`` (the value of ``options.engine``), a one-line ``description``,
    ``make`` (validated settings as a plain dict -> an engine instance; imports the engine module
    lazily) and ``params`` (the pydantic model of its settings, ``extra="forbid"``)."""

    name: str
    description: str
    make: Callable[[Mapping[str, Any]], Engine]
    params: type


def _lazy(module: str, cls: str) -> Callable[[Mapping[str, Any]], Engine]:
    """``make`` for an engine class whose constructor takes the settings as keyword arguments."""

    def make(settings: Mapping[str, Any]) -> Engine:
        return getattr(importlib.import_module(module), cls)(**settings)

    make.__qualname__ = f"make[{module}.{cls}]"
    return make


FirstSolution = Literal[
    "AUTOMATIC", "PATH_CHEAPEST_ARC", "PATH_MOST_CONSTRAINED_ARC", "EVALUATOR_STRATEGY", "SAVINGS",
    "PARALLEL_SAVINGS", "SWEEP", "CHRISTOFIDES", "ALL_UNPERFORMED", "BEST_INSERTION",
    "PARALLEL_CHEAPEST_INSERTION", "SEQUENTIAL_CHEAPEST_INSERTION", "LOCAL_CHEAPEST_INSERTION",
    "LOCAL_CHEAPEST_COST_INSERTION", "GLOBAL_CHEAPEST_ARC", "LOCAL_CHEAPEST_ARC", "FIRST_UNBOUND_MIN_VALUE",
]
"""OR-Tools ``FirstSolutionStrategy`` names (a test checks them against the installed OR-Tools)."""

Metaheuristic = Literal["AUTOMATIC", "GREEDY_DESCENT", "GUIDED_LOCAL_SEARCH", "SIMULATED_ANNEALING", "TABU_SEARCH", "GENERIC_TABU_SEARCH"]
"""OR-Tools ``LocalSearchMetaheuristic`` names."""


class OrToolsParams(BaseModel):
    """Settings of the ``ortools`` engine (:class:`optimizer.solvers.ortools_engine.OrToolsEngine`)."""

    model_config = ConfigDict(extra="forbid")

    first_solution: Optional[FirstSolution] = Field(
        None,
        description="OR-Tools first-solution strategy. Default: PARALLEL_CHEAPEST_INSERTION up to 300 jobs, "
        "LOCAL_CHEAPEST_INSERTION above (or VROOM's / our greedy starting plan, see vroom_seed and warm_start). "
        "Setting it turns VROOM's start off unless vroom_seed is true.",
    )
    metaheuristic: Metaheuristic = Field("GUIDED_LOCAL_SEARCH", description="OR-Tools local-search metaheuristic. Default GUIDED_LOCAL_SEARCH.")
    warm_start: Optional[bool] = Field(
        None,
        description="Start the search from our greedy insertion plan (when VROOM's start is not used). "
        "Default: from 800 jobs on.",
    )
    model_breaks: bool = Field(
        False,
        description="Model breaks inside OR-Tools (exact, but local search all but stops). Default false: "
        "breaks are timed by the scheduler after the search.",
    )
    vroom_seed: Optional[bool] = Field(
        None,
        description="Start the search from VROOM's plan (at most 35 % of the time limit). Default: from 250 jobs on, "
        "when first_solution is not set.",
    )
    break_reserve: bool = Field(
        True,
        description="Keep room for breaks at the end of each route with a steep soft bound (when model_breaks "
        "is false). Default true.",
    )


ENGINES: dict[str, EngineSpec] = {
    "ortools": EngineSpec(
        name="ortools",
        description="OR-Tools routing with guided local search; VROOM's starting plan from 250 jobs.",
        make=_lazy("optimizer.solvers.ortools_engine", "OrToolsEngine"),
        params=OrToolsParams,
    ),
    "native": EngineSpec(
        name="native",
        description="Our compiled search: SISR ruin and recreate plus granular local search, simulated annealing; every rule native.",
        make=_lazy("optimizer.solvers.native.engine", "NativeEngine"),
        params=NativeParams,
    ),
}
"""Every engine, by name. Written out literally: no engine registers itself by being imported."""


def engine_names() -> list[str]:
    """Names ``options.engine`` accepts, sorted."""
    return sorted(ENGINES)


def engine_spec(name: str) -> EngineSpec:
    """The table entry of ``name``. Raises ValueError naming the unknown engine and the available ones."""
    spec = ENGINES.get(name)
    if spec is None:
        raise ValueError(f"unknown engine {name!r}; available: {', '.join(engine_names())}")
    return spec


def engine_settings(name: str, params: Optional[Mapping[str, Any]] = None) -> BaseModel:
    """``params`` validated against the settings model of engine ``name`` (defaults filled in).

    Raises ValueError for an unknown engine, or one naming the first bad setting as
    ``engine_params.<key>: <reason>``."""
    spec = engine_spec(name)
    try:
        return spec.params.model_validate(dict(params or {}))
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "(root)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg += f" (engine {name!r} takes: {', '.join(spec.params.model_fields)})"
        raise ValueError(f"engine_params.{key}: {msg}") from None


def get_engine(name: str, params: Optional[Mapping[str, Any]] = None) -> Engine:
    """A new engine ``name`` built with settings ``params`` (``options.engine_params``).

    Raises ValueError naming the unknown engine (with the available ones) or the bad setting."""
    settings = engine_settings(name, params)
    return ENGINES[name].make(settings.model_dump())
