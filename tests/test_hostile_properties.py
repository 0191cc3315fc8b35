"""Property-based: hostile input through the library, the CLI and the API (a real server).

Each example takes a small valid problem and breaks one or two things: a numeric field set to an
extreme (NaN, +-Infinity, 1e300, 2^63, 10^30, negative, huge explicit-matrix entries or indexes,
or a value at the documented maxima, which must solve), a datetime at year 1 or 9999, without
offset or invalid, an unknown engine, a reference to a technician or job that does not exist (in the problem or in a plan handed to recommendations /
re-plan), or the file written in another text encoding. Whatever the input, the answer is a
Solution (which the independent validator accepts) or a field-level error: a pydantic
ValidationError in the library, exit code 2 with one line naming the file in the CLI, a 4xx
envelope with JSON paths from the API. Never another exception, a traceback or a 5xx.
"""

from __future__ import annotations

import contextlib
import io
import json
import math

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from optimizer.models import Problem, Solution
from optimizer.validate import validate
from tests import factories as f

EXTREME_FLOATS = [math.nan, math.inf, -math.inf, 1e300, -1e300, 9e16, 1e7, 2.0**63, -1.0, 0.0, 1e-300, 5e-324]
EXTREME_INTS = [2**63, 10**30, -(2**63), 2**53, 2**53 - 1, 10**9, 10**9 + 1, -1, 0]
AT_THE_MAXIMA = [0, 0.0, 1e-300, 1000.0, 1e6, 1e7, 1e8, 10**9, 2**53 - 1, 60.2, 24.9]
"""Values at or inside the documented maxima (weights 1e6/1e8, unassigned multiples 1000,
matrix entries 1e7 s, table integers 1e9, other integers 2^53-1): these must solve."""
EXTREMES = (st.sampled_from(AT_THE_MAXIMA) | st.sampled_from(EXTREME_FLOATS + EXTREME_INTS)
            | st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(2**70), 2**70))

NUMERIC_PATHS = [
    ("options", "weights", "travel_time_per_s"),
    ("options", "weights", "distance_per_km"),
    ("options", "weights", "workload_balance_per_s"),
    ("options", "weights", "non_preferred_technician"),
    ("options", "weights", "technician_fixed_cost"),
    ("options", "weights", "sla_lateness_per_min", "urgent"),
    ("options", "weights", "unassigned_penalty", "low"),
    ("options", "speed_factor"),
    ("options", "seed"),
    ("options", "candidates_per_job"),
    ("technicians", 0, "max_jobs"),
    ("technicians", 0, "parts", "fuse"),
    ("technicians", 1, "skills", "hvac"),
    ("technicians", 0, "start_location", "lat"),
    ("technicians", 1, "start_location", "lon"),
    ("jobs", 0, "parts", "fuse"),
    ("jobs", 1, "duration_min"),
    ("jobs", 2, "skills", "hvac"),
    ("jobs", 2, "location", "lat"),
    ("jobs", 0, "location", "index"),
    ("explicit", 0, 1),
    ("explicit", 3, 2),
]
DATETIME_PATHS = [
    ("technicians", 0, "shift", "end"),
    ("technicians", 1, "shift", "start"),
    ("jobs", 1, "sla_deadline"),
    ("jobs", 2, "time_windows"),
]
DATETIMES = ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00", "2026-11-24T08:00:00+23:59",
             "2026-11-24T08:00:00", "not a date", "2026-02-30T08:00:00+02:00"]
REFERENCE_PATHS = [
    ("jobs", 0, "pinned_technician"),
    ("jobs", 1, "preferred_technicians"),
    ("jobs", 2, "excluded_technicians"),
]


def base_problem(explicit: bool) -> dict:
    techs = [
        f.tech("t1", skills={"hvac": 2}, parts={"fuse": 4}),
        f.tech("t2", skills={"hvac": 1}, loc=f.point(2, 1)),
    ]
    jobs = [
        f.job("j0", loc=f.point(1, 0.5), parts={"fuse": 1}),
        f.job("j1", loc=f.point(-1, 1), duration_min=20, sla_deadline=f.at(12), priority="urgent"),
        f.job("j2", loc=f.point(0.5, -1), skills={"hvac": 1}),
    ]
    data = f.problem(techs, jobs, time_limit_s=0.2).model_dump(mode="json", exclude_none=True)
    if explicit:
        n = 5
        data["options"]["matrix"] = "explicit"
        data["options"]["explicit_matrix"] = {"durations_s": [[0 if i == j else 300 + 60 * abs(i - j) for j in range(n)] for i in range(n)]}
        for k, tech in enumerate(data["technicians"]):
            tech["start_location"] = {"index": k}
        for k, job in enumerate(data["jobs"]):
            job["location"] = {"index": k + 2}
    return data


def _set(data: dict, path: tuple, value) -> None:
    if path[0] == "explicit":
        matrix = data["options"].get("explicit_matrix")
        if matrix is None:
            return
        matrix["durations_s"][path[1]][path[2]] = value
        return
    target = data
    for key in path[:-1]:
        target = target[key] if isinstance(key, int) else target.setdefault(key, {})
    target[path[-1]] = value


