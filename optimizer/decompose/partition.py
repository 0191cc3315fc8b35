"""Partition: split a problem into territories (technicians and jobs that are solved together).

1. **Road regions**: points (technician homes and jobs) are grouped on a grid of
   ``region_gap_km`` cells; occupied cells that touch (diagonals included) form one region, so two
   points closer than ``region_gap_km`` always share a region and cities far apart never do. A
   region without technicians joins the nearest region that has some.
2. **Jobs to territories**: a region with more than ``target_jobs`` jobs is cut into
   ``ceil(jobs / target_jobs)`` territories by balanced k-means on the job coordinates (km on a
   local equirectangular projection; k-means++ seeds from the problem's seed; every territory holds
   at most 115 % of its share). Without coordinates (explicit matrix), on travel time: farthest
   point seeds, then the same balanced assignment on the matrix's durations.
3. **Technicians to territories**: by home and capacity: each territory's share of the region's
   shift time follows its share of the service time; (technician, territory) pairs are taken
   nearest first while the territory still needs capacity; then each skill level a territory's
   jobs require is covered, when another territory can spare a technician who has it.
4. Jobs tied to a technician (``pinned_technician``, ``technician_id`` of dispatched / in-progress
   jobs, a seeded route) follow that technician.

Everything here is O(points x territories): no matrix over all points is built.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from optimizer.models import Problem
from optimizer.models.decomposition import DecompositionSettings

__all__ = ["Territory", "partition", "neighbour_pairs"]

KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320
BALANCE_SLACK = 1.15
"""A territory holds at most this multiple of its even share of the region's jobs."""

TRAVEL_ALLOWANCE = 1.35
"""Demand of a job = its service time x this (driving to it), for sharing technicians out."""


@dataclass
class Territory:
    """Technicians and jobs solved together. ``centre_km`` is the mean job position on the
    region's projection (for neighbours); ``region_path`` the OSM extract of its region, if any."""

    id: int
    region: int
    technician_ids: list[str] = field(default_factory=list)
    job_ids: list[str] = field(default_factory=list)
    centre_km: tuple[float, float] = (0.0, 0.0)
    region_path: Optional[str] = None


def _lat_lon(problem: Problem) -> Optional[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """(tech lat, tech lon, job lat, job lon) in degrees, or None when a location has no coordinates."""
    techs = [t.start_location for t in problem.technicians]
    jobs = [j.location for j in problem.jobs]
    if any(p.lat is None or p.lon is None for p in techs + jobs):
        return None
    return (np.array([p.lat for p in techs], float), np.array([p.lon for p in techs], float),
            np.array([p.lat for p in jobs], float), np.array([p.lon for p in jobs], float))


def _region_groups(lat: np.ndarray, lon: np.ndarray, gap_km: float) -> np.ndarray:
    """Region label per point (grid cells of ``gap_km`` joined with their 8 neighbours)."""
    y = lat * KM_PER_DEG_LAT
    x = lon * KM_PER_DEG_LON_EQUATOR * np.cos(np.radians(lat))
    cells = list(zip(np.floor(x / gap_km).astype(np.int64).tolist(), np.floor(y / gap_km).astype(np.int64).tolist()))
    parent = {c: c for c in set(cells)}

    def find(c):
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for cx, cy in parent.copy():
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                other = (cx + dx, cy + dy)
                if other in parent:
                    a, b = find((cx, cy)), find(other)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
    roots = sorted({find(c) for c in parent})
    label = {r: i for i, r in enumerate(roots)}
    return np.array([label[find(c)] for c in cells], dtype=np.int64)


def _project(lat: np.ndarray, lon: np.ndarray, lat0: float) -> np.ndarray:
    """(n, 2) km on an equirectangular projection centred on latitude ``lat0``."""
    return np.column_stack([lon * KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0)), lat * KM_PER_DEG_LAT])


