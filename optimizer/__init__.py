"""Field-service dispatch optimization engine: who does which job, in what order, and when.

Data flow: models -> geo (matrix) -> solvers -> validate/kpis -> api/cli/report.
Library entry point: ``from optimizer.solve import solve``.
"""

from optimizer.models import Problem, Solution

__all__ = ["Problem", "Solution"]
