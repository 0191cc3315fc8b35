"""Run VRPTW suites: every (instance, engine) pair in a worker process, answers converted to our
Solution and validated, results as records (one per pair)."""

from __future__ import annotations

import os
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Iterable, Optional

SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass
class Record:
    """One engine on one instance. ``cost`` in instance units (DIMACS, one decimal); ``gap_pct``
    against the distance-only BKS, only when every customer is served."""

    suite: str
    instance: str
    family: str
    customers: int
    engine: str
    time_limit_s: float
    bks: Optional[float]
    cost: Optional[float]
    gap_pct: Optional[float]
    vehicles: Optional[int]
    served: int
    seconds: float
    valid: Optional[bool]
    violations: int
    violation: str
    status: str
    error: str = ""


def run_one(suite: str, path: str, engine: str, time_limit_s: float, bks: Optional[float], seed: int = 0) -> Record:
    """Solve one instance with one engine, convert, validate. Never raises."""
    for key, value in SINGLE_THREAD_ENV.items():
        os.environ.setdefault(key, value)
    from benchmarks.validation import check
    from benchmarks.vrptw.engines import get_solver
    from benchmarks.vrptw.instance import read_instance
    from benchmarks.vrptw.mapping import routes_cost, routes_to_solution, to_problem

    inst = read_instance(path)
    base = dict(suite=suite, instance=inst.name, family=inst.family, customers=inst.n_customers,
                engine=engine, time_limit_s=time_limit_s, bks=bks)
    t0 = time.perf_counter()
    try:
        matrix = inst.dimacs_matrix()
        problem = to_problem(inst, time_limit_s, matrix, seed)
        solver = get_solver(engine)
        run = solver(inst, matrix, time_limit_s, seed, problem=problem) if engine.startswith("ours") else solver(inst, matrix, time_limit_s, seed)
        solution = run.solution if run.solution is not None else routes_to_solution(inst, run.routes, matrix)
        verdict = check(problem, solution)
        served = sum(len(r) for r in run.routes)
        distinct = len({c for r in run.routes for c in r})
        complete = served == distinct == inst.n_customers
        cost = routes_cost(run.routes, matrix) / 10 if run.routes else None
        gap = round(100 * (cost - bks) / bks, 3) if (complete and cost is not None and bks) else None
        valid = False if not complete else verdict.valid
        violation = verdict.first or ("" if complete else f"{inst.n_customers - distinct} customers unserved")
        return Record(**base, cost=cost, gap_pct=gap, vehicles=len([r for r in run.routes if r]) or None, served=distinct,
                      seconds=round(run.wall_time_s, 2), valid=valid, violations=verdict.violations,
                      violation=violation, status=run.status)
    except Exception as exc:  # an engine failure is a result, not a crash of the whole run
        return Record(**base, cost=None, gap_pct=None, vehicles=None, served=0,
                      seconds=round(time.perf_counter() - t0, 2), valid=False, violations=0,
                      violation="", status="error", error=f"{type(exc).__name__}: {exc}"[:300]
                      + "\n" + traceback.format_exc(limit=3)[-600:])


def run_suite(
    suite: str,
    paths: Iterable[Path],
    engines: list[str],
    time_limit_s: float,
    bks: dict,
    jobs: int = 1,
    seed: int = 0,
    progress: bool = True,
) -> list[Record]:
    """Every (instance, engine) pair; ``jobs`` worker processes (each engine single-threaded)."""
    from tqdm import tqdm

    tasks = [(suite, str(p), e, time_limit_s, (bks.get(p.stem.upper()).distance if bks.get(p.stem.upper()) else None), seed)
             for p in paths for e in engines]
    records: list[Record] = []
    bar = tqdm(total=len(tasks), desc=f"{suite} ({len(engines)} engines)", unit="run", disable=not progress)
    if jobs <= 1:
        for task in tasks:
            records.append(run_one(*task))
            bar.update(1)
    else:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(run_one, *task) for task in tasks]
            for fut in as_completed(futures):
                records.append(fut.result())
                bar.update(1)
    bar.close()
    return sort_records(records, engines)


def sort_records(records: list[Record], engines: list[str]) -> list[Record]:
    from benchmarks.vrptw.suites import _natural

    return sorted(records, key=lambda r: (_natural(Path(r.instance)), engines.index(r.engine) if r.engine in engines else 99))


def records_to_dicts(records: list[Record]) -> list[dict]:
    return [asdict(r) for r in records]
