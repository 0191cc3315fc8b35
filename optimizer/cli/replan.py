"""``dispatch replan PROBLEM PREVIOUS_SOLUTION EVENTS [-o OUT]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from optimizer.cli.solve import format_validation_error, load_problem, load_solution


def load_events(path: str):
    """EVENTS is a JSON list of events, or ``{"events": [...], "options": {...}}``."""
    from optimizer.cli.errors import InputError, read_json
    from optimizer.replan import EVENT_LIST, ReplanOptions

    try:
        raw = read_json(path)
    except InputError as exc:
        raise SystemExit(f"error: {exc}")
    try:
        if isinstance(raw, list):
            return EVENT_LIST.validate_python(raw), ReplanOptions()
        if isinstance(raw, dict) and set(raw) <= {"events", "options"}:
            return EVENT_LIST.validate_python(raw.get("events", [])), ReplanOptions.model_validate(raw.get("options", {}))
        print(f"{path}: expected a list of events or an object with 'events' and 'options'", file=sys.stderr)
        raise SystemExit(2)
    except ValidationError as exc:
        print(format_validation_error(exc, path), file=sys.stderr)
        raise SystemExit(2)


def summarise(changes) -> str:
    if not changes:
        return "no changes"
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


def run(args: argparse.Namespace) -> int:
    from optimizer.replan import ReplanError, replan

    problem = load_problem(args.problem)
    previous = load_solution(args.previous)
    from optimizer.models.common import plan_reference_errors

    unknown = plan_reference_errors(problem, previous)
    if unknown:
        for loc, message in unknown:
            print(f"{args.previous}: {'.'.join(map(str, loc))}: {message}", file=sys.stderr)
        return 2
    events, options = load_events(args.events)
    if args.time_limit is not None:
        options = options.model_copy(update={"time_limit_s": args.time_limit})
    if args.stability is not None:
        options = options.model_copy(update={"stability": args.stability})
    try:
        result = replan(problem, previous, events, options)
    except ReplanError as exc:
        print(f"{args.events}: {exc}", file=sys.stderr)
        return 2
    from optimizer.replan.request import ReplanResponse

    response = ReplanResponse(solution=result.solution, changes=result.changes, problem=result.problem, fixed=result.fixed or {})
    if args.output:
        Path(args.output).write_text(result.solution.model_dump_json(indent=2, exclude_none=True))
        if args.state_out:
            Path(args.state_out).write_text(result.problem.model_dump_json(indent=2, exclude_none=True))
        if args.changes_out:
            Path(args.changes_out).write_text(json.dumps([c.model_dump(mode="json") for c in result.changes], indent=2))
    else:
        sys.stdout.write(response.model_dump_json(indent=2, exclude_none=True) + "\n")
    wall = result.solution.solver.wall_time_s if result.solution.solver else 0.0
    print(f"re-planned in {wall:.2f} s; " + summarise(result.changes), file=sys.stderr)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "replan",
        help="re-plan after events (new/cancelled jobs, sickness, overruns, delays, shift changes)",
        description="Previous plan + events in, new plan + changes out. Without -o the whole answer "
        "(solution, changes, state after the events) is printed as JSON; with -o the solution is "
        "written there (it is the next re-plan's PREVIOUS_SOLUTION).",
    )
    p.add_argument("problem", metavar="PROBLEM", help="problem JSON with the current state (now, freeze_until, job status)")
    p.add_argument("previous", metavar="PREVIOUS_SOLUTION", help="the plan being executed")
    p.add_argument("events", metavar="EVENTS", help="JSON list of events, or {events: [...], options: {...}}")
    p.add_argument("-o", "--output", help="write the new solution JSON here")
    p.add_argument("--state-out", help="with -o: write the state after the events (the next PROBLEM) here")
    p.add_argument("--changes-out", help="with -o: write the changes list JSON here")
    p.add_argument("--time-limit", type=float, help="search time, seconds (default: the events file's options, else 1)")
    p.add_argument("--stability", type=float, help="cost of moving a job to another technician, seconds of driving (default 1200)")
    p.set_defaults(func=run)
