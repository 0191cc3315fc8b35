"""Engines the engine-agnostic behaviour tests run against (``options.engine`` values).

Tests parametrize over this list; a new engine joins every such test by being added here.
"""

ENGINES = ["ortools", "native"]
