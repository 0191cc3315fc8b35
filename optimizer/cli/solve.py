"""``dispatch optimize``, ``dispatch validate`` and ``dispatch demo``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional

from pydantic import ValidationError

from optimizer.models import Problem, Solution
from optimizer.paths import DEMO_PROBLEM


def format_validation_error(exc: ValidationError, source: str) -> str:
    """One line per error: ``source: path.to.field: message``."""
    lines = []
    from optimizer.cli.errors import validation_lines

    lines = validation_lines(exc, source)
    return "\n".join(lines)


def load_problem(path: str) -> Problem:
    """Read a Problem from JSON; raises SystemExit(2) with field-level messages on bad input
    (a missing file, an .xlsx or non-UTF-8 file, invalid JSON, a bad field)."""
    from optimizer.cli.errors import InputError, read_text

    try:
        text = read_text(path, "JSON")
    except InputError as exc:
        raise SystemExit(f"error: {exc}")
    try:
        return Problem.model_validate_json(text)
    except ValidationError as exc:
        print(format_validation_error(exc, path), file=sys.stderr)
        raise SystemExit(2)


def load_solution(path: str) -> Solution:
    from optimizer.cli.errors import InputError, read_text

    try:
        return Solution.model_validate_json(read_text(path, "JSON"))
    except InputError as exc:
        raise SystemExit(f"error: {exc}")
    except ValidationError as exc:
        print(format_validation_error(exc, path), file=sys.stderr)
        raise SystemExit(2)


def summary_language(problem: Problem, language: Optional[str] = None) -> str:
    """``language``, else ``--lang``, else the problem's ``options.language``."""
    from optimizer.cli import cli_language

    return language or cli_language() or problem.options.language


def late_lines(problem: Problem, solution: Solution, language: Optional[str] = None) -> list[str]:
    """Each SLA breach of ``solution``: job, technician, minutes late, priority, end and deadline;
    latest first. Empty when every deadline is met. In ``language`` (see :func:`summary_language`)."""
    from optimizer.i18n import Msg, pad, translate

    language = summary_language(problem, language)
    jobs = {j.id: j for j in problem.jobs}
    late = [(s.lateness_s, s.job_id, r.technician_id, s) for r in solution.routes for s in r.stops
            if s.sla_met is False and s.job_id in jobs and jobs[s.job_id].sla_deadline is not None]
    if not late:
        return []
    late.sort(key=lambda x: (-x[0], x[1]))
    lines = [translate(Msg("late jobs ({count}):", count=len(late)), language)]
    for lateness_s, jid, tid, stop in late:
        job = jobs[jid]
        lines.append("  " + translate(Msg("{job} {tech} {minutes} min late  ({priority}; ended {end}, due {due})", job=pad(jid, 10),
                                          tech=pad(tid, 8), minutes=f"{lateness_s / 60.0:>5.0f}", priority=Msg(job.priority.value),
                                          end=f"{stop.end:%H:%M}", due=f"{job.sla_deadline:%H:%M}"), language))
    return lines


