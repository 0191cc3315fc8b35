"""One VRPTW benchmark run end to end: instances -> runs -> printed tables, CSV, PNG, markdown."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from benchmarks.machine import machine_header
from benchmarks.vrptw.instance import read_bks
from benchmarks.vrptw.report import class_averages, instance_table, to_markdown, to_text, write_csv, write_plot
from benchmarks.vrptw.runner import Record, run_suite
from benchmarks.vrptw.suites import SUITES, instance_paths


@dataclass
class BenchOutput:
    records: list[Record]
    csv_path: Path
    png_path: Path
    md_path: Path


def run_vrptw_bench(
    suite: str,
    instances_dir: Path,
    engines: list[str],
    time_limit_s: float,
    out_dir: Path,
    jobs: int = 1,
    name_filter: Optional[str] = None,
    seed: int = 0,
    progress: bool = True,
    echo=print,
) -> BenchOutput:
    folder = Path(instances_dir) / SUITES[suite].folder
    paths = instance_paths(instances_dir, suite, name_filter)
    if not paths:
        raise FileNotFoundError(f"no {suite} instances in {folder}" + (f" matching {name_filter!r}" if name_filter else ""))
    bks = read_bks(folder, "distance")
    records = run_suite(suite, paths, engines, time_limit_s, bks, jobs=jobs, seed=seed, progress=progress)
    inst_rows = instance_table(records, engines)
    avg_rows = class_averages(records, engines)
    echo(to_text(inst_rows))
    echo("")
    echo("Class averages (gap % to the distance-only best-known solution, DIMACS convention):")
    echo(to_text(avg_rows))
    errors = [r for r in records if r.error]
    for r in errors:
        echo(f"error: {r.instance} {r.engine}: {r.error.splitlines()[0]}")

    out_dir.mkdir(parents=True, exist_ok=True)
    stem = suite + (f"-{name_filter.replace(',', '_')}" if name_filter else "")
    csv_path, png_path, md_path = out_dir / f"{stem}.csv", out_dir / f"{stem}.png", out_dir / f"{stem}.md"
    write_csv(records, csv_path)
    write_plot(records, engines, png_path, f"{suite}: gap to BKS at {time_limit_s:g} s per instance")
    header = machine_header({
        "suite": f"{suite} ({len(paths)} instances{', filter ' + name_filter if name_filter else ''}) from {folder}",
        "time limit": f"{time_limit_s:g} s per instance per engine, {jobs} instance(s) in parallel, every engine single-threaded",
        "objective": "total distance, DIMACS convention (Euclidean truncated to 0.1, = travel time), fleet as in the file",
        "engines": ", ".join(engines),
    })
    notes = []
    unvalidated = sum(1 for r in records if r.valid is None)
    if unvalidated:
        notes.append(f"- {unvalidated} run(s) could not be validated (validator not available).")
    for r in errors:
        notes.append(f"- error: {r.instance} / {r.engine}: {r.error.splitlines()[0]}")
    invalid = [r for r in records if r.valid is False and not r.error]
    for r in invalid:
        notes.append(f"- invalid: {r.instance} / {r.engine}: {r.violations} violation(s) {r.violation}")
    md = "\n\n".join([
        f"# {suite}: VRPTW benchmark",
        header,
        "Gap = 100 x (cost - BKS) / BKS against the distance-only best-known solution; a gap is only "
        "given for answers that serve every customer. 'valid' = our independent validator "
        "(optimizer.validate) found no violation on the answer converted to our Solution model, and "
        "every customer is served. Seconds are wall-clock time of the engine call.",
        "## Class averages",
        to_markdown(avg_rows),
        f"![gap per class]({png_path.name})",
        "## Per instance",
        to_markdown(inst_rows),
        "## Notes",
        "\n".join(notes) if notes else "- every run returned an answer",
    ]) + "\n"
    md_path.write_text(md)
    echo(f"wrote {csv_path}, {png_path}, {md_path}")
    return BenchOutput(records, csv_path, png_path, md_path)
