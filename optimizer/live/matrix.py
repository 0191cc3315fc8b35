"""A live plan's travel matrix, kept between events and extended for new locations.

Re-plans and recommendations of a live plan reuse one :class:`TravelMatrix`; a new job or a
reported technician position adds a point. For the road source only the new rows and columns
are searched (the same contraction hierarchy the full build uses, so the entries are equal to a
full rebuild's); haversine and explicit matrices are rebuilt (cheap). ``options.speed_factor``
is applied as :func:`optimizer.geo.matrix.build_problem_matrix` does.
"""

from __future__ import annotations

from typing import Iterable, Optional

import numpy as np

from optimizer.geo.matrix import PointIndex, TravelMatrix, default_source, problem_points
from optimizer.models import Location, Problem


class MatrixCache:
    """The matrix over every point a live plan has seen (see module docstring)."""

    def __init__(self, problem: Problem):
        self.source = default_source(problem)
        self.region = problem.options.region
        self.speed_factor = problem.options.speed_factor
        self.points = problem_points(problem)
        self._raw = self._build(problem, self.points)
        self.matrix = self._raw.scaled(self.speed_factor)
        self._nodes: Optional[np.ndarray] = None

    def covers(self, locations: Iterable[Location]) -> bool:
        try:
            for loc in locations:
                self.points.index_of(loc)
        except KeyError:
            return False
        return True

    def ensure(self, problem: Problem, extra: Iterable[Location] = ()) -> tuple[TravelMatrix, PointIndex]:
        """The matrix covering ``problem``'s locations and ``extra`` (extended when needed)."""
        wanted = [loc for _, loc in problem.iter_locations()] + list(extra)
        missing = []
        seen: set[tuple] = set()
        for loc in wanted:
            try:
                self.points.index_of(loc)
            except KeyError:
                if loc.key() not in seen:
                    seen.add(loc.key())
                    missing.append(loc)
        if missing:
            self._extend(problem, missing)
        # The matrix is reused, not built for this solve: a solve subtracts a matrix's build time
        # from the time it spends outside the search, so a stale build time would lengthen the search.
        self.matrix.build_time_s = 0.0
        return self.matrix, self.points

    def _extend(self, problem: Problem, new: list[Location]) -> None:
        if self.source != "road":
            for loc in new:
                self.points.add(loc)
            self._raw = self._build(problem, self.points)
            self.matrix = self._raw.scaled(self.speed_factor)
            return
        from optimizer.geo.region import load_region
        from optimizer.geo.road import decode, ms_to_s, node_weights
        from optimizer.geo.snap import snap

        region = load_region(self.region)
        old = self.points.points
        if self._nodes is None or len(self._nodes) != len(old):
            self._nodes = snap(region, old)[0]
        old_nodes = self._nodes
        new_nodes, _ = snap(region, new)
        every = np.concatenate([old_nodes, new_nodes])
        out_t, out_d = decode(node_weights(region, new_nodes, every))   # new -> all
        in_t, in_d = decode(node_weights(region, old_nodes, new_nodes))  # old -> new
        n, k = len(old), len(new)
        dur = np.zeros((n + k, n + k), dtype=np.int64)
        dist = np.zeros((n + k, n + k), dtype=np.int64)
        dur[:n, :n] = self._raw.durations_s
        dist[:n, :n] = self._raw.distances_m
        dur[n:, :] = ms_to_s(out_t)
        dist[n:, :] = out_d
        dur[:n, n:] = ms_to_s(in_t)
        dist[:n, n:] = in_d
        np.fill_diagonal(dur, 0)
        np.fill_diagonal(dist, 0)
        raw = TravelMatrix(dur, dist, "road")
        self._raw = raw
        self.matrix = raw.scaled(self.speed_factor)
        for loc in new:
            self.points.add(loc)
        self._nodes = every

    def _build(self, problem: Problem, points: PointIndex) -> TravelMatrix:
        from optimizer.geo.matrix import build_matrix

        return build_matrix(points.points, self.source, region=self.region, explicit=problem.options.explicit_matrix)


def locations_of(events: Iterable[object]) -> list[Location]:
    """Locations that events bring into the day (new jobs, reported positions)."""
    out: list[Location] = []
    for event in events:
        job = getattr(event, "job", None)
        if job is not None:
            out.append(job.location)
        loc = getattr(event, "location", None)
        if isinstance(loc, Location):
            out.append(loc)
    return out


