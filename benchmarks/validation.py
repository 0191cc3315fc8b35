"""The independent validator (``optimizer.validate.validate``) applied to every engine's answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from optimizer.models import Problem, Solution


@dataclass
class Check:
    """``valid`` is None when the validator is not available in this checkout."""

    valid: Optional[bool]
    violations: int
    first: str = ""
    rules: str = ""


def check(problem: Problem, solution: Solution, matrix=None, points=None) -> Check:
    try:
        from optimizer.validate import validate
    except ModuleNotFoundError as exc:
        if exc.name == "optimizer.validate":
            return Check(None, 0, "validator not available")
        raise
    violations = validate(problem, solution, matrix=matrix, points=points)
    if not violations:
        return Check(True, 0)
    rules = sorted({str(v.rule) for v in violations})
    return Check(False, len(violations), str(violations[0].message)[:200], ",".join(rules))
