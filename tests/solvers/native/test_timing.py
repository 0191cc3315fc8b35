"""The compiled route timing (:func:`optimizer.solvers.native.timing.eval_route`) against the
Python reference: :func:`optimizer.solvers.schedule.schedule_route` (the scheduler that times
every final plan) and :func:`optimizer.solvers.objective.plan_cost`.

On random small problems with every rule on, random sequences of allowed jobs per technician
(any order, any length, several windows, deadlines by priority, 0-2 breaks, a matrix without the
triangle inequality) must be infeasible for both or cost the same, part by part.
"""

from __future__ import annotations

import os
import random

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.solvers.native.timing import eval_route
from optimizer.solvers.schedule import Infeasible
from tests.solvers.native.problems import build, problems

SETTINGS = settings(print_blob=True, max_examples=int(os.environ.get("NATIVE_TEST_EXAMPLES", 120)), deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(problems(), st.integers(0, 2**31))
def test_eval_route_equals_the_python_scheduler_and_plan_cost(p, seed):
    b = build(p)
    rng = random.Random(seed)
    work = b.work()
    outcomes = set()
    for t in range(b.m):
        jobs = [e for e in range(b.n) if b.D.allowed[e, t]]
        for _ in range(12):
            seq = rng.sample(jobs, rng.randint(0, len(jobs)))
            arr = np.array(seq + [-1], dtype=np.int64)
            got = int(eval_route(b.D, t, arr, len(seq), work))
            sched = b.schedule(t, seq)
            where = f"technician {t} route {seq}\n{p.model_dump_json(exclude_none=True)}"
            if isinstance(sched, Infeasible):
                assert got == -1, f"compiled timing finds a route the scheduler rejects ({sched.code}): {where}"
                outcomes.add("infeasible")
                continue
            assert got >= 0, f"compiled timing rejects a route the scheduler times: {where}"
            assert got == b.reference_cost(t, seq), where
            if seq:
                # the parts of the cost, as eval_route documents them in work[0..4]
                late = sum(b.costs.lateness_cost(s.job.priority, s.lateness_s) for s in sched.stops)
                assert (int(work[1]), int(work[2]), int(work[4])) == (sched.travel_s, sched.service_s, late), where
                # no feasible route is longer than the state arrays hold
                if len(seq) <= b.D.tmaxj[t]:
                    assert len(seq) <= b.D.cap, where
            outcomes.add("late" if seq and work[4] > 0 else "feasible")


def test_a_hand_checked_route_with_an_en_route_break():
    """One route timed by hand: leave 8:00, drive 1 h to j0 with a 30-min break that must start
    by 8:30 (taken en route, the drive pauses), serve 60 min from 9:30 to 10:30, deadline 10:00
    (urgent, 600/min -> 30 min x 600 x 100 units), home at 11:30."""
    from tests import explicit as x

    p = x.problem([[0, 3600], [3600, 0]],
                  [x.tech("a", 0, 8, 12, breaks=[x.brk(8.5, 8.5, 30)])],
                  [x.job("j0", 1, 60, priority="urgent", sla_deadline=x.at(10))],
                  engine="native", weights={"workload_balance_per_s": 0.0})
    b = build(p)
    work = b.work()
    got = int(eval_route(b.D, 0, np.array([0], dtype=np.int64), 1, work))
    assert got == 7200 * 100 + 30 * 60 * 600 // 60 * 100 == b.reference_cost(0, [0])
    # without the pause (a break at 8:30 that the drive ignores) the route would end at 10:00, on time
    assert int(work[4]) == 30 * 60 * 1000


def test_a_deadline_before_the_planning_origin_is_late():
    """Shift 9:00-12:00 (the planning origin is 9:00), an urgent job 10 min away whose deadline
    was 8:30: service ends 9:40, 70 min late, 4200 s x 1000 units/s."""
    from tests import explicit as x

    p = x.problem([[0, 600], [600, 0]], [x.tech("a", 0, 9, 12)],
                  [x.job("j0", 1, 30, priority="urgent", sla_deadline=x.at(8.5))],
                  engine="native", weights={"workload_balance_per_s": 0.0})
    b = build(p)
    assert b.cp.jobs[0].deadline_s == -1800
    reference = b.reference_cost(0, [0])
    assert reference == 1200 * 100 + 4200 * 1000
    assert int(eval_route(b.D, 0, np.array([0], dtype=np.int64), 1, b.work())) == reference
