"""VRPTW benchmark instances (Solomon, Gehring & Homberger): reading and the DIMACS matrix.

Both classic Solomon text files (``*.txt``) and VRPLIB files (``*.vrp``) are read with the
``vrplib`` package. Node 0 is the depot, nodes ``1..n`` are customers. All instance values are
integers in *instance units* (one distance unit = one time unit).

DIMACS convention (used by the distance-only best-known solutions): every Euclidean distance is
truncated to one decimal, and the same value is the travel time. We keep everything integral by
scaling by 10: ``dimacs_matrix()[i, j] = floor(10 * euclid(i, j))`` in *deci-units*.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

SCALE = 10
"""Deci-units per instance unit: DIMACS distances are multiples of 0.1."""


@dataclass
class VrptwInstance:
    """One VRPTW instance in instance units. Arrays are indexed by node (0 = depot)."""

    name: str
    path: Path
    coords: np.ndarray  # (n+1, 2) float
    demand: np.ndarray  # (n+1,) int, 0 at the depot
    ready: np.ndarray  # (n+1,) int, earliest start of service (depot: opening)
    due: np.ndarray  # (n+1,) int, latest start of service (depot: closing = latest return)
    service: np.ndarray  # (n+1,) int, 0 at the depot
    capacity: int
    fleet: int

    @property
    def n_customers(self) -> int:
        return len(self.demand) - 1

    @property
    def family(self) -> str:
        """Class name: C1, C2, R1, R2, RC1, RC2 (from the instance name)."""
        name = self.name.upper()
        prefix = "RC" if name.startswith("RC") else name[0]
        rest = name[len(prefix):]
        return prefix + rest[0]

    def dimacs_matrix(self) -> np.ndarray:
        """Integer deci-unit distances (= travel times): ``floor(10 * euclid)``. Diagonal 0."""
        diff = self.coords[:, None, :] - self.coords[None, :, :]
        dist = np.sqrt((diff**2).sum(axis=2))
        # A tiny epsilon guards against 10*d = k - 1e-12 for exact integers (e.g. 3-4-5 triangles).
        return np.floor(SCALE * dist + 1e-9).astype(np.int64)


def read_instance(path: str | Path) -> VrptwInstance:
    """Read a Solomon ``.txt`` or VRPLIB ``.vrp`` VRPTW instance."""
    import vrplib

    path = Path(path)
    fmt = "solomon" if path.suffix.lower() == ".txt" else "vrplib"
    data = vrplib.read_instance(str(path), instance_format=fmt, compute_edge_weights=False)
    coords = np.asarray(data["node_coord"], dtype=float)
    n1 = len(coords)
    service = np.asarray(data["service_time"], dtype=np.int64)
    if service.ndim == 0:  # VRPLIB: one SERVICE_TIME for every customer, none at the depot
        service = np.full(n1, int(service), dtype=np.int64)
    service = service.copy()
    service[0] = 0
    tw = np.asarray(data["time_window"], dtype=np.int64)
    fleet = int(data.get("vehicles", 0) or n1 - 1)
    depot = data.get("depot")
    if depot is not None and int(np.asarray(depot).ravel()[0]) != 0:
        raise ValueError(f"{path}: depot must be the first node")
    return VrptwInstance(
        name=str(data.get("name", path.stem)).strip() or path.stem,
        path=path,
        coords=coords,
        demand=np.asarray(data["demand"], dtype=np.int64),
        ready=tw[:, 0].copy(),
        due=tw[:, 1].copy(),
        service=service,
        capacity=int(data["capacity"]),
        fleet=fleet,
    )


@dataclass(frozen=True)
class Bks:
    instance: str
    distance: float
    vehicles: Optional[int]
    objective: str


def read_bks(folder: str | Path, objective: str = "distance") -> dict[str, Bks]:
    """Best-known solutions of a suite folder (``bks.csv``) for one objective convention."""
    out: dict[str, Bks] = {}
    path = Path(folder) / "bks.csv"
    if not path.exists():
        return out
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["objective"] != objective:
                continue
            vehicles = int(row["vehicles"]) if row.get("vehicles") else None
            out[row["instance"]] = Bks(row["instance"], float(row["distance"]), vehicles, objective)
    return out
