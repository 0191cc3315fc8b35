"""The engine interface: a compiled problem in, ordered job sequences per technician out.

Engines only decide *who does what in which order*; timing (the schedule), repair, candidates,
KPIs and the Solution are built the same way for every engine by :mod:`optimizer.solve`, so
engines are compared on equal terms.

Which engines exist, and the settings each takes, is the explicit table in
:mod:`optimizer.solvers.engines` (``options.engine`` and ``options.engine_params``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Protocol

from optimizer.solvers.budget import Budget
from optimizer.solvers.compiled import CompiledProblem
from optimizer.solvers.costs import CostModel


@dataclass
class EngineResult:
    """What an engine returns.

    ``routes[k]`` is the ordered list of job indices (into ``CompiledProblem.jobs``) for
    technician ``k``; jobs in no route are unassigned. ``status`` is the engine's own word for
    how the search ended (``success``, ``time_limit``, ...). ``objective`` is the engine's own
    objective value, if it has one (the library recomputes the plan's objective for every engine).
    ``wall_time_s``: seconds the engine call took, compilation included. ``iterations``: search
    iterations done (what one iteration is belongs to the engine; 0 when it does not count).
    ``compile_time_s``: seconds of ``wall_time_s`` spent compiling code (JIT) rather than
    searching; 0 for engines that compile nothing. ``notes`` reach ``Solution.warnings``, each
    prefixed with the engine's name.
    """

    routes: list[list[int]]
    status: str
    objective: Optional[float] = None
    wall_time_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    iterations: int = 0
    compile_time_s: float = 0.0


class Engine(Protocol):
    """A search engine. Instances are built by :func:`optimizer.solvers.engines.get_engine` from
    the engine's validated settings; one instance may be used for one solve."""

    name: str

    def solve(
        self,
        cp: CompiledProblem,
        costs: CostModel,
        budget: Budget,
        seed: int,
        initial: Optional[list[list[int]]] = None,
    ) -> EngineResult:
        """Sequences of job indices per technician, minimising ``costs`` (the cost model of
        ``cp``, built once per solve by the caller).

        Stop when ``budget.expired(iterations)``; return the best plan found by
        ``budget.deadline`` at the latest. ``seed`` drives any randomness: the same seed and
        iteration limit must give the same plan. ``initial`` (same shape as the routes), when
        given, is a feasible starting plan to improve on (re-planning seeds the search with the
        old plan)."""
        ...
