"""One re-plan request and its answer (the JSON documents shared by the CLI and the HTTP API),
and ``answer``: request in, response out. Reading and writing the JSON text of a worker process
is the worker's business (:mod:`api.worker`)."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from optimizer.models import Problem, Solution
from optimizer.models.common import StrictModel
from optimizer.progress import ProgressCallback
from optimizer.replan.changes import Change
from optimizer.replan.events import Event
from optimizer.replan.options import ReplanOptions
from optimizer.replan.state import StateSummary


class ReplanRequest(StrictModel):
    problem: Problem = Field(..., description="The current state: now, freeze_until, job status, technician positions.")
    previous: Solution = Field(..., description="The plan being executed.")
    events: list[Event] = Field(default_factory=list, description="What happened since, applied in order: status events "
                                "(job_started, job_completed, technician_position: the state of the day at problem.now) and "
                                "disruptions (new_job, job_cancelled, technician_unavailable, job_overrun, technician_delayed, "
                                "shift_extended); see docs/replan.md.")
    options: ReplanOptions = Field(default_factory=ReplanOptions)


class ReplanResponse(StrictModel):
    solution: Solution = Field(..., description="The new plan (fixed heads + re-planned rest).")
    changes: list[Change] = Field(default_factory=list, description="What changed against the previous plan, with causes.")
    problem: Problem = Field(..., description="The state after the events, as the new plan answers it (validate against this; "
                             "use it with the solution as the next re-plan's input).")
    fixed: dict[str, list[str]] = Field(default_factory=dict, description="Technician id -> job ids kept fixed at the head of its route.")
    state: Optional[StateSummary] = Field(None, description="The state of the day the re-plan started from: completed work "
                                          "(done, with technician and times), in-progress and dispatched jobs, positions, "
                                          "and warnings when it looks stale.")


def answer(request: ReplanRequest, progress: Optional[ProgressCallback] = None) -> ReplanResponse:
    """The re-plan of ``request``; ``progress`` gets the search's figures while it runs."""
    from optimizer.replan.replan import replan

    result = replan(request.problem, request.previous, request.events, request.options, progress=progress)
    return ReplanResponse(solution=result.solution, changes=result.changes, problem=result.problem, fixed=result.fixed or {}, state=result.state)

