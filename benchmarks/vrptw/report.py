"""Tables (text/markdown), class averages, CSV and the gap plot of a VRPTW suite run."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Optional

from benchmarks.vrptw.runner import Record, records_to_dicts
from benchmarks.vrptw.suites import FAMILIES


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _valid(value: Optional[bool]) -> str:
    return "n/a" if value is None else ("yes" if value else "NO")


def instance_table(records: list[Record], engines: list[str]) -> list[list[str]]:
    """Rows: instance, BKS, then per engine cost, gap %, vehicles, seconds, valid."""
    header = ["instance", "BKS"]
    for e in engines:
        header += [f"{e} cost", f"{e} gap%", f"{e} veh", f"{e} s", f"{e} valid"]
    by_inst: dict[str, dict[str, Record]] = {}
    bks: dict[str, Optional[float]] = {}
    for r in records:
        by_inst.setdefault(r.instance, {})[r.engine] = r
        bks[r.instance] = r.bks
    rows = [header]
    for name, per in by_inst.items():
        row = [name, _fmt(bks[name])]
        for e in engines:
            r = per.get(e)
            if r is None:
                row += ["-"] * 5
            else:
                row += [_fmt(r.cost), _fmt(r.gap_pct, 2), _fmt(r.vehicles), _fmt(r.seconds, 1), _valid(r.valid)]
        rows.append(row)
    return rows


def class_averages(records: list[Record], engines: list[str]) -> list[list[str]]:
    """Rows: class, instances, then per engine mean gap % (instances with a complete answer),
    valid answers / runs. ``all`` is the mean over every instance."""
    header = ["class", "n"] + [f"{e} gap%" for e in engines] + [f"{e} valid" for e in engines]
    families = [f for f in FAMILIES if any(r.family == f for r in records)] + ["all"]
    rows = [header]
    for fam in families:
        sel = [r for r in records if fam == "all" or r.family == fam]
        n = len({r.instance for r in sel})
        gaps, valids = [], []
        for e in engines:
            mine = [r for r in sel if r.engine == e]
            g = [r.gap_pct for r in mine if r.gap_pct is not None]
            mean = sum(g) / len(g) if g else None
            text = _fmt(mean, 2)
            if g and len(g) < len(mine):
                text += f" ({len(g)}/{len(mine)})"
            gaps.append(text)
            known = [r for r in mine if r.valid is not None]
            valids.append(f"{sum(1 for r in known if r.valid)}/{len(mine)}" if known else "n/a")
        rows.append([fam, str(n)] + gaps + valids)
    return rows


def mean_gaps(records: list[Record], engines: list[str]) -> dict[str, dict[str, Optional[float]]]:
    """family -> engine -> mean gap % (None without a complete answer)."""
    out: dict[str, dict[str, Optional[float]]] = {}
    for fam in [f for f in FAMILIES if any(r.family == f for r in records)] + ["all"]:
        out[fam] = {}
        for e in engines:
            g = [r.gap_pct for r in records if r.engine == e and r.gap_pct is not None and (fam == "all" or r.family == fam)]
            out[fam][e] = sum(g) / len(g) if g else None
    return out


def to_text(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def to_markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join("---" for _ in rows[0]) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def write_csv(records: list[Record], path: Path) -> None:
    dicts = records_to_dicts(records)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(dicts[0].keys()) if dicts else ["instance"])
        writer.writeheader()
        for d in dicts:
            d = dict(d)
            d["error"] = d["error"].replace("\n", " | ")
            writer.writerow(d)


def write_plot(records: list[Record], engines: list[str], path: Path, title: str) -> None:
    """Grouped bars: mean gap % per engine per class (Agg backend, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    gaps = mean_gaps(records, engines)
    fams = list(gaps)
    width = 0.8 / max(1, len(engines))
    fig, ax = plt.subplots(figsize=(1.4 * len(fams) + 2, 4))
    for k, e in enumerate(engines):
        xs = [i + (k - (len(engines) - 1) / 2) * width for i in range(len(fams))]
        ys = [gaps[f][e] if gaps[f][e] is not None else 0.0 for f in fams]
        bars = ax.bar(xs, ys, width, label=e)
        for x, f in zip(xs, fams):
            if gaps[f][e] is None:
                ax.text(x, 0, "x", ha="center", va="bottom", fontsize=8)
        del bars
    ax.set_xticks(range(len(fams)), fams)
    ax.set_ylabel("gap to best-known distance, %")
    ax.set_title(title)
    fig.text(0.01, 0.01, "x = no answer serving every customer", fontsize=7)
    ax.axhline(0, color="black", linewidth=0.5)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
