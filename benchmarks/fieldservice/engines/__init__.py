"""Field-service engines: ``solve(problem, cp, time_limit_s, seed) -> FsRun``.

``cp`` is the compiled integer view of the problem (matrix, seconds from the planning origin),
built once per size and shared by every engine. Each peer gets the constraints it can express;
:data:`NOT_EXPRESSED` lists what each could not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from optimizer.models import Solution

NOT_EXPRESSED = {
    "ours": "-",
    "ours-native": "-",
    "ours-ortools": "-",
    "ortools": "SLA deadlines (the VRPTW guide has no soft bounds); multiple windows kept",
    "vroom": "SLA deadlines (no soft deadlines in VROOM); priorities as VROOM priorities 100/50/10/1",
    "pyvrp": "skills, lunch breaks, SLA deadlines; priorities as prizes of optional clients",
}


@dataclass
class FsRun:
    solution: Solution
    wall_time_s: float
    status: str
    notes: list[str] = field(default_factory=list)


def get_fs_solver(name: str) -> Callable[..., FsRun]:
    """``ours`` is the production pipeline with its default engine; ``ours-<engine>`` forces
    ``options.engine``."""
    if name.startswith("ours-"):
        from functools import partial

        from benchmarks.fieldservice.engines.ours import solve as solve_ours

        return partial(solve_ours, engine=name[len("ours-"):])
    if name == "ours":
        from benchmarks.fieldservice.engines.ours import solve
    elif name == "ortools":
        from benchmarks.fieldservice.engines.ortools_textbook import solve
    elif name == "vroom":
        from benchmarks.fieldservice.engines.vroom_engine import solve
    elif name == "pyvrp":
        from benchmarks.fieldservice.engines.pyvrp_engine import solve
    else:
        raise ValueError(f"unknown engine {name!r}")
    return solve


def skill_ok(tech_skills: dict[str, int], job_skills: dict[str, int]) -> bool:
    return all(tech_skills.get(s, 0) >= level for s, level in job_skills.items())
