"""The native engine: our own search, compiled with numba, every field-service rule built in.

Modules: :mod:`.data` (arrays from the compiled problem), :mod:`.timing` (route timing and cost,
the scheduler's semantics), :mod:`.search` (solution state, moves, ruin and recreate, local
search, annealing), :mod:`.engine` (the :class:`~optimizer.solvers.base.Engine`), :mod:`.params`
(settings), :mod:`.warmup` (compiles and caches the kernels once, at install time).
"""