def balanced_assign(cost: np.ndarray, capacity: int) -> np.ndarray:
    """Assign each row (job) to a column (territory) at most ``capacity`` rows per column: rows with
    the largest regret (second-best minus best cost) choose first, each its cheapest column with room."""
    n, k = cost.shape
    order_cols = np.argsort(cost, axis=1)
    best = cost[np.arange(n), order_cols[:, 0]]
    second = cost[np.arange(n), order_cols[:, 1]] if k > 1 else best
    load = np.zeros(k, dtype=np.int64)
    out = np.empty(n, dtype=np.int64)
    for i in np.argsort(-(second - best), kind="stable"):
        for c in order_cols[i]:
            if load[c] < capacity:
                out[i] = c
                load[c] += 1
                break
    return out


def _cluster_coords(xy: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Balanced k-means: (label per row, centre per cluster)."""
    from scipy.cluster.vq import kmeans2

    n = xy.shape[0]
    capacity = math.ceil(BALANCE_SLACK * n / k)
    centres, _ = kmeans2(xy, k, minit="++", seed=seed, iter=20)
    labels = np.zeros(n, dtype=np.int64)
    for _ in range(4):
        cost = np.linalg.norm(xy[:, None, :] - centres[None, :, :], axis=2)
        labels = balanced_assign(cost, capacity)
        centres = np.array([xy[labels == c].mean(axis=0) if np.any(labels == c) else centres[c] for c in range(k)])
    return labels, centres


def _cluster_matrix(durations: np.ndarray, k: int) -> np.ndarray:
    """Labels on travel time: farthest-point seeds, then the balanced assignment (``durations`` is
    the jobs' (n, n) block of the explicit matrix)."""
    n = durations.shape[0]
    sym = (durations + durations.T) / 2.0
    seeds = [int(np.argmax(sym.sum(axis=1)))]
    nearest = sym[seeds[0]].copy()
    while len(seeds) < k:
        nxt = int(np.argmax(nearest))
        seeds.append(nxt)
        nearest = np.minimum(nearest, sym[nxt])
    return balanced_assign(sym[:, seeds], math.ceil(BALANCE_SLACK * n / k))


def _explicit_rows(problem: Problem) -> Optional[np.ndarray]:
    em = problem.options.explicit_matrix
    if problem.options.matrix != "explicit" or em is None:
        return None
    idx = np.array([j.location.index for j in problem.jobs], dtype=np.int64)
    return np.asarray(em.durations_s, dtype=float)[np.ix_(idx, idx)]


def partition(problem: Problem, settings: DecompositionSettings) -> list[Territory]:
    """The territories of ``problem`` (see the module docstring). Every technician and every job
    belongs to exactly one territory; territories may have no jobs (their technicians stay idle)."""
    coords = _lat_lon(problem)
    n_techs, n_jobs = len(problem.technicians), len(problem.jobs)
    if coords is None:
        groups = [(np.arange(n_techs), np.arange(n_jobs))]
        t_xy = j_xy = None
    else:
        t_lat, t_lon, j_lat, j_lon = coords
        labels = _region_groups(np.concatenate([t_lat, j_lat]), np.concatenate([t_lon, j_lon]), settings.region_gap_km)
        groups, t_xy, j_xy = _groups_with_technicians(labels[:n_techs], labels[n_techs:], coords)
    territories: list[Territory] = []
    for region, (techs, jobs) in enumerate(groups):
        territories.extend(_split_region(problem, settings, region, techs, jobs, t_xy, j_xy, len(territories)))
    _follow_technicians(problem, territories)
    if coords is not None and settings.regions:
        _attach_region_files(territories, settings.regions, problem, coords)
    return territories


def _groups_with_technicians(tech_label, job_label, coords):
    """[(technician indices, job indices)] per region; a region without technicians joins the
    region of the technician nearest to its first job. Also the km projection of every point."""
    t_lat, t_lon, j_lat, j_lon = coords
    lat0 = float(np.mean(np.concatenate([t_lat, j_lat])))
    all_t = _project(t_lat, t_lon, lat0)
    all_j = _project(j_lat, j_lon, lat0)
    job_label = job_label.copy()
    with_techs = set(tech_label.tolist())
    for region in sorted(set(job_label.tolist()) - with_techs):
        first = int(np.flatnonzero(job_label == region)[0])
        nearest = int(np.argmin(np.linalg.norm(all_t - all_j[first], axis=1)))
        job_label[job_label == region] = tech_label[nearest]
    groups = []
    t_xy = np.zeros_like(all_t)
    j_xy = np.zeros_like(all_j)
    for region in sorted(with_techs):
        techs = np.flatnonzero(tech_label == region)
        jobs = np.flatnonzero(job_label == region)
        lat_c = float(np.mean(np.concatenate([t_lat[techs], j_lat[jobs]])))  # a local projection per region
        t_xy[techs] = _project(t_lat[techs], t_lon[techs], lat_c)
        j_xy[jobs] = _project(j_lat[jobs], j_lon[jobs], lat_c)
        groups.append((techs, jobs))
    return groups, t_xy, j_xy


def _split_region(problem, settings, region, techs, jobs, t_xy, j_xy, first_id) -> list[Territory]:
    k = max(1, min(math.ceil(len(jobs) / settings.target_jobs), len(techs)))
    if k == 1:
        centre = tuple(j_xy[jobs].mean(axis=0)) if j_xy is not None and len(jobs) else (0.0, 0.0)
        return [Territory(first_id, region, [problem.technicians[i].id for i in techs],
                          [problem.jobs[i].id for i in jobs], centre)]
    if j_xy is not None:
        labels, centres = _cluster_coords(j_xy[jobs], k, problem.options.seed)
        tech_cost = np.linalg.norm(t_xy[techs][:, None, :] - centres[None, :, :], axis=2)
    else:
        rows = _explicit_rows(problem)
        assert rows is not None  # no coordinates means the explicit source (Problem validation)
        labels = _cluster_matrix(rows[np.ix_(jobs, jobs)], k)
        centres = np.zeros((k, 2))
        tech_cost = _tech_cost_explicit(problem, techs, jobs, labels, k)
    owner = _assign_technicians(problem, techs, jobs, labels, tech_cost, k)
    out = []
    for c in range(k):
        out.append(Territory(first_id + c, region, [problem.technicians[techs[i]].id for i in np.flatnonzero(owner == c)],
                             [problem.jobs[jobs[i]].id for i in np.flatnonzero(labels == c)], tuple(centres[c])))
    return out


def _tech_cost_explicit(problem, techs, jobs, labels, k) -> np.ndarray:
    em = problem.options.explicit_matrix
    d = np.asarray(em.durations_s, dtype=float)
    t_idx = np.array([problem.technicians[i].start_location.index for i in techs])
    j_idx = np.array([problem.jobs[i].location.index for i in jobs])
    return np.column_stack([d[np.ix_(t_idx, j_idx[labels == c])].mean(axis=1) for c in range(k)])


def _demand_s(job) -> float:
    return float(job.duration_min) * 60.0 * TRAVEL_ALLOWANCE


def _assign_technicians(problem, techs, jobs, labels, tech_cost, k) -> np.ndarray:
    """Territory per technician of a region (see step 3 of the module docstring)."""
    shift_s = np.array([sum((sh.end - sh.start).total_seconds() for sh in problem.technicians[i].work_shifts()) for i in techs])
    demand = np.zeros(k)
    for pos, ji in enumerate(jobs):
        demand[labels[pos]] += _demand_s(problem.jobs[ji])
    share = demand / demand.sum() if demand.sum() > 0 else np.full(k, 1.0 / k)
    need = share * shift_s.sum()
    owner = np.full(len(techs), -1, dtype=np.int64)
    # Every territory with jobs first gets its nearest technician, then capacity, nearest pairs first.
    for c in np.argsort(-demand):
        free = np.flatnonzero(owner < 0)
        if demand[c] > 0 and len(free):
            pick = free[np.argmin(tech_cost[free, c])]
            owner[pick] = c
            need[c] -= shift_s[pick]
    flat = np.argsort(tech_cost, axis=None, kind="stable")
    for pos in flat:
        i, c = divmod(int(pos), k)
        if owner[i] < 0 and need[c] > 0:
            owner[i] = c
            need[c] -= shift_s[i]
    for i in np.flatnonzero(owner < 0):  # capacity beyond the need: the territory that lacks most relative to its size
        c = int(np.argmin(tech_cost[i] + 1e-9)) if need.max() <= 0 else int(np.argmax(need))
        owner[i] = c
        need[c] -= shift_s[i]
    _cover_skills(problem, techs, jobs, labels, tech_cost, owner, k)
    return owner


def _cover_skills(problem, techs, jobs, labels, tech_cost, owner, k) -> None:
    """Move the nearest spare technician into a territory that has jobs needing a skill level none
    of its technicians has. A technician is spare when every (skill, level) its territory needs and
    it has is also held by another technician there."""
    def needs(c):
        out = set()
        for pos in np.flatnonzero(labels == c):
            out.update(problem.jobs[jobs[pos]].skills.items())
        return out

    def covers(i, skill, level):
        return problem.technicians[techs[i]].skills.get(skill, 0) >= level

    territory_needs = [needs(c) for c in range(k)]
    for c in range(k):
        for skill, level in sorted(territory_needs[c]):
            if any(covers(i, skill, level) for i in np.flatnonzero(owner == c)):
                continue
            for i in np.argsort(tech_cost[:, c], kind="stable"):
                home = owner[i]
                if home == c or not covers(i, skill, level):
                    continue
                mates = [m for m in np.flatnonzero(owner == home) if m != i]
                if mates and all(any(covers(m, s, lv) for m in mates) for s, lv in territory_needs[home] if covers(i, s, lv)):
                    owner[i] = c
                    break


def _follow_technicians(problem: Problem, territories: list[Territory]) -> None:
    """Jobs tied to a technician move to that technician's territory."""
    tech_home = {tid: t.id for t in territories for tid in t.technician_ids}
    by_id = {t.id: t for t in territories}
    jobs = {j.id: j for j in problem.jobs}
    for t in territories:
        keep = []
        for jid in t.job_ids:
            job = jobs[jid]
            tied = job.pinned_technician or (job.technician_id if job.status.value in ("dispatched", "in_progress") else None)
            if tied is not None and tied in tech_home and tech_home[tied] != t.id:
                by_id[tech_home[tied]].job_ids.append(jid)
            else:
                keep.append(jid)
        t.job_ids = keep


def _attach_region_files(territories: list[Territory], paths: list[str], problem: Problem, coords) -> None:
    """``region_path`` per territory: the first extract whose bounding box holds its jobs' mean position."""
    from optimizer.geo.region import load_region

    boxes = [(path, load_region(path).bbox) for path in paths]
    t_lat, t_lon, j_lat, j_lon = coords
    job_pos = {j.id: k for k, j in enumerate(problem.jobs)}
    tech_pos = {t.id: k for k, t in enumerate(problem.technicians)}
    for t in territories:
        if t.job_ids:
            idx = [job_pos[j] for j in t.job_ids]
            lat, lon = float(np.mean(j_lat[idx])), float(np.mean(j_lon[idx]))
        else:
            idx = [tech_pos[i] for i in t.technician_ids]
            lat, lon = float(np.mean(t_lat[idx])), float(np.mean(t_lon[idx]))
        for path, (west, south, east, north) in boxes:
            if west <= lon <= east and south <= lat <= north:
                t.region_path = path
                break


def neighbour_pairs(territories: list[Territory], neighbours: int) -> list[tuple[int, int]]:
    """Pairs (a, b), a < b, of territories of the same region where one is among the other's
    ``neighbours`` nearest by centre; nearest pairs first."""
    pairs: dict[tuple[int, int], float] = {}
    for t in territories:
        others = [o for o in territories if o.region == t.region and o.id != t.id and o.job_ids and t.job_ids]
        others.sort(key=lambda o: math.dist(o.centre_km, t.centre_km))
        for o in others[:neighbours]:
            key = (min(t.id, o.id), max(t.id, o.id))
            pairs[key] = math.dist(o.centre_km, t.centre_km)
    return sorted(pairs, key=lambda p: pairs[p])
