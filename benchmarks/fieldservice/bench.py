"""The field-service suite: generated Milan problems (S/M/L), every engine on the same matrix,
answers validated and measured with our KPIs."""

from __future__ import annotations

import os
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Optional

from benchmarks.fieldservice.generator import SIZES, default_region, generate, road_available

DEFAULT_TIME_LIMITS = {"S": 10.0, "M": 30.0, "L": 60.0, "XL": 300.0}
PRIORITY_KEYS = ("urgent", "high", "normal", "low")


@dataclass
class FsRecord:
    size: str
    technicians: int
    jobs: int
    matrix: str
    engine: str
    time_limit_s: float
    served: Optional[int]
    unserved_by_priority: str
    sla_breaches: str
    """Breaches by priority urgent/high/normal/low."""
    travel_time_h: Optional[float]
    workload_stddev_min: Optional[float]
    seconds: float
    valid: Optional[bool]
    violations: int
    violation_rules: str
    not_expressed: str
    status: str
    error: str = ""


def _fmt_prio(table: dict) -> str:
    return "/".join(str(table.get(k, 0)) for k in PRIORITY_KEYS)


def run_fs_one(problem, matrix, points, engine: str, time_limit_s: float, size: str, seed: int = 0) -> FsRecord:
    """One engine on one generated problem. Never raises."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from benchmarks.fieldservice.engines import NOT_EXPRESSED, get_fs_solver
    from benchmarks.validation import check
    from optimizer.solve import prepare

    base = dict(size=size, technicians=len(problem.technicians), jobs=len(problem.jobs), matrix=matrix.source,
                engine=engine, time_limit_s=time_limit_s, not_expressed=NOT_EXPRESSED.get(engine, "?"))
    t0 = time.perf_counter()
    try:
        cp = prepare(problem, matrix, points)
        run = get_fs_solver(engine)(problem, cp, time_limit_s, seed)
        verdict = check(problem, run.solution, matrix=matrix, points=points)
        from optimizer.kpis import compute_kpis

        k = compute_kpis(problem, run.solution)
        return FsRecord(**base, served=k.jobs_assigned, unserved_by_priority=_fmt_prio(k.unassigned_by_priority),
                        sla_breaches=_fmt_prio(k.sla_breaches), travel_time_h=round(k.travel_time_s / 3600, 2),
                        workload_stddev_min=round(k.workload_stddev_min, 1), seconds=round(run.wall_time_s, 1),
                        valid=verdict.valid, violations=verdict.violations, violation_rules=verdict.rules or verdict.first,
                        status=run.status)
    except Exception as exc:
        return FsRecord(**base, served=None, unserved_by_priority="-", sla_breaches="-", travel_time_h=None,
                        workload_stddev_min=None, seconds=round(time.perf_counter() - t0, 1), valid=False, violations=0,
                        violation_rules="", status="error",
                        error=f"{type(exc).__name__}: {exc}"[:300] + " | " + traceback.format_exc(limit=4)[-500:].replace("\n", " "))


def _problem_and_matrix(size: str, seed: int, time_limit_s: float, matrix: str):
    from optimizer.geo.matrix import build_problem_matrix

    source = matrix
    if source == "auto":
        source = "road" if road_available() else "haversine"
    region = str(default_region()) if source == "road" else None
    problem = generate(size, seed, time_limit_s, matrix=source, region=region)
    t0 = time.perf_counter()
    try:
        tm, points = build_problem_matrix(problem)
    except Exception as exc:
        if matrix != "auto" or source != "road":
            raise
        # auto: the road source failed (e.g. region missing); fall back to haversine, say so.
        problem = generate(size, seed, time_limit_s, matrix="haversine")
        tm, points = build_problem_matrix(problem)
        tm.warnings.append(f"road matrix failed ({type(exc).__name__}: {exc}); haversine used")
    return problem, tm, points, time.perf_counter() - t0


def table_rows(records: list[FsRecord]) -> list[list[str]]:
    header = ["size", "engine", "served", "unserved u/h/n/l", "SLA breaches u/h/n/l", "travel h",
              "workload sd min", "s", "valid", "violations", "could not express"]
    rows = [header]
    for r in records:
        valid = "n/a" if r.valid is None else ("yes" if r.valid else "NO")
        rows.append([f"{r.size} {r.technicians}x{r.jobs}", r.engine, "-" if r.served is None else str(r.served),
                     r.unserved_by_priority, r.sla_breaches, "-" if r.travel_time_h is None else f"{r.travel_time_h:.1f}",
                     "-" if r.workload_stddev_min is None else f"{r.workload_stddev_min:.1f}", f"{r.seconds:.1f}", valid,
                     f"{r.violations} {r.violation_rules}".strip() if r.violations else ("error" if r.error else "0"),
                     r.not_expressed])
    return rows


def run_fieldservice_bench(sizes: list[str], engines: list[str], time_limit_s: Optional[float], out_dir: Path,
                           jobs: int = 1, seed: int = 0, matrix: str = "auto", progress: bool = True, echo=print):
    from tqdm import tqdm

    from benchmarks.machine import machine_header
    from benchmarks.vrptw.report import to_markdown, to_text

    records: list[FsRecord] = []
    matrix_notes = []
    bar = tqdm(total=len(sizes) * len(engines), desc="fieldservice", unit="run", disable=not progress)
    for size in sizes:
        if size not in SIZES:
            raise ValueError(f"unknown size {size!r}; choose from {', '.join(SIZES)}")
        tl = time_limit_s if time_limit_s is not None else DEFAULT_TIME_LIMITS[size]
        problem, tm, points, build_s = _problem_and_matrix(size, seed, tl, matrix)
        matrix_notes.append(f"- {size}: {tm.source} matrix over {tm.size} points built in {build_s:.1f} s (not part of any engine's time)"
                            + (f"; {len(tm.warnings)} warning(s), first: {tm.warnings[0]}" if tm.warnings else ""))
        tasks = [(problem, tm, points, e, tl, size, seed) for e in engines]
        if jobs <= 1:
            for task in tasks:
                records.append(run_fs_one(*task))
                bar.update(1)
        else:
            with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
                for fut in as_completed([pool.submit(run_fs_one, *t) for t in tasks]):
                    records.append(fut.result())
                    bar.update(1)
    bar.close()
    order = {e: i for i, e in enumerate(engines)}
    records.sort(key=lambda r: (list(SIZES).index(r.size), order[r.engine]))
    rows = table_rows(records)
    echo(to_text(rows))
    for r in records:
        if r.error:
            echo(f"error: {r.size} {r.engine}: {r.error}")
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = "fieldservice" + ("" if sizes == list(SIZES) else "-" + "_".join(sizes))
    import csv

    with (out_dir / f"{stem}.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(asdict(records[0]).keys()))
        writer.writeheader()
        for r in records:
            writer.writerow(asdict(r))
    limits = ", ".join(f"{s} {time_limit_s if time_limit_s is not None else DEFAULT_TIME_LIMITS[s]:g} s" for s in sizes)
    md = "\n\n".join([
        "# Field-service suite (generated, Milan)",
        machine_header({
            "instances": f"benchmarks/fieldservice/generator.py, seed {seed}, sizes {', '.join(sizes)} "
                         "(technicians x jobs: S 10x80, M 40x400, L 150x1500, XL 500x5000)",
            "time limit": f"{limits} per engine, every engine single-threaded, {jobs} engine run(s) in parallel",
            "objective": "ours: default weights (serve jobs by priority, SLA lateness, travel time, workload balance); "
                         "peers: travel time with priority-weighted drop penalties, constraints as listed",
        }),
        "Every answer is converted to our Solution model and checked by our validator (optimizer.validate); "
        "KPIs come from optimizer.kpis.compute_kpis. 'served' = jobs in routes; breaches and unserved are "
        "by priority urgent/high/normal/low; 'workload sd' = standard deviation of per-technician service + "
        "travel minutes. An answer that breaks a constraint its engine could not express is reported invalid.",
        to_markdown(rows),
        "## Matrices",
        "\n".join(matrix_notes),
        "## Errors",
        "\n".join(f"- {r.size} {r.engine}: {r.error}" for r in records if r.error) or "- none",
    ]) + "\n"
    (out_dir / f"{stem}.md").write_text(md)
    echo(f"wrote {out_dir / (stem + '.csv')}, {out_dir / (stem + '.md')}")
    return records