@st.composite
def hostile_problems(draw) -> dict:
    data = base_problem(explicit=draw(st.booleans()))
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["numeric", "numeric", "numeric", "reference", "engine", "datetime"]))
        if kind == "datetime":
            path, value = draw(st.sampled_from(DATETIME_PATHS)), draw(st.sampled_from(DATETIMES))
            _set(data, path, [{"start": f.at(9), "end": value}] if path[-1] == "time_windows" else value)
        elif kind == "engine":
            data["options"]["engine"] = draw(st.sampled_from(["nope", "", "ORTOOLS", "ortools ", "native"]))
        elif kind == "numeric":
            _set(data, draw(st.sampled_from(NUMERIC_PATHS)), draw(EXTREMES))
        else:
            path = draw(st.sampled_from(REFERENCE_PATHS))
            ghost = draw(st.sampled_from(["ghost", "", "T99", "t1 "]))
            _set(data, path, ghost if path[-1] == "pinned_technician" else [ghost])
    return data


def to_json(data: dict) -> str:
    """JSON as Python writes it: NaN and Infinity become the bare words (which strict JSON has
    not, but many clients send); integers of any size stay exact."""
    return json.dumps(data)


def _bounded_time(problem: Problem) -> Problem:
    if problem.options.time_limit_s > 0.3:
        problem = problem.model_copy(update={"options": problem.options.model_copy(update={"time_limit_s": 0.3})})
    return problem


def COMMON(max_examples: int):
    return settings(max_examples=max_examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])


@COMMON(40)
@given(hostile_problems())
def test_library_answers_a_solution_or_a_field_error(data):
    from optimizer.solve import solve

    try:
        problem = Problem.model_validate_json(to_json(data))
    except ValidationError as exc:
        assert all(err["loc"] or err["type"] == "json_invalid" for err in exc.errors()), exc.errors()
        event("field error")
        return
    event("solved")
    problem = _bounded_time(problem)
    solution = solve(problem)
    assert isinstance(solution, Solution)
    assert validate(problem, solution) == []
    assert {s.job_id for r in solution.routes for s in r.stops} | {u.job_id for u in solution.unassigned} == {j.id for j in problem.jobs}


def _cli(*args: str) -> tuple[int, str]:
    from optimizer.cli import main

    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(list(args))
    return code, err.getvalue()


ENCODINGS = ["utf-8", "utf-16", "gb18030", "latin-1", "cp1252"]


@COMMON(30)
@given(hostile_problems(), st.sampled_from(ENCODINGS), st.sampled_from(["José", "维修", "plain"]))
def test_cli_exits_0_or_2_with_one_line_naming_the_file(tmp_path_factory, data, encoding, name):
    data["jobs"][0]["id"] = f"{name}-0"
    text = to_json(data).replace('"pinned_technician": "j0"', "")
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "problem.json"
    try:
        path.write_bytes(text.encode(encoding))
    except UnicodeEncodeError:
        path.write_bytes(text.encode("utf-8"))
    code, stderr = _cli("optimize", str(path), "-o", str(folder / "out.json"), "--time-limit", "0.2")
    assert "Traceback" not in stderr
    assert code in (0, 2), (code, stderr)
    event(f"exit {code}")
    if code == 2:
        first = stderr.strip().splitlines()[0]
        assert "problem.json" in first, stderr
    else:
        problem = Problem.model_validate_json(path.read_bytes().decode("utf-8"))
        solution = Solution.model_validate_json((folder / "out.json").read_text())
        assert validate(problem, solution) == []


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    from tests.api.server import ApiServer

    srv = ApiServer(tmp_path_factory.mktemp("props") / "jobs.db", how="cli", workers=1,
                    DISPATCH_MAX_QUEUE=8, DISPATCH_SYNC_TIME_LIMIT_S=0.3).start()
    with srv.client() as client:
        yield client
    srv.stop()


def _assert_answer(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        error = response.json()["error"]
        assert error["details"] and all(d["path"].startswith("$") for d in error["details"]), error


@COMMON(40)
@given(hostile_problems())
def test_api_answers_a_solution_or_a_field_error(api, data):
    body = to_json(data).encode()
    response = api.post("/v1/optimize", content=body, headers={"content-type": "application/json"})
    _assert_answer(response)
    event(f"HTTP {response.status_code}")
    if response.status_code == 200:
        problem = Problem.model_validate_json(body)
        solution = Solution.model_validate(response.json())
        assert validate(_bounded_time(problem), solution) == []


@COMMON(25)
@given(
    st.sampled_from(["technician", "job", "duplicate"]),
    st.sampled_from(["recommendations", "replan"]),
    st.sampled_from(["ghost", "", "t1", "j0"]),
)
def test_plans_with_unknown_references_are_field_errors(api, what, endpoint, name):
    data = base_problem(explicit=False)
    data["options"]["matrix"] = "haversine"
    plan = {"routes": [{"technician_id": "t1", "stops": [{"job_id": "j0", "arrival": f.at(9), "start": f.at(9), "end": f.at(9.5),
                                                          "travel_time_s": 60, "distance_m": 500}]}], "unassigned": []}
    if what == "technician":
        plan["routes"][0]["technician_id"] = name if name not in ("t1",) else "t9"
    elif what == "job":
        plan["routes"][0]["stops"][0]["job_id"] = name if name != "j0" else "j9"
    else:
        plan["routes"][0]["stops"].append(dict(plan["routes"][0]["stops"][0]))
    if endpoint == "recommendations":
        response = api.post("/v1/recommendations", json={"problem": data, "plan": plan, "job_ids": ["j1"]})
    else:
        response = api.post("/v1/replan", json={"problem": data, "previous": plan, "events": []})
    assert response.status_code == 422, response.text
    paths = [d["path"] for d in response.json()["error"]["details"]]
    prefix = "$.plan.routes[0]" if endpoint == "recommendations" else "$.previous.routes[0]"
    assert any(p.startswith(prefix) for p in paths), paths
