"""Mutation testing of the modules every answer stands on: do the tests catch a wrong rule?

Each mutant is one small change to one module (a comparison flipped, an operator swapped, a
constant moved by one, ``and``/``or`` exchanged, or one of the *named* mutations below: the
deliberate rule breaks listed in issue 14). The module's fast test set runs against it; the
mutant is *killed* when a test fails (or the run times out) and *survives* when all pass.

Mutants are built on a copy of the committed tree (``git archive HEAD``) in ``--workdir``, never
in the working tree, so other work on the repository is not disturbed. Random mutants are a
seeded sample (``--sample`` per module) of every mutation site, because running the test set for
each of the ~280 sites (30-90 s each) would take hours on two cores; the kill rate of a sample of n has a
95 % margin of about ``1.96 * sqrt(p (1 - p) / n)``, printed with it.

    .venv/bin/python scripts/mutation_check.py --sample 20 --seed 0
    .venv/bin/python scripts/mutation_check.py --named-only

Prints one row per module (mutants, killed, survived, kill rate) and every survivor with its
line, so each can be read: an equivalent mutant, or a missing test.
"""

from __future__ import annotations

import argparse
import ast
import math
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Module -> the tests that should catch a wrong rule in it (fast: seconds to a minute).
MODULES: dict[str, list[str]] = {
    "optimizer/solvers/costs.py": ["tests/solvers/test_behaviour.py", "tests/solvers/test_oracle_optimum.py"],
    "optimizer/solvers/objective.py": ["tests/solvers/test_behaviour.py", "tests/solvers/test_oracle_optimum.py"],
    "optimizer/solvers/schedule.py": [
        "tests/solvers/test_schedule.py",
        "tests/solvers/test_behaviour.py",
        "tests/solvers/test_oracle_optimum.py",
    ],
    "optimizer/validate.py": ["tests/test_validate.py", "tests/test_oracle.py"],
    "optimizer/geo/matrix.py": ["tests/solvers/test_behaviour.py", "tests/geo/test_road.py", "tests/test_validate.py"],
    "optimizer/geo/types.py": ["tests/solvers/test_behaviour.py", "tests/geo/test_road.py", "tests/test_validate.py"],
}


@dataclass(frozen=True)
class Named:
    """A deliberate rule break: ``old`` must occur exactly once in each of ``files``."""

    name: str
    edits: tuple[tuple[str, str, str], ...]  # (file, old, new)
    tests: tuple[str, ...]


NAMED = [
    Named(
        "speed_factor ignored by the matrix",
        (("optimizer/geo/matrix.py", "return matrix.scaled(problem.options.speed_factor), points", "return matrix, points"),),
        ("tests/solvers/test_behaviour.py", "tests/test_validate.py"),
    ),
    Named(
        "workload-balance weight 0",
        (("optimizer/solvers/costs.py", "balance = int(round(w.workload_balance_per_s * COST_SCALE))", "balance = 0"),),
        ("tests/solvers/test_behaviour.py",),
    ),
    Named(
        "never a break while driving (Python scheduler: ortools engine, plan rendering)",
        (("optimizer/solvers/schedule.py", "elif b.earliest_s <= clock + remaining:", "elif False:"),),
        ("tests/solvers/test_behaviour.py", "tests/solvers/test_oracle_optimum.py"),
    ),
    Named(
        "never a break while driving (native engine's timing kernel)",
        (("optimizer/solvers/native/timing.py", "elif lo <= clock + remaining:", "elif False:"),),
        ("tests/solvers/test_behaviour.py", "tests/solvers/test_oracle_optimum.py", "tests/solvers/native/test_timing.py"),
    ),
    Named(
        "the same SLA weight for every priority",
        (
            (
                "optimizer/solvers/costs.py",
                "sla = {p: int(round(v * scale / 60.0)) for p, v in w.sla_lateness_per_min.items()}",
                "sla = {p: int(round(max(w.sla_lateness_per_min.values()) * scale / 60.0)) for p in w.sla_lateness_per_min}",
            ),
        ),
        ("tests/solvers/test_behaviour.py", "tests/solvers/test_oracle_optimum.py"),
    ),
]

_CMP_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}
_BIN_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv, ast.FloorDiv: ast.Mult, ast.Div: ast.Mult}


@dataclass(frozen=True)
class Site:
    """One mutation site: the ``index``-th node (in ``ast.walk`` order) and what to do to it."""

    index: int
    kind: str
    line: int
    text: str


def _docstring_nodes(tree: ast.AST) -> set[int]:
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))
    return skip


def find_sites(source: str) -> list[Site]:
    """Every place a mutation operator applies, in a stable order."""
    tree = ast.parse(source)
    skip = _docstring_nodes(tree)
    sites = []
    for i, node in enumerate(ast.walk(tree)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Compare) and type(node.ops[0]) in _CMP_SWAP:
            sites.append(Site(i, "compare", line, ast.unparse(node)))
        elif isinstance(node, ast.BinOp) and type(node.op) in _BIN_SWAP:
            sites.append(Site(i, "binop", line, ast.unparse(node)))
        elif isinstance(node, ast.BoolOp):
            sites.append(Site(i, "boolop", line, ast.unparse(node)))
        elif (
            isinstance(node, ast.Constant)
            and id(node) not in skip
            and type(node.value) in (int, float)
            and not isinstance(node.value, bool)
        ):
            sites.append(Site(i, "constant", line, repr(node.value)))
    return sites


