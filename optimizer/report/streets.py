"""Street names for the report's map, where the road region has them.

The names come from the region's OpenStreetMap extract itself (the ``name`` tag of the drivable
ways, read with pyrosm from a ``.osm.pbf``); other region formats, or a region without names,
give none. Each named street is labelled once, at the middle of its longest piece, along its
direction; the longest streets (total length) first, at most :data:`MAX_LABELS`. Reading the
extract costs about 1.5 s for the bundled Helsinki region, once per process and region.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

MAX_LABELS = 80
DIGITS = 5


def street_labels(region: Optional[str] = None) -> list[dict[str, Any]]:
    """``[{"name", "at": [lon, lat], "dir": [[lon, lat], [lon, lat]]}, ...]`` for the region
    (``options.region``, else the default one); empty when it has no names or cannot be read."""
    from optimizer.geo.region import default_region_path

    path = default_region_path(region)
    if path is None or not str(path).endswith(".pbf") or not Path(path).is_file():
        return []
    try:
        return list(_labels(str(Path(path).resolve())))
    except Exception:  # noqa: BLE001 - names are decoration: a map must never fail the report
        return []


@lru_cache(maxsize=4)
def _labels(path: str) -> tuple[dict[str, Any], ...]:
    import pyrosm

    net = pyrosm.OSM(path).get_network(network_type="driving")
    if net is None or "name" not in net.columns:
        return ()
    longest: dict[str, Any] = {}
    total_m: dict[str, float] = {}
    for name, geometry, length in zip(net["name"], net["geometry"], net["length"]):
        if not isinstance(name, str) or not name.strip() or geometry is None:
            continue
        pieces = list(geometry.geoms) if hasattr(geometry, "geoms") else [geometry]
        total_m[name] = total_m.get(name, 0.0) + float(length or 0.0)
        for piece in pieces:
            if name not in longest or piece.length > longest[name].length:
                longest[name] = piece
    out = []
    for name in sorted(total_m, key=lambda n: (-total_m[n], n))[:MAX_LABELS]:
        line = longest[name]
        if line.length == 0:
            continue
        mid, a, b = (line.interpolate(f, normalized=True) for f in (0.5, 0.4, 0.6))
        out.append({
            "name": name,
            "at": [round(mid.x, DIGITS), round(mid.y, DIGITS)],
            "dir": [[round(a.x, DIGITS), round(a.y, DIGITS)], [round(b.x, DIGITS), round(b.y, DIGITS)]],
        })
    return tuple(out)
