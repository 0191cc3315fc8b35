"""The engine interface: a compiled problem in, ordered job sequences per technician out.

Engines only decide *who does what in which order*; timing (the schedule), candidates, KPIs and
the Solution are built the same way for every engine by :mod:`optimizer.solve`, so engines are
compared on equal terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Protocol

from optimizer.solvers.compiled import CompiledProblem


@dataclass
class EngineResult:
    """``routes[k]`` is the ordered list of job indices (into ``CompiledProblem.jobs``) for
    technician ``k``; jobs in no route are unassigned."""

    routes: list[list[int]]
    status: str
    objective: Optional[float] = None
    wall_time_s: float = 0.0
    notes: list[str] = field(default_factory=list)


class Engine(Protocol):
    name: str

    def solve(self, cp: CompiledProblem, time_limit_s: float, seed: int, initial: Optional[list[list[int]]] = None) -> EngineResult:
        """Sequences of job indices per technician. ``initial`` (same shape), when given, is a
        feasible starting plan to improve on (re-planning seeds the search with the old plan)."""
        ...


_REGISTRY: dict[str, Callable[[], Engine]] = {}


def register_engine(name: str, factory: Callable[[], Engine]) -> None:
    _REGISTRY[name] = factory


def get_engine(name: str) -> Engine:
    if name not in _REGISTRY:
        raise ValueError(f"unknown engine {name!r}; available: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]()


def engine_names() -> list[str]:
    return sorted(_REGISTRY)
