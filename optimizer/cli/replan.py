"""``dispatch replan PROBLEM PREVIOUS_SOLUTION [EVENTS] [--now HH:MM] [-o OUT]`` (or
``--technicians FILE --jobs FILE`` instead of PROBLEM, ``--events FILE`` instead of EVENTS)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Optional

from pydantic import ValidationError

from optimizer.cli.inputs import add_spreadsheet_options
from optimizer.cli.solve import format_validation_error, load_solution
from optimizer.i18n import N_, Msg, translate


def load_events(path: str):
    """EVENTS is a JSON list of events, or ``{"now": ISO, "events": [...], "options": {...}}``.
    Returns (events, options, now or None)."""
    from pydantic import TypeAdapter

    from optimizer.cli.errors import InputError, read_json
    from optimizer.models.common import AwareDatetime
    from optimizer.replan import EVENT_LIST, ReplanOptions

    try:
        raw = read_json(path)
    except InputError as exc:
        raise SystemExit(f"error: {exc}")
    try:
        if isinstance(raw, list):
            return EVENT_LIST.validate_python(raw), ReplanOptions(), None
        if isinstance(raw, dict) and set(raw) <= {"events", "options", "now"}:
            now = TypeAdapter(AwareDatetime).validate_python(raw["now"]) if raw.get("now") is not None else None
            return EVENT_LIST.validate_python(raw.get("events", [])), ReplanOptions.model_validate(raw.get("options", {})), now
        print(f"{path}: expected a list of events or an object with 'now', 'events' and 'options'", file=sys.stderr)
        raise SystemExit(2)
    except ValidationError as exc:
        print(format_validation_error(exc, path), file=sys.stderr)
        raise SystemExit(2)


def parse_now(text: str, problem) -> datetime:
    """``--now``: ISO-8601 with an offset, or ``HH:MM`` on the problem's day (the date and UTC
    offset of the earliest shift start)."""
    try:
        if len(text) <= 5 and ":" in text:
            hh, mm = (int(x) for x in text.split(":"))
            day = min(t.one_shift.start for t in problem.technicians)
            return day.replace(hour=hh, minute=mm, second=0, microsecond=0)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"error: --now {text}: not a time (HH:MM or ISO-8601 with an offset, e.g. 2026-11-24T11:00:00+02:00)")
    if value.tzinfo is None:
        raise SystemExit(f"error: --now {text}: give the UTC offset (e.g. +02:00) or HH:MM")
    return value


def summarise_state(state, language: str = "en") -> str:
    """One line on the state of the day, then its warnings, in ``language``."""
    from optimizer.i18n import Msg, gettext, translate

    if state is None:
        return ""
    by = {"event": 0, "plan": 0, "given": 0}
    for d in state.completed:
        by[d.source] += 1
    origin = gettext(", ", language).join(f"{n} {gettext(MESSAGES['source_' + k], language)}" for k, n in by.items() if n)
    when = " " + translate(Msg("at {time}", time=f"{state.now:%H:%M}"), language) if state.now is not None else ""
    kind = (MESSAGES["derived_events"] if by["event"] else MESSAGES["derived"]) if state.derived else MESSAGES["given"]
    lines = [gettext(MESSAGES["state_line"], language).format(
        when=when, kind=gettext(kind, language), done=len(state.completed), origin=f" ({origin})" if origin else "",
        running=len(state.in_progress), driving=len(state.dispatched))]
    lines += ["  " + translate(Msg("warning: {message}", message=translate(w.message, language)), language) for w in state.warnings]
    return "\n".join(lines)


MESSAGES = {
    "state_line": N_("state{when} ({kind}): {done} done{origin}, {running} in progress, {driving} on the way"),
    "derived_events": N_("derived from the plan and status events"),
    "derived": N_("derived from the plan"),
    "given": N_("as given"),
    "source_event": N_("reported"),
    "source_plan": N_("assumed from the plan"),
    "source_given": N_("marked in the problem"),
}


def summarise(changes, language: str = "en") -> str:
    """The changes, one line each; in another language than English, each change's sentence
    (``Change.message``, with its cause)."""
    from optimizer.change_text import change_message
    from optimizer.i18n import Msg, translate

    if not changes:
        return translate(Msg("no changes"), language)
    if language != "en":
        return "\n".join([translate(Msg("{count} change(s):", count=len(changes)), language)]
                         + [f"  {change_message(c, language)}" for c in changes])
    lines = [f"{len(changes)} change(s):"]
    for c in changes:
        if c.kind == "reassigned":
            what = f"{c.from_technician} -> {c.to_technician}"
        elif c.kind == "time_shifted":
            what = f"{c.to_technician} start {c.shift_min:+.0f} min"
        elif c.kind == "unassigned":
            what = f"({c.reason})"
        else:
            what = f"-> {c.to_technician} at {c.new_start:%H:%M}"
        cause = f"  [event #{c.cause} {c.cause_type}]" if c.cause is not None else ""
        lines.append(f"  {c.job_id:<10} {c.kind:<13} {what}{cause}")
    return "\n".join(lines)


def _positionals(args: argparse.Namespace) -> tuple[Optional[str], str, Optional[str]]:
    """(PROBLEM or None, PREVIOUS, EVENTS or None) from the positionals and --events."""
    from optimizer.cli.inputs import has_spreadsheets

    given = list(args.files)
    problem_path = None if has_spreadsheets(args) else (given.pop(0) if given else None)
    if not given:
        raise SystemExit("error: give PREVIOUS_SOLUTION (the plan being executed)")
    previous = given.pop(0)
    events = given.pop(0) if given else None
    if given:
        raise SystemExit(f"error: unexpected argument {given[0]!r}")
    if events is not None and args.events is not None:
        raise SystemExit("error: give EVENTS or --events, not both")
    return problem_path, previous, events or args.events


def _overrides(options, args: argparse.Namespace):
    """The re-plan options with the command line's --time-limit, --stability, --derive-state."""
    if args.time_limit is not None:
        options = options.model_copy(update={"time_limit_s": args.time_limit})
    if args.stability is not None:
        options = options.model_copy(update={"stability": args.stability})
    if args.derive_state is not None:
        options = options.model_copy(update={"derive_state": args.derive_state == "yes"})
    return options


