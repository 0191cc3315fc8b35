"""SLA risk of a live plan: each job's predicted finish and slack to its deadline.

The plan of a version is timed from the live state (work under way with its expected end,
technicians' delays, the current positions), so a routed job's predicted finish is its stop's
``end``. ``slack = sla_deadline - predicted end``. A job is

* ``breach`` when the slack is negative (predicted to end late) or when it has a deadline and is
  not routed (reason ``unassigned``);
* ``at_risk`` when the slack is under the threshold of its priority
  (``LiveSettings.risk_threshold_min``) in ``LiveSettings.risk_confirm_versions`` consecutive
  versions (a dip that the next re-plan repairs is not a warning);
* ``ok`` otherwise (not listed).

The reason says what pushed it: ``overrun_upstream`` (work before it on the route runs longer
than its planned duration), ``late_start`` (the technician reported delays), else ``travel``
(the route's driving and work ahead of it). Minutes of each are given.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Optional

from pydantic import Field

from optimizer.live.settings import LiveSettings
from optimizer.models import Problem, Solution
from optimizer.models.common import AwareDatetime, StrictModel
from optimizer.models.job import JobStatus

Level = Literal["at_risk", "breach"]
Reason = Literal["overrun_upstream", "late_start", "travel", "unassigned"]


class JobRisk(StrictModel):
    job_id: str = Field(..., description="The job.")
    priority: str = Field(..., description="Its priority.")
    technician_id: Optional[str] = Field(None, description="Who has it (null: unassigned).")
    sla_deadline: AwareDatetime = Field(..., description="Its deadline.")
    predicted_end: Optional[AwareDatetime] = Field(None, description="Predicted end of service (null: unassigned).")
    slack_min: Optional[float] = Field(None, description="sla_deadline - predicted_end, minutes (negative: late; null: unassigned).")
    level: Level = Field(..., description="at_risk | breach.")
    reason: Reason = Field(..., description="overrun_upstream | late_start | travel | unassigned.")
    overrun_upstream_min: float = Field(0.0, description="Minutes by which work before it on the route exceeds its planned duration.")
    late_start_min: float = Field(0.0, description="Minutes of delay the technician reported today.")
    travel_upstream_min: float = Field(0.0, description="Driving time on the route up to it, minutes.")


class RiskReport(StrictModel):
    checked: int = Field(0, description="Open jobs with a deadline looked at.")
    at_risk: list[JobRisk] = Field(default_factory=list, description="Slack under the priority threshold, not late.")
    breaches: list[JobRisk] = Field(default_factory=list, description="Predicted to end after the deadline, or unassigned.")


def _min(seconds: float) -> float:
    return round(seconds / 60.0, 1)


def assess(problem: Problem, solution: Solution, settings: LiveSettings,
           planned_duration_min: dict[str, float], delay_min: dict[str, float],
           low_slack: Optional[dict[str, int]] = None) -> RiskReport:
    """The risk report of ``solution`` (answering ``problem``). ``planned_duration_min``: each
    job's duration before any overrun; ``delay_min``: minutes of delay reported per technician;
    ``low_slack``: job id -> consecutive earlier versions with slack under the threshold
    (replaced in place by the counts up to this version; None: every low slack counts at once)."""
    jobs = {j.id: j for j in problem.jobs}
    report = RiskReport()
    routed: set[str] = set()
    streaks: dict[str, int] = {}
    for route in solution.routes:
        overrun_s = 0.0
        travel_s = 0.0
        for stop in route.stops:
            routed.add(stop.job_id)
            job = jobs.get(stop.job_id)
            travel_s += stop.travel_time_s
            if job is not None and job.sla_deadline is not None and job.status != JobStatus.completed:
                report.checked += 1
                risk = _judge(job.id, job.priority.value, job.sla_deadline, stop.end, route.technician_id, settings,
                              overrun_s, delay_min.get(route.technician_id, 0.0) * 60, travel_s)
                if risk is not None:
                    streaks[job.id] = (low_slack or {}).get(job.id, 0) + 1
                    if risk.level == "breach":
                        report.breaches.append(risk)
                    elif low_slack is None or streaks[job.id] >= settings.risk_confirm_versions:
                        report.at_risk.append(risk)
            planned = planned_duration_min.get(stop.job_id)
            if planned is not None:
                overrun_s += max(0.0, (stop.end - stop.start).total_seconds() - planned * 60)
    for entry in solution.unassigned:
        job = jobs.get(entry.job_id)
        if job is None or job.sla_deadline is None or entry.code in ("cancelled", "completed") or job.id in routed:
            continue
        if job.status == JobStatus.completed:
            continue
        report.checked += 1
        report.breaches.append(JobRisk(job_id=job.id, priority=job.priority.value, sla_deadline=job.sla_deadline,
                                       level="breach", reason="unassigned"))
        streaks[job.id] = (low_slack or {}).get(job.id, 0) + 1
    if low_slack is not None:
        low_slack.clear()
        low_slack.update(streaks)
    return report


def _judge(job_id: str, priority: str, deadline: datetime, end: datetime, tech_id: str, settings: LiveSettings,
           overrun_s: float, delay_s: float, travel_s: float) -> Optional[JobRisk]:
    slack_s = (deadline - end).total_seconds()
    if slack_s < 0:
        level: Level = "breach"
    elif slack_s < settings.threshold_s(priority):
        level = "at_risk"
    else:
        return None
    if overrun_s > 0 and overrun_s >= delay_s:
        reason: Reason = "overrun_upstream"
    elif delay_s > 0:
        reason = "late_start"
    else:
        reason = "travel"
    return JobRisk(job_id=job_id, priority=priority, technician_id=tech_id, sla_deadline=deadline, predicted_end=end,
                   slack_min=_min(slack_s), level=level, reason=reason, overrun_upstream_min=_min(overrun_s),
                   late_start_min=_min(delay_s), travel_upstream_min=_min(travel_s))
