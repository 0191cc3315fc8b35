from optimizer.models import Problem, Solution  # noqa: F401
