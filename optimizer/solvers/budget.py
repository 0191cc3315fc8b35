"""The search budget: a deadline on the monotonic clock plus an optional iteration limit.

Engines receive one :class:`Budget` instead of a bare number of seconds. The deadline is an
absolute ``time.monotonic()`` value, so a budget handed down through several steps never needs
"seconds left" arithmetic at each hand-over, and sub-steps take a share of what is left with
:meth:`Budget.share`.

The iteration limit makes runs deterministic and fast in tests: with ``max_iterations`` set, an
engine stops after that many iterations of its search (what one iteration is belongs to the
engine and is documented there) whatever the machine load. The deadline still applies as a
safety net, so a run with an iteration limit never overruns the time limit either.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Optional

ProgressHook = Callable[[int, float, int], None]
"""``hook(iterations_done, best_cost, jobs_served)``: what an engine reports between chunks of
its search (``best_cost`` in the engine's cost units; see :class:`optimizer.solve.SolveProgress`
for the figures a caller receives)."""


@dataclass(frozen=True)
class Budget:
    """How long, and optionally how many iterations, a search may run.

    ``deadline``: absolute ``time.monotonic()`` value, in seconds, at which the search must stop.
    ``max_iterations``: stop after this many iterations (None = no iteration limit; 0 = none at
    all). Invariant: ``max_iterations`` is None or >= 0. The budget is immutable; sub-budgets are
    new objects (:meth:`share`).
    """

    deadline: float
    max_iterations: Optional[int] = None
    progress: Optional[ProgressHook] = None
    """Called by engines that support it between chunks of their search (optional; must be cheap)."""

    def __post_init__(self) -> None:
        if self.max_iterations is not None and self.max_iterations < 0:
            raise ValueError(f"max_iterations must be >= 0 or None, got {self.max_iterations}")

    @classmethod
    def of(cls, seconds: float, max_iterations: Optional[int] = None, progress: Optional[ProgressHook] = None) -> "Budget":
        """A budget ending ``seconds`` (wall-clock seconds, negative taken as 0) from now."""
        return cls(time.monotonic() + max(0.0, float(seconds)), max_iterations, progress)

    def report(self, iterations: int, best_cost: float, jobs_served: int) -> None:
        """Tell the progress hook, if any, how the search stands."""
        if self.progress is not None:
            self.progress(iterations, best_cost, jobs_served)

    def remaining_s(self) -> float:
        """Seconds until the deadline; 0.0 once it has passed (never negative)."""
        return max(0.0, self.deadline - time.monotonic())

    def expired(self, iterations: int = 0) -> bool:
        """True when the deadline has passed, or when an iteration limit is set and
        ``iterations`` (the count of iterations done so far) has reached it."""
        if self.max_iterations is not None and iterations >= self.max_iterations:
            return True
        return time.monotonic() >= self.deadline

    def share(self, fraction: float) -> "Budget":
        """A sub-budget ending at ``now + fraction * remaining_s()`` with the same
        ``max_iterations``. ``fraction`` is in [0, 1], so the sub-budget never ends after this one."""
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"fraction must be in [0, 1], got {fraction}")
        now = time.monotonic()
        return Budget(now + fraction * max(0.0, self.deadline - now), self.max_iterations, self.progress)
