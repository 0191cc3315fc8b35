"""Settings of territory decomposition (``options.decomposition`` and ``options.decomposition_params``).

A large problem is split into territories (by road region, then by clustering jobs), each
territory is solved as a normal problem with a share of the time limit, pairs of neighbouring
territories are re-solved together to improve across borders, and the pieces are assembled into
one Solution (see :mod:`optimizer.decompose`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from optimizer.models.common import StrictModel

DecompositionMode = Literal["off", "auto", "on"]


class DecompositionSettings(StrictModel):
    """How to split a problem into territories and how to improve across their borders."""

    target_jobs: int = Field(
        600, ge=2, le=20000,
        description="Target number of jobs per territory; a region with more jobs is clustered into "
        "ceil(jobs / target_jobs) territories. Default 600.",
    )
    auto_min_jobs: int = Field(
        3000, ge=1, le=10_000_000,
        description="With decomposition 'auto': decompose when the problem has at least this many jobs. Default 3000.",
    )
    region_gap_km: float = Field(
        30.0, gt=0, le=20000,
        description="Road regions: points closer than this (km) always share a region, groups of points about three times "
        "this apart never do (grid cells of this size joined with their neighbours), and no territory mixes regions, "
        "so cities are solved apart. Default 30.",
    )
    regions: list[str] = Field(
        default_factory=list,
        description="OSM extracts (paths) for a problem spanning several cities with the road matrix: each region of "
        "points uses the first extract whose road network's bounding box contains the region's centre, else "
        "options.region. Default none.",
    )
    border_rounds: int = Field(
        2, ge=0, le=20,
        description="Rounds of border improvement: each round re-solves disjoint pairs of neighbouring territories "
        "together, seeded with their current routes (never worse). 0 = none. Default 2.",
    )
    border_share: float = Field(
        0.3, ge=0, le=0.9,
        description="Share of time_limit_s for the border rounds; the territories get the rest. Default 0.3.",
    )
    neighbours: int = Field(
        2, ge=1, le=10,
        description="Each territory's nearest territories (by job centroid, same region) that count as its neighbours. Default 2.",
    )
    workers: int = Field(
        0, ge=0, le=4096,
        description="Territory solves run at once; 0 = the parallel backend's CPU count (local cores or the Ray cluster's). Default 0.",
    )
