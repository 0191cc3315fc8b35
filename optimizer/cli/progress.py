"""Progress of a long solve on stderr: elapsed / limit, iterations, jobs served, best objective.

On a terminal one line is rewritten in place about twice a second; otherwise (a log file, a
pipe) a line is printed every :data:`LOG_EVERY_S` seconds. ``--quiet`` turns it off.
``DISPATCH_PROGRESS_EVERY_S`` overrides the interval (0: every report of the engine).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Optional, TextIO

from optimizer.progress import SolveProgress

TTY_EVERY_S = 0.5
LOG_EVERY_S = 2.0

# User-facing texts of this module, in one place.
MESSAGES = {
    "line": "solving: {elapsed:.1f} s / {limit:g} s{iters} | {served}/{total} jobs served | best objective {best:,.1f}",
    "iters_of": " | iteration {done:,} of {limit:,}",
    "iters": " | {done:,} iterations",
}


def format_progress(p: SolveProgress) -> str:
    """One line for ``p``."""
    iters = MESSAGES["iters_of"].format(done=p.iterations, limit=p.max_iterations) if p.max_iterations else \
        MESSAGES["iters"].format(done=p.iterations)
    return MESSAGES["line"].format(elapsed=p.elapsed_s, limit=p.time_limit_s, iters=iters, served=p.jobs_served,
                                   total=p.jobs_total, best=p.best_objective)


class StderrProgress:
    """A progress callback printing :func:`format_progress` lines (throttled)."""

    def __init__(self, stream: Optional[TextIO] = None):
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        every = os.environ.get("DISPATCH_PROGRESS_EVERY_S")
        self.every_s = float(every) if every else (TTY_EVERY_S if self.tty else LOG_EVERY_S)
        self.last = time.monotonic() if self.every_s > 0 else 0.0
        self.open_line = False

    def __call__(self, p: SolveProgress) -> None:
        now = time.monotonic()
        if now - self.last < self.every_s:
            return
        self.last = now
        if self.tty:
            self.stream.write("\r" + format_progress(p) + "\x1b[K")
            self.open_line = True
        else:
            self.stream.write(format_progress(p) + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the in-place line (terminal) before other output."""
        if self.open_line:
            self.stream.write("\n")
            self.stream.flush()
            self.open_line = False


def progress_for(args) -> Optional[StderrProgress]:
    """The stderr printer unless ``--quiet``."""
    return None if getattr(args, "quiet", False) else StderrProgress()
