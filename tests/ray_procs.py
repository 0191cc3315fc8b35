"""Ray worker processes seen from the outside (tests that kill a worker mid-task)."""

from __future__ import annotations

from pathlib import Path


def ray_task_pids(name: str) -> list[int]:
    """Ray worker processes whose title says they run ``name`` (Ray sets ``ray::<function>``)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes().startswith(f"ray::{name}".encode()):
                    out.append(int(entry.name))
            except OSError:
                pass
    return out
