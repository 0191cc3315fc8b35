"""Geography: regions (OSM extract -> compiled graph), snapping, matrix sources, leg geometry.

Modules: :mod:`~optimizer.geo.matrix` (TravelMatrix, sources, problem points),
:mod:`~optimizer.geo.region` (OSM extract -> cached CSR arrays), :mod:`~optimizer.geo.snap`
(nearest node, bounding-box check), :mod:`~optimizer.geo.ch` (contraction hierarchy and its
queries), :mod:`~optimizer.geo.road` (road matrices, leg and route geometry, basemap
polylines), :mod:`~optimizer.geo.haversine` (great-circle estimates). The road modules import
numba and are loaded lazily by :func:`build_matrix`.
"""

from optimizer.geo.matrix import TravelMatrix, build_matrix, build_problem_matrix, problem_points

__all__ = ["TravelMatrix", "build_matrix", "build_problem_matrix", "problem_points"]
