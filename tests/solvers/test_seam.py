"""The engine seam: the budget, the engine table, engine settings in the options, and the public
pipeline steps (``prepare -> precheck -> repair -> objective -> assemble``)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time

import pytest
from pydantic import ValidationError

from optimizer.models import Options
from optimizer.solvers.base import EngineResult
from optimizer.solvers.budget import Budget
from optimizer.solvers.engines import ENGINES, EngineSpec, OrToolsParams, engine_names, get_engine
from optimizer.validate import validate
from tests.api.conftest import client, server, small_problem  # noqa: F401  (the real-server fixtures)
from tests.factories import job, point, problem, tech, window


def _small(**options):
    techs = [
        tech("a", skills={"hvac": 1}),
        tech("b", loc=point(3, 1), breaks=[{"earliest_start": "2026-11-24T11:30:00+02:00", "latest_start": "2026-11-24T12:30:00+02:00", "duration_min": 30}]),
    ]
    jobs = [
        job(f"j{i}", loc=point((i * 7) % 5 - 2, (i * 3) % 4 - 2), duration_min=20, time_windows=[window(8 + i % 4, 16)],
            skills={"hvac": 1} if i % 5 == 0 else {}, priority=["urgent", "high", "normal", "low"][i % 4])
        for i in range(12)
    ]
    jobs.append(job("nobody", skills={"gas": 3}))
    return problem(techs, jobs, **options)


# --- Budget ---------------------------------------------------------------------------------

def test_budget_deadline_and_remaining():
    b = Budget.of(60)
    assert 59 < b.remaining_s() <= 60
    assert not b.expired() and not b.expired(10**9)  # no iteration limit: iterations never expire it
    assert Budget.of(-5).remaining_s() == 0.0  # never negative
    past = Budget(time.monotonic() - 1)
    assert past.remaining_s() == 0.0 and past.expired()


def test_budget_iteration_limit_with_deadline_as_safety_net():
    b = Budget.of(60, max_iterations=3)
    assert not b.expired(0) and not b.expired(2)
    assert b.expired(3) and b.expired(4)
    assert Budget(time.monotonic() - 1, max_iterations=3).expired(0)  # the deadline still applies
    with pytest.raises(ValueError):
        Budget.of(1, max_iterations=-1)


def test_budget_share():
    b = Budget.of(10, max_iterations=7)
    half = b.share(0.5)
    assert half.max_iterations == 7
    assert 4.9 < half.remaining_s() <= 5.0
    assert half.deadline <= b.deadline
    assert b.share(1.0).deadline <= b.deadline and b.share(0.0).expired()
    with pytest.raises(ValueError):
        b.share(1.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.deadline = 0  # type: ignore[misc]


# --- The engine table and the options -------------------------------------------------------

def test_engine_table_is_explicit_and_cheap_to_import():
    assert engine_names() == sorted(ENGINES) and "ortools" in ENGINES
    spec = ENGINES["ortools"]
    assert isinstance(spec, EngineSpec) and spec.name == "ortools" and spec.params is OrToolsParams
    # Importing the table and validating options imports no engine (and not OR-Tools).
    code = ("import sys; from optimizer.models import Options; Options(engine='ortools', engine_params={'model_breaks': True}); "
            "import optimizer.solvers.engines; print(sorted(m for m in sys.modules if 'ortools' in m))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_ortools_param_names_match_installed_ortools():
    from typing import get_args

    from ortools.constraint_solver import routing_enums_pb2 as enums

    from optimizer.solvers.engines import FirstSolution, Metaheuristic

    def names(enum):
        return {v.name for v in enum.DESCRIPTOR.enum_types[0].values} - {"UNSET"}

    assert set(get_args(FirstSolution)) == names(enums.FirstSolutionStrategy)
    assert set(get_args(Metaheuristic)) == names(enums.LocalSearchMetaheuristic)


def test_get_engine_builds_with_settings_and_names_errors():
    engine = get_engine("ortools", {"metaheuristic": "TABU_SEARCH", "model_breaks": True})
    assert engine.name == "ortools" and engine.metaheuristic == "TABU_SEARCH" and engine.model_breaks
    with pytest.raises(ValueError, match=r"unknown engine 'nope'; available: .*ortools"):
        get_engine("nope")
    with pytest.raises(ValueError, match=r"^engine_params\.bogus: .*first_solution"):
        get_engine("ortools", {"bogus": 1})
    with pytest.raises(ValueError, match=r"^engine_params\.warm_start: "):
        get_engine("ortools", {"warm_start": "sometimes"})


def test_unknown_engine_is_a_field_error():
    with pytest.raises(ValidationError) as info:
        Options(engine="nope")
    (err,) = info.value.errors()
    assert err["loc"] == ("engine",) and "unknown engine 'nope'" in err["msg"] and "ortools" in err["msg"]
    with pytest.raises(ValidationError) as info:  # through the whole Problem: options.engine
        _small(engine="nope")
    assert [e["loc"] for e in info.value.errors()] == [("options", "engine")]


def test_bad_engine_params_key_is_named():
    with pytest.raises(ValidationError) as info:
        Options(engine="ortools", engine_params={"metaheuristc": "TABU_SEARCH"})
    (err,) = info.value.errors()
    assert err["loc"] == ("engine_params",) and "engine_params.metaheuristc: Extra inputs are not permitted" in err["msg"]
    with pytest.raises(ValidationError) as info:
        Options(engine="ortools", engine_params={"metaheuristic": "NOPE"})
    assert "engine_params.metaheuristic:" in info.value.errors()[0]["msg"]
    with pytest.raises(ValidationError) as info:
        Options(max_iterations=0)
    assert info.value.errors()[0]["loc"] == ("max_iterations",)
    assert Options(engine="ortools", engine_params={"first_solution": "SAVINGS"}, max_iterations=5).max_iterations == 5


def test_api_answers_422_naming_the_field(client):  # noqa: F811
    body = small_problem(n_jobs=2)
    body["options"]["engine"] = "nope"
    for path in ("/v1/optimize", "/v1/optimizations"):  # the asynchronous one too: 422, not 202 then failure
        r = client.post(path, json=body)
        assert r.status_code == 422, r.text
        detail = r.json()["error"]["details"][0]
        assert detail["path"] == "$.options.engine" and "unknown engine 'nope'" in detail["message"]
    body = small_problem(n_jobs=2)
    body["options"]["engine_params"] = {"bogus": True}
    r = client.post("/v1/optimizations", json=body)
    assert r.status_code == 422, r.text
    detail = r.json()["error"]["details"][0]
    assert detail["path"] == "$.options.engine_params" and "engine_params.bogus" in detail["message"]
    assert "ortools" in client.get("/v1/version").json()["engines"]


# --- solve() through the table --------------------------------------------------------------

class _NotingEngine:
    """Returns no routes (the pipeline's repair serves the jobs) and a note; records its inputs."""

    name = "noting"
    calls: list = []

    def __init__(self, tag: str = "x"):
        self.tag = tag

    def solve(self, cp, costs, budget, seed, initial=None):
        _NotingEngine.calls.append((costs, budget, seed))
        return EngineResult([[] for _ in cp.techs], "noted", None, 0.25, [f"note {self.tag}"], iterations=4, compile_time_s=0.05)


@pytest.fixture()
def noting_engine(monkeypatch):
    from pydantic import BaseModel, ConfigDict

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        tag: str = "x"

    _NotingEngine.calls = []
    monkeypatch.setitem(ENGINES, "noting", EngineSpec("noting", "test engine", lambda s: _NotingEngine(**s), Params))
    return _NotingEngine


def test_engine_notes_budget_and_info_reach_the_solution(noting_engine, monkeypatch):
    import optimizer.solve as pipeline

    built = []
    real = pipeline.build_cost_model
    monkeypatch.setattr(pipeline, "build_cost_model", lambda cp: built.append(real(cp)) or built[-1])
    p = _small(engine="noting", engine_params={"tag": "hello"}, time_limit_s=2, max_iterations=9, seed=3)
    solution = pipeline.solve(p)
    assert validate(p, solution) == []
    assert "noting: note hello" in solution.warnings
    (costs, budget, seed), = noting_engine.calls
    assert len(built) == 1 and costs is built[0]  # one cost model per solve, the engine's too
    assert isinstance(budget, Budget) and budget.max_iterations == 9 and seed == 3
    assert 0 < budget.deadline - time.monotonic() < 2
    info = solution.solver
    assert info.engine == "noting" and info.status == "noted"
    assert info.iterations == 4 and info.compile_time_s == pytest.approx(0.05) and info.search_time_s == pytest.approx(0.2)
    assert len({s.job_id for r in solution.routes for s in r.stops}) == 12  # served by the repair step


def test_max_iterations_reported_and_deterministic():
    p = _small(time_limit_s=5, max_iterations=5, engine="ortools")
    from optimizer.solve import solve

    first, second = solve(p), solve(p)
    for s in (first, second):
        assert validate(p, s) == []
        assert s.solver.engine == "ortools" and 1 <= s.solver.iterations <= 5
        assert s.solver.status == "iteration_limit"
        assert s.solver.search_time_s is not None and s.solver.compile_time_s == 0.0
        assert s.solver.wall_time_s < 4  # stopped by the iteration limit, not the time limit
    assert [[st.job_id for st in r.stops] for r in first.routes] == [[st.job_id for st in r.stops] for r in second.routes]
    assert first.solver.objective == second.solver.objective


def test_max_iterations_native_exact_and_deterministic():
    p = _small(time_limit_s=30, max_iterations=300)
    from optimizer.solve import solve

    first, second = solve(p), solve(p)
    assert first.solver.engine == "native" and first.solver.iterations == 300 == second.solver.iterations
    assert first.solver.status == "iteration_limit"
    assert [(r.technician_id, [s.job_id for s in r.stops]) for r in first.routes] == \
        [(r.technician_id, [s.job_id for s in r.stops]) for r in second.routes]
    assert validate(p, first) == [] and first.solver.objective == second.solver.objective


# --- The public pipeline steps ---------------------------------------------------------------

def test_pipeline_steps_compose_into_a_valid_plan():
    from optimizer.solve import COST_SCALE, assemble, build_cost_model, objective, precheck, prepare, repair, solve

    p = _small(time_limit_s=1, candidates_per_job=2)
    cp = prepare(p)
    rejections = precheck(cp)
    assert [r.job_id for r in rejections] == ["nobody"]
    costs = build_cost_model(cp)
    by_id = cp.job_by_id()
    sequences = [[by_id["j1"].index, by_id["j2"].index], []]  # a partial plan; repair serves the rest
    plan = repair(cp, costs, sequences, rejections, deadline=Budget.of(1).deadline)
    value = objective(cp, costs, plan, rejections)
    assert isinstance(value, int) and value > 0
    solution = assemble(cp, costs, plan, 2)
    assert validate(p, solution) == []
    routed = {s.job_id for r in solution.routes for s in r.stops}
    assert routed == {f"j{i}" for i in range(12)}
    assert [u.job_id for u in solution.unassigned] == ["nobody"]
    assert solution.candidates and all(len(c.ranked) <= 2 for c in solution.candidates)
    # solve() is the same steps with a search between, never worse than its seed after repair.
    seeded = solve(p, cp.matrix, cp.points, initial_routes={"a": ["j1", "j2"]})
    assert seeded.solver.objective <= value / COST_SCALE + 1e-6
    # Without a deadline the repair is deterministic and objective() agrees with itself.
    again = repair(cp, costs, sequences, rejections)
    assert objective(cp, costs, again, rejections) == objective(cp, costs, repair(cp, costs, sequences, rejections), rejections)


def test_a_callers_matrix_build_time_does_not_lengthen_the_search():
    """Re-planning and live plans pass a matrix built earlier; its build time (here a pretend
    30 s) was spent before the call and must not be added to a 1 s search."""
    from optimizer.geo.matrix import build_problem_matrix
    from optimizer.solve import solve

    p = _small(time_limit_s=1.0)
    matrix, points = build_problem_matrix(p)
    matrix.build_time_s = 30.0
    solution = solve(p, matrix, points)
    assert solution.solver.matrix_time_s == 0.0
    assert solution.solver.search_time_s < 5.0
    assert not validate(p, solution)
