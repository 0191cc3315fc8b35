"""Progress of a running solve: the figures a long search reports while it runs.

``solve(problem, progress=callback)`` (and ``replan(..., progress=callback)``) calls
``callback(SolveProgress(...))`` between chunks of the search (the native engine: about every
``engine_params.chunk_s`` = 0.05 s; engines without chunks report nothing until they end).
The CLI prints it on stderr (:mod:`optimizer.cli.progress`); the API stores it on the async job
(``progress`` of ``GET /v1/optimizations/{id}``).
"""

from __future__ import annotations

from typing import Callable, Optional

from pydantic import Field

from optimizer.models.common import StrictModel


class SolveProgress(StrictModel):
    """How a running search stands."""

    elapsed_s: float = Field(..., ge=0, description="Seconds since the solve started (matrix building included), s.")
    time_limit_s: float = Field(..., description="The search's time limit (options.time_limit_s), s.")
    iterations: int = Field(..., ge=0, description="Search iterations done so far.")
    max_iterations: Optional[int] = Field(None, description="The iteration limit, when set.")
    jobs_served: int = Field(..., ge=0, description="Jobs in the routes of the best plan found so far.")
    jobs_total: int = Field(..., ge=0, description="Jobs this search plans (a re-plan: the open jobs only).")
    best_objective: float = Field(..., description="Search cost of the best plan so far, in objective units (seconds of driving, or money "
                                  "in cost mode); the final solver.objective is computed after repair and may differ slightly.")


ProgressCallback = Callable[[SolveProgress], None]
