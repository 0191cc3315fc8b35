"""Travel matrices: the one interface between geography and the solver.

A :class:`TravelMatrix` holds square integer matrices over a list of *points* (unique locations
of a problem). ``durations_s[i, j]`` is the driving time in whole seconds from point ``i`` to
point ``j``; ``distances_m[i, j]`` the driving distance in whole metres along that route. The
diagonal is zero. Matrices may be asymmetric (one-way streets).

Sources (``options.matrix``): ``road`` (OpenStreetMap region, see :mod:`optimizer.geo.road`),
``haversine`` (great-circle, see :mod:`optimizer.geo.haversine`) and ``explicit`` (caller-supplied).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Optional, Sequence

import numpy as np

from optimizer.geo.types import PointIndex, TravelMatrix
from optimizer.models.common import Location

if TYPE_CHECKING:  # pragma: no cover
    from optimizer.models.problem import Problem

__all__ = ["PointIndex", "TravelMatrix", "build_matrix", "build_problem_matrix", "default_source", "problem_points"]


def problem_points(problem: "Problem") -> PointIndex:
    """All unique locations of a problem, technicians first, then jobs, in input order."""
    return PointIndex([location for _, location in problem.iter_locations()])


def default_source(problem: "Problem") -> str:
    """``options.matrix`` if set, else ``road`` when a region is available, else ``haversine``."""
    if problem.options.matrix is not None:
        return problem.options.matrix
    try:
        from optimizer.geo import region as region_mod

        if region_mod.default_region_path(problem.options.region) is not None:
            return "road"
    except ImportError:
        pass
    return "haversine"


def build_matrix(
    points: Sequence[Location],
    source: str = "haversine",
    *,
    region: Optional[str] = None,
    explicit=None,
) -> TravelMatrix:
    """Build the matrix over ``points`` from ``source`` (``road``, ``haversine`` or ``explicit``)."""
    t0 = time.perf_counter()
    if source == "haversine":
        from optimizer.geo.haversine import haversine_matrix

        matrix = haversine_matrix(points)
    elif source == "explicit":
        if explicit is None:
            raise ValueError("the explicit source needs explicit matrices")
        idx = np.array([p.index for p in points], dtype=np.int64)
        durations = np.asarray(explicit.durations_s, dtype=float)[np.ix_(idx, idx)]
        dist_src = explicit.distances_m if explicit.distances_m is not None else np.zeros_like(np.asarray(explicit.durations_s, dtype=float))
        distances = np.asarray(dist_src, dtype=float)[np.ix_(idx, idx)]
        matrix = TravelMatrix(np.rint(durations), np.rint(distances), "explicit")
    elif source == "road":
        from optimizer.geo.road import road_matrix

        matrix = road_matrix(points, region=region)
    else:
        raise ValueError(f"unknown matrix source {source!r}")
    matrix.build_time_s = time.perf_counter() - t0
    return matrix


def build_problem_matrix(problem: "Problem") -> tuple[TravelMatrix, PointIndex]:
    """The matrix over a problem's unique points, with ``options.speed_factor`` applied."""
    points = problem_points(problem)
    matrix = build_matrix(
        points.points,
        default_source(problem),
        region=problem.options.region,
        explicit=problem.options.explicit_matrix,
    )
    return matrix.scaled(problem.options.speed_factor), points
