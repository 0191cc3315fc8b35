"""Instance reading, the DIMACS matrix and the Problem/Solution mapping of the VRPTW benchmarks."""

from __future__ import annotations

import pytest

from benchmarks.vrptw.instance import read_bks, read_instance
from benchmarks.vrptw.mapping import routes_cost, routes_to_solution, to_problem

pytestmark = pytest.mark.shared


def test_solomon_reader_and_problem(shared_dir):
    inst = read_instance(shared_dir / "instances" / "solomon" / "C101.txt")
    assert (inst.name, inst.n_customers, inst.fleet, inst.capacity, inst.family) == ("C101", 100, 25, 200, "C1")
    m = inst.dimacs_matrix()
    assert m.shape == (101, 101) and (m.diagonal() == 0).all()
    # Depot (40, 50) to customer 1 (45, 68): sqrt(349) = 18.68... -> 186 deci-units.
    assert m[0, 1] == 186
    problem = to_problem(inst, 1.0, m)
    assert len(problem.technicians) == 25 and len(problem.jobs) == 100
    job = problem.jobs[0]
    assert job.id == "c1" and job.parts == {"load": 10} and job.duration_min == pytest.approx(15.0)
    assert (job.time_windows[0].end - job.time_windows[0].start).total_seconds() == 10 * (967 - 912)


def test_vrplib_reader_matches_bks_solution(shared_dir):
    """The .sol best-known routes of a 1000-customer instance cost exactly their BKS under our matrix."""
    folder = shared_dir / "instances" / "homberger1000"
    inst = read_instance(folder / "C1_10_1.vrp")
    assert inst.n_customers == 1000 and inst.service[0] == 0 and inst.service[1] == 90
    routes = []
    for line in (folder / "C1_10_1.sol").read_text().splitlines():
        if line.startswith("Route"):
            routes.append([int(x) for x in line.split(":", 1)[1].split()])
    m = inst.dimacs_matrix()
    assert routes_cost(routes, m) / 10 == pytest.approx(read_bks(folder)["C1_10_1"].distance)
    solution = routes_to_solution(inst, routes, m)
    assert not solution.unassigned
    assert sum(r.distance_m for r in solution.routes) == routes_cost(routes, m)
