"""Territory decomposition for problems too large to solve whole (``options.decomposition``).

One concept per module: :mod:`~optimizer.decompose.partition` (territories by road region and
job clusters, technicians by home, skills and capacity), :mod:`~optimizer.decompose.territory`
(a territory as a normal problem, solved and validated), :mod:`~optimizer.decompose.border`
(re-solving pairs of neighbouring territories), :mod:`~optimizer.decompose.merge` (one Solution),
:mod:`~optimizer.decompose.parallel` (in-process, local processes or Ray) and
:mod:`~optimizer.decompose.run` (the whole flow). :func:`optimizer.solve.solve` routes here when
:func:`wants_decomposition` says so.
"""

from optimizer.decompose.parallel import ParallelBackendError
from optimizer.decompose.run import solve_decomposed, wants_decomposition

__all__ = ["solve_decomposed", "wants_decomposition", "ParallelBackendError"]
