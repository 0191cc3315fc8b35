"""Machine and package facts written at the top of every results file."""

from __future__ import annotations

import os
import platform
from datetime import datetime, timezone
from importlib import metadata

PACKAGES = ("fieldservice-dispatch", "ortools", "pyvroom", "pyvrp", "vrplib", "numpy")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def machine_header(extra: dict[str, str] | None = None) -> str:
    """Markdown bullet list: date, machine (cores, CPU model, load), Python and package versions."""
    lines = [
        f"- date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {os.cpu_count()} cores, {cpu_model()}, {platform.system()} {platform.release()}",
        f"- load average when written: {', '.join(f'{x:.2f}' for x in os.getloadavg())} (the machine is shared)",
        f"- python {platform.python_version()}; "
        + ", ".join(f"{k} {v}" for k, v in package_versions().items()),
    ]
    for key, value in (extra or {}).items():
        lines.append(f"- {key}: {value}")
    return "\n".join(lines)
