"""Geography: regions (OSM extract -> compiled graph), snapping, matrix sources, leg geometry."""

from optimizer.geo.matrix import TravelMatrix, build_matrix, build_problem_matrix, problem_points

__all__ = ["TravelMatrix", "build_matrix", "build_problem_matrix", "problem_points"]
