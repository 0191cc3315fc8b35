"""``dispatch whatif``, ``dispatch report`` and ``dispatch export``: the planner's tools."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional

from optimizer.cli.inputs import add_spreadsheet_options, has_spreadsheets, problem_of
from optimizer.cli.solve import load_solution


def cmd_whatif(args: argparse.Namespace) -> int:
    from optimizer.cli.errors import InputError, read_text, use_ray_address
    from optimizer.report import render_scenario_report, write_report
    from optimizer.scenarios import ScenarioError, ScenarioFileError, format_table, load_scenario, run_scenario
    from optimizer.scenarios.compare import METRICS, compare

    try:
        read_text(args.scenario, "scenario (YAML or JSON)")  # a missing, binary or non-UTF-8 file: one line naming it
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    use_ray_address(args.ray_address)
    try:
        scenario = _scenario_with_base(args) if has_spreadsheets(args) else load_scenario(args.scenario)
        if args.time_limit is not None:
            scenario.options = {**scenario.options, "time_limit_s": args.time_limit}
        result = run_scenario(scenario, workers=args.workers, progress=not args.no_progress)
    except (ScenarioFileError, ScenarioError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    named = [(r.name, r.kpis) for r in result.runs]
    walls = [r.wall_time_s for r in result.runs]
    print(f"scenario {scenario.name!r}: base + {len(scenario.variants)} variant(s), {result.workers} worker(s), "
          f"wall time {result.wall_time_s:.1f} s")
    from optimizer.cli import cli_language

    language = cli_language() or scenario.base.options.language
    print(format_table(named, walls, language=language))
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    for i, run in enumerate(result.runs):
        stem = f"{i:02d}-{_slug(run.name)}"
        (out / f"{stem}.solution.json").write_text(run.solution.model_dump_json(indent=2) + "\n")
        (out / f"{stem}.problem.json").write_text(run.problem.model_dump_json(indent=2, exclude_none=True) + "\n")
    (out / "comparison.md").write_text(format_table(named, walls, markdown=True) + "\n")
    table = compare(named)
    summary = {
        "scenario": scenario.name, "workers": result.workers, "wall_time_s": result.wall_time_s,
        "runs": [{"name": r.name, "description": result.descriptions.get(r.name), "solve_wall_time_s": r.wall_time_s,
                  "kpis": r.kpis.model_dump(mode="json")} for r in result.runs],
        "deltas": {m.key: {n: table[m.key][n].delta for n, _ in named[1:]} for m in METRICS},
    }
    (out / "scenario_result.json").write_text(json.dumps(summary, indent=2) + "\n")
    report = write_report(render_scenario_report(result, language=language), out / "report.html")
    print(f"wrote {out}/ (solutions, problems, comparison.md, scenario_result.json) and {report}")
    return 0


def _scenario_with_base(args: argparse.Namespace):
    """The scenario file with its ``base`` replaced by the problem of ``--technicians``/``--jobs``."""
    import yaml

    from optimizer.scenarios import ScenarioFileError
    from optimizer.scenarios.load import parse_scenario

    problem = problem_of(args, None, "base")
    path = Path(args.scenario)
    try:
        data = json.loads(path.read_text()) if path.suffix.lower() == ".json" else yaml.safe_load(path.read_text())
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ScenarioFileError(f"{path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: {exc}") from None
    if not isinstance(data, dict):
        raise ScenarioFileError(f"{path}: the top level must be a mapping, got {type(data).__name__}")
    if data.get("base") is not None:
        print(f"note: {path}: base replaced by {args.technicians} + {args.jobs}", file=sys.stderr)
    assert problem is not None
    data["base"] = problem.model_dump(mode="json", exclude_none=True)
    return parse_scenario(data, path.parent, str(path))


def _slug(name: str) -> str:
    keep = "".join(c.lower() if c.isalnum() else "-" for c in name)
    return "-".join(p for p in keep.split("-") if p)[:40] or "run"


def load_plan(path: str):
    """A plan file: a Solution, or the whole answer of a re-plan (``dispatch replan
    --answer-out``, ``POST /v1/replan``: solution, changes, state and the problem it answers).
    Returns (solution, answer or None)."""
    from pydantic import ValidationError

    from optimizer.cli.errors import InputError, read_json
    from optimizer.cli.solve import format_validation_error
    from optimizer.replan.request import ReplanResponse

    try:
        raw = read_json(path)
    except InputError as exc:
        raise SystemExit(f"error: {exc}")
    if isinstance(raw, dict) and "solution" in raw and "routes" not in raw:
        try:
            answer = ReplanResponse.model_validate(raw)
        except ValidationError as exc:
            print(format_validation_error(exc, path), file=sys.stderr)
            raise SystemExit(2)
        return answer.solution, answer
    return load_solution(path), None


def cmd_report(args: argparse.Namespace) -> int:
    from optimizer.report import render_report, write_report

    solution, answer = load_plan(args.solution)
    problem = problem_of(args, args.problem, "--problem", required=answer is None)
    if problem is None:
        assert answer is not None
        problem = answer.problem  # the state the re-plan answers
    road = {"auto": None, "road": True, "straight": False}[args.map]
    title = args.title or f"Dispatch plan: {Path(args.solution).name}"
    extra = {"replan": answer} if answer is not None else {}
    from optimizer.cli import cli_language

    path = write_report(render_report(problem, solution, title=title, road=road, language=cli_language(), **extra), args.output)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from optimizer.io import export_solution

    solution, answer = load_plan(args.solution)
    problem = problem_of(args, args.problem, "--problem", required=False)
    if problem is None and answer is not None:
        problem = answer.problem
    output = args.output or str(Path(args.solution).with_suffix("." + args.format))
    if Path(output).suffix.lower().lstrip(".") != args.format:
        print(f"error: --format {args.format} but the output file is {output}", file=sys.stderr)
        return 2
    done = answer.state.completed if answer is not None and answer.state is not None else None
    path = export_solution(solution, output, problem, done)
    n_stops = sum(len(r.stops) for r in solution.routes)
    done = sum(1 for u in solution.unassigned if u.code == "completed")
    print(f"wrote {path}: {n_stops} stops, {len(solution.unassigned) - done} unassigned" + (f", {done} done before now" if done else ""))
    return 0


def _workers(value: str) -> Optional[int]:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("workers must be >= 1")
    return n


def register(sub: argparse._SubParsersAction) -> None:
    w = sub.add_parser("whatif", help="solve a scenario's base and variants in parallel; print the KPI comparison; write the report")
    w.add_argument("scenario", help="scenario file (.yaml or .json); see docs/spreadsheets.md")
    w.add_argument("-o", "--output", default="out/whatif", help="output folder (default out/whatif)")
    w.add_argument("--workers", type=_workers, default=None,
                   help="parallel solver processes (default $DISPATCH_WHATIF_WORKERS or the CPU count)")
    w.add_argument("--time-limit", type=float, help="override time_limit_s of every run (seconds)")
    w.add_argument("--no-progress", action="store_true", help="no progress bar")
    from optimizer.cli.errors import RAY_ADDRESS_HELP

    w.add_argument("--ray-address", metavar="HOST:PORT", help=RAY_ADDRESS_HELP)
    add_spreadsheet_options(w)
    w.set_defaults(func=cmd_whatif)

    r = sub.add_parser("report", help="write the offline HTML report (map, Gantt, KPIs) of a solution")
    r.add_argument("solution", help="SOLUTION.json, or a re-plan answer (dispatch replan --answer-out)")
    r.add_argument("--problem", help="the PROBLEM.json it solves (or --technicians/--jobs; not needed for a re-plan answer)")
    add_spreadsheet_options(r)
    r.add_argument("-o", "--output", default="report.html", help="HTML file (default report.html)")
    r.add_argument("--title", help="page title")
    r.add_argument("--map", choices=["auto", "road", "straight"], default="auto",
                   help="road network basemap and legs (auto: when the solution used the road matrix)")
    r.set_defaults(func=cmd_report)

    e = sub.add_parser("export", help="write a solution as one row per stop (CSV or XLSX)")
    e.add_argument("solution", help="SOLUTION.json, or a re-plan answer")
    e.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    e.add_argument("-o", "--output", help="output file (default: SOLUTION with the format's suffix)")
    e.add_argument("--problem", help="PROBLEM.json, to add job location, priority, deadline and skills (or --technicians/--jobs)")
    add_spreadsheet_options(e)
    e.set_defaults(func=cmd_export)