def mutate(source: str, site: Site) -> str:
    """``source`` with ``site`` mutated (the module is re-printed by ``ast.unparse``)."""
    tree = ast.parse(source)
    node = list(ast.walk(tree))[site.index]
    if isinstance(node, ast.Compare):
        node.ops[0] = _CMP_SWAP[type(node.ops[0])]()
    elif isinstance(node, ast.BinOp):
        node.op = _BIN_SWAP[type(node.op)]()
    elif isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif isinstance(node, ast.Constant):
        node.value = node.value + 1
    else:  # pragma: no cover - find_sites only yields the kinds above
        raise ValueError(site)
    return ast.unparse(tree)


def run_tests(work: Path, tests: list[str] | tuple[str, ...], timeout_s: float) -> tuple[bool, float]:
    """(passed, seconds) of the tests on the copy in ``work``."""
    env = dict(os.environ, PYTHONPATH=str(work), PYTHONDONTWRITEBYTECODE="1")
    env.setdefault("DISPATCH_SHARED_DIR", str((ROOT.parent / "shared").resolve()))
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *tests]
    t0 = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return False, time.monotonic() - t0
    return proc.returncode == 0, time.monotonic() - t0


def prepare_copy(work: Path) -> None:
    """A fresh copy of the committed tree in ``work`` with the native kernels compiled there."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(work)], input=archive, check=True)
    env = dict(os.environ, PYTHONPATH=str(work))
    subprocess.run([sys.executable, "-m", "optimizer.solvers.native.warmup"], cwd=work, env=env, check=True)


def margin(p: float, n: int) -> float:
    return 1.96 * math.sqrt(p * (1 - p) / n) if n else 0.0


def _warm(work: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(work))
    subprocess.run([sys.executable, "-m", "optimizer.solvers.native.warmup"], cwd=work, env=env, check=True)


def run_named(work: Path) -> tuple[list[tuple[str, int, int]], list[str]]:
    """Apply each named rule break alone and run its tests: (rows, survivors)."""
    rows: list[tuple[str, int, int]] = []
    survivors: list[str] = []
    for named in NAMED:
        originals: dict[str, str] = {}
        for file, old, new in named.edits:
            path = work / file
            originals.setdefault(file, path.read_text())
            if path.read_text().count(old) != 1:
                raise SystemExit(f"named mutation {named.name!r}: {old!r} does not occur once in {file}")
            path.write_text(path.read_text().replace(old, new))
        native = any(f.startswith("optimizer/solvers/native/") for f, _, _ in named.edits)
        if native:
            _warm(work)
        passed, secs = run_tests(work, named.tests, timeout_s=900)
        for file, text in originals.items():
            (work / file).write_text(text)
        if native:
            _warm(work)
        print(f"named  {'SURVIVED' if passed else 'killed  '}  {named.name}  ({secs:.0f} s)", flush=True)
        rows.append(("named rule breaks", 0 if passed else 1, 1))
        if passed:
            survivors.append(f"named: {named.name}")
    return rows, survivors


def run_random(work: Path, modules: list[str], sample: int, seed: int) -> tuple[list[tuple[str, int, int]], list[str]]:
    """A seeded sample of ``sample`` random mutants per module: (rows, survivors)."""
    rng = random.Random(seed)
    rows: list[tuple[str, int, int]] = []
    survivors: list[str] = []
    for module in modules:
        tests = MODULES[module]
        path = work / module
        source = path.read_text()
        ok, base_s = run_tests(work, tests, timeout_s=900)
        if not ok:
            raise SystemExit(f"the tests of {module} fail without any mutation; fix them first")
        sites = find_sites(source)
        chosen = sorted(rng.sample(sites, min(sample, len(sites))), key=lambda s: s.index)
        killed = 0
        for site in chosen:
            path.write_text(mutate(source, site))
            passed, _ = run_tests(work, tests, timeout_s=max(60.0, 3 * base_s))
            path.write_text(source)
            killed += not passed
            if passed:
                survivors.append(f"{module}:{site.line} {site.kind} `{site.text[:80]}`")
        rows.append((module, killed, len(chosen)))
        print(f"{module}: {killed}/{len(chosen)} killed of {len(sites)} sites (tests {base_s:.0f} s)", flush=True)
    return rows, survivors


def print_table(rows: list[tuple[str, int, int]], survivors: list[str]) -> None:
    print("\n| module | mutants | killed | survived | kill rate |\n|---|---|---|---|---|")
    merged: dict[str, list[int]] = {}
    for name, k, n in rows:
        acc = merged.setdefault(name, [0, 0])
        acc[0] += k
        acc[1] += n
    for name, (k, n) in merged.items():
        p = k / n if n else 0.0
        print(f"| {name} | {n} | {k} | {n - k} | {100 * p:.0f} % +- {100 * margin(p, n):.0f} |")
    total_k = sum(k for k, _ in merged.values())
    total_n = sum(n for _, n in merged.values())
    p = total_k / total_n if total_n else 0.0
    print(f"| all | {total_n} | {total_k} | {total_n - total_k} | {100 * p:.0f} % +- {100 * margin(p, total_n):.0f} |")
    if survivors:
        print("\nsurvivors:")
        for s in survivors:
            print("  " + s)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--sample", type=int, default=20, help="random mutants per module (default 20)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--module", action="append", choices=list(MODULES), help="only this module (repeatable); default all")
    ap.add_argument("--named-only", action="store_true", help="only the named rule breaks")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/dispatch-mutants"))
    args = ap.parse_args(argv)

    work = args.workdir.resolve()
    print(f"copy of HEAD in {work} (compiling the native kernels there once)", flush=True)
    prepare_copy(work)
    rows, survivors = run_named(work)
    if not args.named_only:
        more_rows, more_survivors = run_random(work, args.module or list(MODULES), args.sample, args.seed)
        rows += more_rows
        survivors += more_survivors
    print_table(rows, survivors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
