"""Property-based fuzzing of the OpenAPI schema (schemathesis) against a real server: no 5xx,
status codes, content types and bodies conform to the documented responses.

Bounded: 25 examples per operation and a server that caps solves at 0.3 s (sync) / 2 s (async),
so accepted problems cannot hold the workers for long. (Hypothesis drives schemathesis'
per-operation strategies directly: ``schemathesis.pytest.from_fixture`` does not run on pytest 9.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from api.app import create_app
from api.settings import Settings
from tests.api.server import ApiServer

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
OPERATIONS = [
    (method.upper(), path)
    for path, item in create_app(Settings()).openapi()["paths"].items()
    for method in item
]


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    srv = ApiServer(
        tmp_path_factory.mktemp("fuzz") / "fuzz.db", how="uvicorn", workers=2,
        DISPATCH_SYNC_TIME_LIMIT_S=0.3, DISPATCH_MAX_TIME_LIMIT_S=2, DISPATCH_MAX_QUEUE=8,
        DISPATCH_MAX_JOBS=50, DISPATCH_MAX_TECHNICIANS=20, DISPATCH_MAX_LOCATIONS=100,
    ).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def api_schema(fuzz_server):
    return schemathesis.openapi.from_url(fuzz_server.url + "/openapi.json")


@pytest.mark.parametrize("method,path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_openapi_conformance(api_schema, method, path):
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
    def check(case):
        case.call_and_validate(checks=CHECKS, timeout=30)

    check()
