"""What the report's map draws: a basemap of streets and each route's path, as ``[lon, lat]``
polylines.

With a road region (the problem's matrix source is ``road``), the basemap is the region's street
network (:func:`optimizer.geo.road.road_polylines`) and every leg follows the fastest road
(:func:`optimizer.geo.road.leg_geometry`). Otherwise (haversine or explicit matrices, no region,
or any failure of the road layer) there is no basemap and legs are straight lines; ``note`` says
why. With a road region that has street names, ``streets`` labels the main streets
(:mod:`optimizer.report.streets`). Coordinates are rounded to 5 decimals (about 1 m).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

from optimizer.i18n import Msg
from optimizer.models import Location, Problem, Solution

DIGITS = 5
MAX_BASEMAP_EDGES = 20000
"""Street segments drawn at most (the longest streets first), to keep reports small."""


@dataclass
class MapGeometry:
    source: str
    """``road`` or ``straight``."""
    basemap: list[list[list[float]]] = field(default_factory=list)
    note: Optional[str] = None
    region: Optional[str] = None
    streets: list[dict] = field(default_factory=list)
    """Street name labels (:func:`optimizer.report.streets.street_labels`), road maps only."""
    _cache: dict = field(default_factory=dict, repr=False)

    def leg(self, a: Location, b: Location) -> list[list[float]]:
        """The drawn path from ``a`` to ``b`` (road when available, else the straight line)."""
        if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
            return []
        straight = [[round(a.lon, DIGITS), round(a.lat, DIGITS)], [round(b.lon, DIGITS), round(b.lat, DIGITS)]]
        if self.source != "road" or a.key() == b.key():
            return straight
        key = (a.key(), b.key())
        if key not in self._cache:
            try:
                from optimizer.geo.road import leg_geometry

                coords = leg_geometry(a, b, region=self.region)["coordinates"]
                self._cache[key] = [[round(x, DIGITS), round(y, DIGITS)] for x, y in coords]
            except Exception as exc:  # noqa: BLE001 - a map must never fail the report
                self.note = Msg("some legs drawn straight: road geometry failed ({error})", error=f"{type(exc).__name__}: {exc}")
                self._cache[key] = straight
        return self._cache[key]

    def path(self, locations: Sequence[Location]) -> list[list[float]]:
        """One polyline through ``locations`` (consecutive legs joined)."""
        out: list[list[float]] = []
        for a, b in zip(locations, locations[1:]):
            leg = self.leg(a, b)
            out.extend(leg[1:] if out and leg and out[-1] == leg[0] else leg)
        return out


def matrix_source_of(problem: Problem, solution: Optional[Solution] = None) -> str:
    """The matrix source the solution was computed with (or would be, for the problem)."""
    if solution is not None and solution.solver is not None and solution.solver.matrix_source:
        return solution.solver.matrix_source
    from optimizer.geo.matrix import default_source

    return default_source(problem)


def map_geometry(problem: Problem, solution: Optional[Solution] = None, road: Optional[bool] = None) -> MapGeometry:
    """The map layer for ``problem``: road geometry when its matrix source is ``road`` (or when
    ``road`` is forced True), else straight lines; see the module docstring."""
    use_road = matrix_source_of(problem, solution) == "road" if road is None else road
    if not use_road:
        return MapGeometry("straight", note=Msg("straight lines between points (matrix source {source})", source=matrix_source_of(problem, solution)))
    try:
        from optimizer.geo.road import road_polylines

        lines = road_polylines(region=problem.options.region, max_edges=MAX_BASEMAP_EDGES)
    except Exception as exc:  # noqa: BLE001
        return MapGeometry("straight", note=Msg("no road network drawn ({error}); straight lines between points", error=f"{type(exc).__name__}: {exc}"))
    basemap = [[[round(x, DIGITS), round(y, DIGITS)] for x, y in line] for line in lines]
    from optimizer.report.streets import street_labels

    return MapGeometry("road", basemap, region=problem.options.region, streets=street_labels(problem.options.region))