def run(args: argparse.Namespace) -> int:
    from optimizer.cli.inputs import problem_of
    from optimizer.replan import ReplanError, ReplanOptions, replan

    problem_path, previous_path, events_path = _positionals(args)
    problem = problem_of(args, problem_path, "PROBLEM")
    assert problem is not None
    previous = load_solution(previous_path)
    from optimizer.models.common import plan_reference_errors

    unknown = plan_reference_errors(problem, previous)
    if unknown:
        for loc, message in unknown:
            print(f"{previous_path}: {'.'.join(map(str, loc))}: {message}", file=sys.stderr)
        return 2
    events, options, now = load_events(events_path) if events_path else ([], ReplanOptions(), None)
    if args.now is not None:
        now = parse_now(args.now, problem)
    if now is not None:
        problem = problem.model_copy(update={"now": now})
    if args.max_iterations is not None:
        problem = problem.model_copy(update={"options": problem.options.model_copy(update={"max_iterations": args.max_iterations})})
    from optimizer.cli import cli_language

    if cli_language() is not None:
        problem = problem.model_copy(update={"options": problem.options.model_copy(update={"language": cli_language()})})
    options = _overrides(options, args)
    from optimizer.cli.progress import progress_for

    progress = progress_for(args)
    try:
        result = replan(problem, previous, events, options, progress=progress)
    except ReplanError as exc:
        print(f"{events_path or '--now'}: {exc}", file=sys.stderr)
        return 2
    finally:
        if progress is not None:
            progress.close()
    from optimizer.replan.request import ReplanResponse

    response = ReplanResponse(solution=result.solution, changes=result.changes, problem=result.problem, fixed=result.fixed or {},
                              state=result.state)
    if args.output:
        Path(args.output).write_text(result.solution.model_dump_json(indent=2))
        if args.state_out:
            Path(args.state_out).write_text(result.problem.model_dump_json(indent=2, exclude_none=True))
        if args.changes_out:
            Path(args.changes_out).write_text(json.dumps([c.model_dump(mode="json") for c in result.changes], indent=2))
    if args.answer_out:
        Path(args.answer_out).write_text(response.model_dump_json(indent=2))
    if not args.output and not args.answer_out:
        sys.stdout.write(response.model_dump_json(indent=2) + "\n")
    wall = result.solution.solver.wall_time_s if result.solution.solver else 0.0
    language = cli_language() or result.problem.options.language
    state = summarise_state(result.state, language)
    print((state + "\n" if state else "") + translate(Msg("re-planned in {seconds} s; {changes}", seconds=f"{wall:.2f}",
                                                           changes=summarise(result.changes, language)), language), file=sys.stderr)
    from optimizer.cli.solve import late_lines

    late = late_lines(result.problem, result.solution, language)
    if late:
        print("\n".join(late), file=sys.stderr)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "replan",
        usage="dispatch replan (PROBLEM | --technicians FILE --jobs FILE) PREVIOUS_SOLUTION [EVENTS | --events FILE] "
              "[--now HH:MM] [-o OUT] [--answer-out FILE] [options]",
        help="re-plan after events (new/cancelled jobs, sickness, overruns, delays, shift changes)",
        description="Previous plan + events in, new plan + changes out. Without -o the whole answer "
        "(solution, changes, state after the events) is printed as JSON; with -o the solution is "
        "written there (it is the next re-plan's PREVIOUS_SOLUTION).",
    )
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="problem JSON with the current state (left out with --technicians/--jobs), the plan being "
                   "executed, and the events: a JSON list, or {now, events: [...], options: {...}}")
    p.add_argument("--events", metavar="FILE", help="the events file (instead of the third positional)")
    p.add_argument("--now", help="the instant of the re-plan: HH:MM on the problem's day, or ISO-8601 with an offset "
                   "(default: the events file's now, else the problem's). The state at now (done, in progress, on the way) "
                   "is derived from the previous plan and the status events (job_started, job_completed, technician_position)")
    p.add_argument("--derive-state", choices=["yes", "no"], help="derive the state of the day from the plan and status events "
                   "(default: when status events are given, or when nothing is marked in the problem and work was planned before now)")
    add_spreadsheet_options(p)
    p.add_argument("-o", "--output", help="write the new solution JSON here")
    p.add_argument("--answer-out", help="write the whole answer (solution, changes, state, problem) here: the input of dispatch report")
    p.add_argument("--state-out", help="with -o: write the state after the events (the next PROBLEM) here")
    p.add_argument("--changes-out", help="with -o: write the changes list JSON here")
    p.add_argument("--time-limit", type=float, help="search time, seconds (default: the events file's options, else 1)")
    p.add_argument("--max-iterations", type=int, help="stop the search after this many iterations (deterministic runs)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr while solving")
    p.add_argument("--stability", type=float, help="cost of moving a job to another technician, seconds of driving (default 1200)")
    p.set_defaults(func=run)
