"""Exhaustive check on tiny problems: the engine's plan costs exactly the brute-force optimum.

Brute force enumerates every assignment of each job to technician 0, technician 1 or "unserved",
and every order of each technician's jobs; each plan is timed by the scheduler and costed with
the same objective (:func:`optimizer.solvers.objective.plan_cost`). Breaks are left out: for a
fixed order without breaks the earliest schedule is provably cost-optimal (lateness only grows
with time), so the enumeration is exact.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from optimizer.solve import prepare, solve
from optimizer.solvers.costs import build_cost_model
from optimizer.solvers.objective import plan_cost
from optimizer.solvers.precheck import precheck
from optimizer.solvers.schedule import Infeasible, schedule_route
from optimizer.validate import assert_valid
from tests.factories import job, point, problem, tech, window


def brute_force_cost(p) -> int:
    cp = prepare(p)
    precheck(cp)
    costs = build_cost_model(cp)
    n_techs = len(cp.techs)
    best = None
    for assign in itertools.product(range(n_techs + 1), repeat=len(cp.jobs)):
        per_tech = [[cp.jobs[j] for j, a in enumerate(assign) if a == t] for t in range(n_techs)]
        dropped = [cp.jobs[j] for j, a in enumerate(assign) if a == n_techs]
        if any(t.index not in job.allowed for t, jobs in zip(cp.techs, per_tech) for job in jobs):
            continue
        if any(t.max_jobs is not None and len(jobs) > t.max_jobs for t, jobs in zip(cp.techs, per_tech)):
            continue
        if any(sum(j.parts.get(part, 0) for j in jobs) > t.parts.get(part, 0) for t, jobs in zip(cp.techs, per_tech) for part in {q for j in jobs for q in j.parts}):
            continue
        options = []
        for t, jobs in zip(cp.techs, per_tech):
            scheds = [s for perm in itertools.permutations(jobs) if not isinstance(s := schedule_route(t, list(perm), cp.durations), Infeasible)]
            if not scheds:
                break
            options.append(scheds)
        else:
            for combo in itertools.product(*options):
                cost = plan_cost(cp, costs, combo, dropped)
                if best is None or cost < best:
                    best = cost
    return best


def engine_cost(p, solution) -> int:
    cp = prepare(p)
    precheck(cp)
    costs = build_cost_model(cp)
    jobs = cp.job_by_id()
    scheds = []
    for tech_, route in zip(cp.techs, (solution.route_of(t.id) for t in cp.techs)):
        sched = schedule_route(tech_, [jobs[s.job_id] for s in route.stops], cp.durations)
        assert not isinstance(sched, Infeasible)
        scheds.append(sched)
    dropped = [jobs[u.job_id] for u in solution.unassigned]
    return plan_cost(cp, costs, scheds, dropped)


@st.composite
def tiny_problems(draw):
    techs = []
    for t in range(2):
        techs.append(
            tech(
                f"t{t}",
                skills=draw(st.sampled_from([["a"], ["b"], ["a", "b"]])),
                start=draw(st.sampled_from([8, 9])),
                end=draw(st.sampled_from([11, 12, 16])),
                loc=point(draw(st.integers(-3, 3)), draw(st.integers(-3, 3))),
                parts={"p": draw(st.integers(0, 2))},
                **({"max_jobs": 2} if draw(st.booleans()) else {}),
            )
        )
    jobs = []
    for j in range(draw(st.integers(3, 5))):
        extra = {"priority": draw(st.sampled_from(["urgent", "high", "normal", "low"]))}
        if draw(st.booleans()):
            h = draw(st.sampled_from([8, 9, 10, 11, 13]))
            extra["time_windows"] = [window(h, h + draw(st.sampled_from([0.5, 1, 2])))]
        if draw(st.booleans()):
            extra["sla_deadline"] = f"2026-11-24T{draw(st.integers(9, 13)):02d}:00:00+02:00"
        if draw(st.integers(0, 3)) == 0:
            extra["parts"] = {"p": 1}
        jobs.append(
            job(
                f"j{j}",
                loc=point(draw(st.integers(-4, 4)), draw(st.integers(-4, 4))),
                duration_min=draw(st.sampled_from([30, 60, 90])),
                skills=draw(st.sampled_from([[], ["a"], ["b"]])),
                **extra,
            )
        )
    return problem(techs, jobs, time_limit_s=1.0, candidates_per_job=0)


# No shrinking: every example costs a full 1 s solve, and a failure prints the whole problem.
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(tiny_problems())
def test_engine_matches_brute_force_optimum(p):
    solution = solve(p)
    assert_valid(p, solution)
    ours, best = engine_cost(p, solution), brute_force_cost(p)
    assert ours == best, f"engine {ours} vs brute force {best}\n{p.model_dump_json(exclude_none=True)}\n{solution.model_dump_json(include={'routes', 'unassigned'})}"
