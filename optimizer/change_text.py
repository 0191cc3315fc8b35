"""A re-plan change (``changes[]``) as a sentence a dispatcher reads, with its cause, in English
or Chinese from the message catalog (:mod:`optimizer.i18n`). The change's ``kind`` and
``cause_type`` stay language-neutral codes; this is the text beside them.
"""

from __future__ import annotations

from typing import Any, Optional

from optimizer.i18n import Msg, translate

CAUSES = {
    "new_job": Msg("a new job"),
    "job_cancelled": Msg("a cancelled job"),
    "technician_unavailable": Msg("a technician became unavailable"),
    "job_overrun": Msg("a job overran"),
    "technician_delayed": Msg("a technician is delayed"),
    "shift_extended": Msg("a shift was extended"),
    "job_started": Msg("a job started"),
    "job_completed": Msg("a job was completed"),
    "technician_position": Msg("a technician's position"),
}
"""What each event type is, in words (``cause_type`` codes of :mod:`optimizer.replan.events`)."""


def _minutes(value: Optional[float]) -> str:
    return f"{value:+.0f}" if value is not None else "?"


def change_message(change: Any, language: str) -> str:
    """``change`` (an :class:`optimizer.replan.changes.Change`) as one sentence in ``language``:
    what happened to the job, then why (the event number and type, or re-optimisation)."""
    kind = change.kind
    if kind == "reassigned":
        what = Msg("{job} moves from {old} to {new} ({minutes} min)", job=change.job_id, old=change.from_technician,
                   new=change.to_technician, minutes=_minutes(change.shift_min))
    elif kind == "time_shifted":
        what = Msg("{job} stays with {tech}, start moves {minutes} min", job=change.job_id, tech=change.to_technician,
                   minutes=_minutes(change.shift_min))
    elif kind == "assigned":
        what = Msg("{job} is now planned for {tech}", job=change.job_id, tech=change.to_technician)
    elif change.from_technician:
        what = Msg("{job} leaves the plan of {tech}", job=change.job_id, tech=change.from_technician)
    else:
        what = Msg("{job} cannot be planned", job=change.job_id)
    if kind == "unassigned" and change.reason:
        what = Msg("{what} ({reason})", what=what, reason=translate(change.reason, language))
    if change.cause is not None:
        cause = CAUSES.get(change.cause_type or "")
        why = Msg("because of event {number} ({event})", number=change.cause, event=cause if cause is not None else change.cause_type)
    else:
        why = Msg("re-optimisation found a better plan")
    return translate(Msg("{what}: {why}", what=what, why=why), language)