def summary_table(problem: Problem, solution: Solution, language: Optional[str] = None) -> str:
    """A readable plan summary: one line per technician, then unassigned jobs, late jobs and KPIs
    (money and service too), in ``language`` (see :func:`summary_language`)."""
    from optimizer.i18n import Msg, gettext, pad, translate
    from optimizer.kpi_text import kpi_lines

    language = summary_language(problem, language)

    def _(text: str) -> str:
        return gettext(text, language)

    lines = []
    shifts = {t.id: t for t in problem.technicians}
    lines.append(pad(_("technician"), 12) + pad(_("jobs"), 5, False) + pad(_("start"), 7, False) + pad(_("end"), 7, False)
                 + pad(_("travel"), 9, False) + pad(_("work"), 8, False) + pad(_("breaks"), 8, False) + "  " + _("first stops"))
    for route in solution.routes:
        name = route.technician_id + (f" {route.day:%m-%d}" if route.day is not None else "")
        if not route.stops:
            tech = shifts[route.technician_id]
            shift = tech.work_shifts()[min(route.shift_index or 0, len(tech.work_shifts()) - 1)]
            idle = translate(Msg("(idle, shift {start}-{end})", start=f"{shift.start:%H:%M}", end=f"{shift.end:%H:%M}"), language)
            lines.append(f"{name:<12}{0:>5}{'-':>7}{'-':>7}{'-':>9}{'-':>8}{'-':>8}  {idle}")
            continue
        first = ", ".join(f"{s.job_id}@{s.start:%H:%M}" for s in route.stops[:4])
        more = " ..." if len(route.stops) > 4 else ""
        start, end = f"{route.start:%H:%M}", f"{route.end:%H:%M}"
        lines.append(
            f"{name:<12}{len(route.stops):>5}{start:>7}{end:>7}"
            f"{route.travel_time_s / 60:>8.1f}m{route.work_time_s / 3600:>7.1f}h{len(route.breaks):>8}  {first}{more}"
        )
    open_items = [u for u in solution.unassigned if u.code != "completed"]
    if open_items:
        lines.append("")
        lines.append(translate(Msg("unassigned ({count}):", count=len(open_items)), language))
        for u in open_items:
            lines.append(f"  {u.job_id:<10} {u.reason}")
    done = len(solution.unassigned) - len(open_items)
    if done:
        lines.append(translate(Msg("done before now (not planned again): {count} job(s)", count=done), language))
    late = late_lines(problem, solution, language)
    if late:
        lines.append("")
        lines.extend(late)
    k = solution.kpis
    if k is not None:
        lines.append("")
        sla = _("n/a") if k.sla_met_pct is None else f"{k.sla_met_pct:.1f}%"
        breaches = [Msg("{priority} {count}", priority=Msg(p), count=n) for p, n in k.sla_breaches.items() if n]
        lines.append(translate(Msg(
            "jobs {assigned}/{total} assigned | SLA met {sla} (breaches: {breaches}) | travel {hours} h, {km} km | "
            "utilisation {utilisation}% | workload sd {sd} min | technicians used {used}/{technicians}",
            assigned=k.jobs_assigned, total=k.jobs_total, sla=sla, breaches=breaches or Msg("none"),
            hours=f"{k.travel_time_s / 3600:.2f}", km=f"{k.distance_m / 1000:.1f}", utilisation=f"{k.utilization_pct:.1f}",
            sd=f"{k.workload_stddev_min:.1f}", used=k.technicians_used, technicians=k.technicians_total), language))
        lines.extend(kpi_lines(k, language))
    if solution.solver is not None:
        s = solution.solver
        parts = []
        if s.search_time_s is not None:
            parts.append(Msg("search {seconds} s", seconds=f"{s.search_time_s:.2f}"))
            if s.iterations:
                parts.append(Msg("iterations {count}", count=s.iterations))
            if s.compile_time_s:
                parts.append(Msg("compile {seconds} s", seconds=f"{s.compile_time_s:.2f}"))
        search = f" ({gettext(', ', language).join(translate(p, language) for p in parts)})" if parts else ""
        lines.append(translate(Msg("engine {engine} | status {status} | {wall} s{search} | objective {objective} | matrix {matrix} ({matrix_s} s)",
                                   engine=s.engine, status=s.status, wall=f"{s.wall_time_s:.2f}", search=search, objective=s.objective,
                                   matrix=s.matrix_source, matrix_s=s.matrix_time_s), language))
    return "\n".join(lines)


def _write_solution(solution: Solution, output: Optional[str]) -> None:
    text = solution.model_dump_json(indent=2)
    if output:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(text + "\n")
    else:
        sys.stdout.write(text + "\n")


def _apply_overrides(problem: Problem, args: argparse.Namespace) -> Problem:
    from optimizer.cli.errors import use_ray_address

    use_ray_address(getattr(args, "ray_address", None))
    updates = {}
    if getattr(args, "time_limit", None) is not None:
        updates["time_limit_s"] = args.time_limit
    if getattr(args, "matrix", None) is not None:
        updates["matrix"] = args.matrix
    if getattr(args, "region", None) is not None:
        updates["region"] = args.region
    if getattr(args, "max_iterations", None) is not None:
        updates["max_iterations"] = args.max_iterations
    from optimizer.cli import cli_language

    if cli_language() is not None:
        updates["language"] = cli_language()
    if updates:
        data = problem.model_dump(mode="json", exclude_none=True)
        data["options"].update(updates)
        try:
            problem = Problem.model_validate(data)
        except ValidationError as exc:
            print(format_validation_error(exc, "options"), file=sys.stderr)
            raise SystemExit(2)
    return problem


def solve_or_exit(problem: Problem, source: str, progress=None) -> Solution:
    """:func:`optimizer.solve.solve`; input the library refuses (a location outside the road
    region, a missing or corrupt region file, an unknown engine) exits 2 with one line naming
    ``source`` and the field. ``progress``: a :class:`optimizer.cli.progress.StderrProgress`."""
    from optimizer.cli.errors import describe, is_input_error
    from optimizer.solve import solve

    try:
        return solve(problem, progress=progress)
    except Exception as exc:  # noqa: BLE001
        if not is_input_error(exc):
            raise
        raise SystemExit(f"error: {describe(exc, source)}")
    finally:
        if progress is not None:
            progress.close()


def _solve_and_report(problem: Problem, output: Optional[str], summary: bool, source: str = "problem", progress=None) -> int:
    solution = solve_or_exit(problem, source, progress)
    _write_solution(solution, output)
    if summary or output:
        print(summary_table(problem, solution), file=sys.stderr if not output else sys.stdout)
    return 0


