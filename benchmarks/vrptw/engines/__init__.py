"""VRPTW engines behind one signature: ``solve(inst, matrix, time_limit_s, seed) -> EngineRun``.

``matrix`` is the DIMACS deci-unit matrix (distance = travel time). Every engine gets the same
matrix, the same fleet and the same wall-clock limit, and runs single-threaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from optimizer.models import Solution

ENGINES = ("ours", "ortools", "vroom", "pyvrp")


@dataclass
class EngineRun:
    """What an engine returned: customer-node routes (our Solution too, for ``ours``)."""

    routes: list[list[int]]
    wall_time_s: float
    status: str
    solution: Optional[Solution] = None
    notes: list[str] = field(default_factory=list)


def get_solver(name: str) -> Callable[..., EngineRun]:
    """``ours`` is the production pipeline with its default engine; ``ours-<engine>`` the same
    pipeline with ``options.engine = <engine>`` (e.g. ``ours-ortools``, ``ours-native``)."""
    if name.startswith("ours-"):
        from functools import partial

        from benchmarks.vrptw.engines.ours import solve as solve_ours

        return partial(solve_ours, engine=name[len("ours-"):])
    if name == "ours":
        from benchmarks.vrptw.engines.ours import solve
    elif name == "ortools":
        from benchmarks.vrptw.engines.ortools_textbook import solve
    elif name == "vroom":
        from benchmarks.vrptw.engines.vroom_engine import solve
    elif name == "pyvrp":
        from benchmarks.vrptw.engines.pyvrp_engine import solve
    else:
        raise ValueError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")
    return solve
