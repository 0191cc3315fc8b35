"""Options of a re-plan (kept apart from :class:`optimizer.models.Weights`: they only mean
something relative to a previous plan)."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from optimizer.models.common import StrictModel


class ReplanOptions(StrictModel):
    """How to re-plan.

    ``stability`` is the cost, in seconds-of-driving units (see ``Weights``), of giving a job
    that the previous plan assigned to a technician to another technician. It is applied through
    the existing preference mechanism: on the problem handed to the engine, each previously
    assigned job prefers its previous technician and ``weights.non_preferred_technician`` is set
    to ``stability`` (the job's own ``preferred_technicians`` are replaced for that solve).
    """

    stability: float = Field(
        1200.0, ge=0,
        description="Cost of moving a previously assigned job to another technician, in seconds of "
        "driving. 0 = no stability (re-plan from scratch). Default 1200 (20 minutes of driving).",
    )
    time_limit_s: Optional[float] = Field(
        1.0, gt=0, le=3600,
        description="Search time of the re-plan, seconds (the engine uses all of it). Null = the "
        "problem's options.time_limit_s. Default 1.",
    )
    shift_threshold_min: float = Field(
        15.0, ge=0, description="A start that moves by more than this many minutes is reported in changes. Default 15."
    )
    seed_previous: bool = Field(
        True, description="Seed the search with the repaired previous plan (the answer is then never worse "
        "than it under the re-plan objective). False = search from scratch. Default true.",
    )
    derive_state: Optional[bool] = Field(
        None, description="Derive the state of the day at the problem's now from the previous plan and the status events "
        "(job_started, job_completed, technician_position; rules in docs/api.md). Null = when a status event is given, or "
        "when the problem has a now, no job status marked and previous work before now. False = take the problem's "
        "statuses as given. Default null.",
    )
    stale_after_min: float = Field(
        30.0, ge=0, le=24 * 60, description="Warn when jobs are assumed completed (or still in progress) more than this many "
        "minutes after their planned (expected) end without a job_completed event. Default 30.",
    )
    position_max_age_min: float = Field(
        15.0, ge=0, le=24 * 60, description="Warn when a technician's latest position is older than this, minutes. Default 15.",
    )
    candidates_per_job: int = Field(0, ge=0, le=50, description="Ranked alternatives per job in the answer (costs time). Default 0.")
