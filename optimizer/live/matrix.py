"""A live plan's travel matrix, kept between events and extended for new locations.

Re-plans and recommendations of a live plan reuse one :class:`TravelMatrix`; a new job or a
reported technician position adds a point (:meth:`MatrixCache.ensure`), and a recommendation
request's new jobs get a temporary extension that leaves the cache as it was
(:meth:`MatrixCache.extended`). For the road source only the new rows and columns are searched,
on the same contraction hierarchy as a full build (so the entries equal a full rebuild's): the
search spaces of the known points are kept (one bucket table towards them, one from them), so a
new point costs two single searches joined with those tables instead of a search per known
point. Haversine and explicit matrices are rebuilt (cheap). ``options.speed_factor`` is applied
as :func:`optimizer.geo.matrix.build_problem_matrix` does.
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
        self.explicit = problem.options.explicit_matrix
        self.points = problem_points(problem)
        self._raw = self._build(self.points)
        self.matrix = self._raw.scaled(self.speed_factor)
        self._nodes: Optional[np.ndarray] = None
        self._buckets: Optional[tuple] = None  # (number of points, towards known points, from known points)

    def _missing(self, locations: Iterable[Location]) -> list[Location]:
        missing, seen = [], set()
        for loc in locations:
            try:
                self.points.index_of(loc)
            except KeyError:
                if loc.key() not in seen:
                    seen.add(loc.key())
                    missing.append(loc)
        return missing

    def ensure(self, problem: Problem, extra: Iterable[Location] = ()) -> tuple[TravelMatrix, PointIndex]:
        """The matrix covering ``problem``'s locations and ``extra`` (the cache grows when needed)."""
        missing = self._missing([loc for _, loc in problem.iter_locations()] + list(extra))
        if missing:
            self._raw, self.points = self._with(missing)
            self.matrix = self._raw.scaled(self.speed_factor)
            self._buckets = None
        # The matrix is reused, not built for this solve: a solve subtracts a matrix's build time
        # from the time it spends outside the search, so a stale build time would lengthen the search.
        self.matrix.build_time_s = 0.0
        return self.matrix, self.points

    def extended(self, locations: Iterable[Location]) -> tuple[TravelMatrix, PointIndex]:
        """The matrix with ``locations`` added at the end, as a copy: the cache is unchanged."""
        missing = self._missing(locations)
        if not missing:
            return self.matrix, self.points
        raw, points = self._with(missing)
        matrix = raw.scaled(self.speed_factor)
        matrix.build_time_s = 0.0
        return matrix, points

    def prepare_searches(self) -> None:
        """Compute the road search tables of the known points now (else on the first extension)."""
        if self.source == "road":
            self._tables()

    def with_points(self, new: list[Location]) -> PointIndex:
        """A copy of the points with ``new`` added at the end (the cache is unchanged)."""
        points = PointIndex([])
        points.points, points._by_key = list(self.points.points), dict(self.points._by_key)
        for loc in new:
            points.add(loc)
        return points

    def missing(self, locations: Iterable[Location]) -> list[Location]:
        """``locations`` the cache has no point for, each once, in order."""
        return self._missing(locations)

    def new_rows(self, new: list[Location]) -> Optional[tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]]:
        """For ``new`` locations (not in the cache): ``((new -> known + new, known -> new)
        durations, (same) distances)``, durations scaled by the speed factor, without building
        the whole matrix; None for sources other than road (rebuild those with :meth:`extended`)."""
        if self.source != "road":
            return None
        (r_t, c_t), dist = self._road_rows(new)
        if self.speed_factor != 1.0:
            r_t, c_t = np.rint(r_t * self.speed_factor).astype(np.int64), np.rint(c_t * self.speed_factor).astype(np.int64)
        return (r_t, c_t), dist

    def _with(self, new: list[Location]) -> tuple[TravelMatrix, PointIndex]:
        points = self.with_points(new)
        if self.source != "road":
            return self._build(points), points
        dur, dist = self._road_rows(new)
        n, k = len(self.points), len(new)
        durations = np.empty((n + k, n + k), dtype=np.int64)
        distances = np.empty((n + k, n + k), dtype=np.int64)
        durations[:n, :n] = self._raw.durations_s
        distances[:n, :n] = self._raw.distances_m
        durations[n:, :], durations[:n, n:] = dur[0], dur[1]
        distances[n:, :], distances[:n, n:] = dist[0], dist[1]
        np.fill_diagonal(durations, 0)
        np.fill_diagonal(distances, 0)
        return TravelMatrix(durations, distances, "road"), points

    def _tables(self):
        from optimizer.geo.ch import _backward_buckets
        from optimizer.geo.region import load_region
        from optimizer.geo.road import hierarchy
        from optimizer.geo.snap import snap

        if self._buckets is not None and self._buckets[0] == len(self.points):
            return self._buckets
        region = load_region(self.region)
        h = hierarchy(region)
        if self._nodes is None or len(self._nodes) != len(self.points):
            self._nodes = snap(region, self.points.points)[0]
        n = len(h.rank)
        towards = _backward_buckets(n, h.up_ptr, h.up_head, h.up_w, h.dn_ptr, h.dn_tail, h.dn_w, self._nodes)
        # The same routine on the swapped graphs keeps each known point's FORWARD search space.
        away = _backward_buckets(n, h.dn_ptr, h.dn_tail, h.dn_w, h.up_ptr, h.up_head, h.up_w, self._nodes)
        self._buckets = (len(self.points), towards, away)
        return self._buckets

    def _road_rows(self, new: list[Location]):
        """``((new -> all, known -> new) durations, (same) distances)`` over known + new points."""
        from optimizer.geo.ch import INF, _forward_rows, many_to_many
        from optimizer.geo.region import load_region
        from optimizer.geo.road import decode, hierarchy, ms_to_s
        from optimizer.geo.snap import snap

        _, towards, away = self._tables()
        region = load_region(self.region)
        h = hierarchy(region)
        n_nodes, n, k = len(h.rank), len(self.points), len(new)
        new_nodes = np.ascontiguousarray(snap(region, new)[0], dtype=np.int64)
        out_known = np.full((k, n), INF, np.int64)  # new -> known
        _forward_rows(n_nodes, h.up_ptr, h.up_head, h.up_w, h.dn_ptr, h.dn_tail, h.dn_w, new_nodes, *towards, out_known)  # type: ignore[call-arg]
        in_known = np.full((k, n), INF, np.int64)  # [i, s] = known s -> new i (backward search joined with forward spaces)
        _forward_rows(n_nodes, h.dn_ptr, h.dn_tail, h.dn_w, h.up_ptr, h.up_head, h.up_w, new_nodes, *away, in_known)  # type: ignore[call-arg]
        among = many_to_many(h, new_nodes, new_nodes, threads=1) if k > 1 else np.zeros((1, 1), np.int64)
        if (out_known >= INF).any() or (in_known >= INF).any() or (among >= INF).any():
            raise ValueError("road network is not strongly connected between the snapped points")
        rows = np.concatenate([out_known, among], axis=1)  # new -> known + new
        cols = in_known.T  # known -> new
        r_t, r_d = decode(rows)
        c_t, c_d = decode(cols)
        return (ms_to_s(r_t), ms_to_s(c_t)), (r_d, c_d)

    def _build(self, points: PointIndex) -> TravelMatrix:
        from optimizer.geo.matrix import build_matrix

        return build_matrix(points.points, self.source, region=self.region, explicit=self.explicit)


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