def cmd_optimize(args: argparse.Namespace) -> int:
    from optimizer.cli.inputs import problem_of

    problem = problem_of(args, args.problem, "PROBLEM")
    assert problem is not None
    problem = _apply_overrides(problem, args)
    if args.problem_out:
        from optimizer.cli.inputs import write_problem

        write_problem(problem, args.problem_out)
    source = args.problem or f"{args.technicians} + {args.jobs}"
    from optimizer.cli.progress import progress_for

    return _solve_and_report(problem, args.output, args.summary, source, progress_for(args))


def cmd_validate(args: argparse.Namespace) -> int:
    from optimizer.cli.inputs import has_spreadsheets, problem_of
    from optimizer.cli.planning import load_plan
    from optimizer.validate import validate

    files = list(args.files)
    problem_path = None if has_spreadsheets(args) else (files.pop(0) if len(files) > 1 else None)
    if len(files) != 1:
        raise SystemExit("error: give PROBLEM.json SOLUTION.json, or --technicians FILE --jobs FILE SOLUTION.json")
    solution, answer = load_plan(files[0])
    problem = problem_of(args, problem_path, "PROBLEM", required=answer is None)
    if problem is None:
        assert answer is not None
        problem = answer.problem
    violations = validate(problem, solution)
    if not violations:
        print(f"valid: {sum(len(r.stops) for r in solution.routes)} stops on {len(solution.routes)} routes, {len(solution.unassigned)} unassigned; no violations")
        return 0
    for v in violations:
        who = v.job_id or v.technician_id or "-"
        print(f"{v.rule:<16} {who:<10} {v.message}")
    print(f"{len(violations)} violation(s)", file=sys.stderr)
    return 1


def cmd_demo(args: argparse.Namespace) -> int:
    from optimizer.validate import validate

    problem = _apply_overrides(load_problem(str(DEMO_PROBLEM)), args)

    print(f"demo: {len(problem.technicians)} technicians, {len(problem.jobs)} jobs in central Helsinki "
          f"(time limit {problem.options.time_limit_s:g} s)")
    solution = solve_or_exit(problem, DEMO_PROBLEM.name)
    _write_solution(solution, args.output)
    print(summary_table(problem, solution))
    violations = validate(problem, solution)
    print(f"\nwrote {args.output}; independent validator: "
          + ("no violations" if not violations else f"{len(violations)} VIOLATIONS"))
    for v in violations[:20]:
        print(f"  {v.rule}: {v.message}")
    return 0 if not violations else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("optimize", help="solve a problem (JSON, or spreadsheets) and print/write the solution")
    p.add_argument("problem", nargs="?", help="PROBLEM.json")
    p.add_argument("-o", "--output", help="write the solution JSON here (default: stdout)")
    p.add_argument("--summary", action="store_true", help="print a readable summary table to stderr")
    p.add_argument("--technicians", help="technicians spreadsheet (.csv or .xlsx); see docs/spreadsheets.md")
    p.add_argument("--jobs", help="jobs spreadsheet (.csv or .xlsx)")
    p.add_argument("--encoding", help="text encoding of CSV spreadsheets (default: UTF-8, else GB18030 "
                   "when the file reads as Chinese, as Chinese Excel writes it), e.g. gb18030, cp1252")
    p.add_argument("--problem-out", metavar="FILE", help="also write the problem that was read (e.g. from the spreadsheets), "
                   "with the command line's overrides, as JSON here: the PROBLEM of report, validate, export, replan")
    _common(p)
    p.set_defaults(func=cmd_optimize)

    v = sub.add_parser("validate", help="check a solution against a problem; exit 1 on any violation",
                       usage="dispatch validate (PROBLEM | --technicians FILE --jobs FILE) SOLUTION, or dispatch validate ANSWER")
    v.add_argument("files", nargs="+", metavar="FILE",
                   help="the problem JSON (or --technicians/--jobs; or none for a re-plan answer, which holds its problem) and the solution")
    from optimizer.cli.inputs import add_spreadsheet_options

    add_spreadsheet_options(v)
    v.set_defaults(func=cmd_validate)

    d = sub.add_parser("demo", help="solve the bundled Helsinki demo problem and print the plan")
    d.add_argument("-o", "--output", default="out/demo_solution.json")
    _common(d)
    d.set_defaults(func=cmd_demo)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--time-limit", type=float, help="override options.time_limit_s (seconds)")
    p.add_argument("--matrix", choices=["road", "haversine", "explicit"], help="override options.matrix")
    p.add_argument("--region", help="OSM extract for the road matrix (override options.region)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr while solving")
    from optimizer.cli.errors import RAY_ADDRESS_HELP

    p.add_argument("--ray-address", metavar="HOST:PORT", help=RAY_ADDRESS_HELP)
    p.add_argument("--max-iterations", type=int, help="override options.max_iterations (stop the search after this many "
                   "iterations: deterministic runs)")
