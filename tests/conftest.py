"""Shared fixtures. Tests that need ../shared are marked ``shared`` and use ``shared_dir``: it
skips with a clear message when the folder is absent, unless DISPATCH_REQUIRE_SHARED=1 (set by
.ci/run), in which case a missing folder is a failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from optimizer.paths import shared_dir as _shared_dir
from tests.postgres import fresh_database, start_cluster


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = _shared_dir()
    if not (path / "instances").is_dir() or not (path / "regions").is_dir():
        message = f"shared data not found at {path} (set DISPATCH_SHARED_DIR); shared tests need it"
        if os.environ.get("DISPATCH_REQUIRE_SHARED") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def postgres_server():
    """URL of a real PostgreSQL server (a throwaway cluster; see tests/postgres.py)."""
    yield from start_cluster()


@pytest.fixture()
def postgres_url(postgres_server) -> str:
    """A fresh, empty database on that server."""
    return fresh_database(postgres_server)


# Tests measured at about 4 s or more (call time, 2 shared cores; `--durations=10` prints the
# slowest of every run). They get the `slow` marker here, in one place, so that
# `pytest -m "not slow"` is a quick loop; CI runs everything. Keys are "file::function" (every
# parametrization of the function); a key naming a function that no longer exists in a collected
# file is an error, so the list cannot silently go stale.
SLOW_TESTS = {
    "tests/api/test_fairness.py::test_recommendation_load_keeps_get_fast_and_answers_429",  # 16 s
    "tests/api/test_shutdown.py::test_sigterm_keeps_accepted_jobs_and_they_finish_after_restart",  # 15 s
    "tests/api/test_fairness.py::test_a_disconnecting_sync_client_frees_its_worker_within_a_second",  # 13 s
    "tests/api/test_restart.py::test_results_survive_restart",  # 12 s
    "tests/benchmarks/test_vrptw_smoke.py::test_two_solomon_instances_all_engines_validate",  # 12 s
    "tests/api/test_docs.py::test_curl_example_in_docs_works",  # 11 s
    "tests/api/test_fuzz.py::test_openapi_conformance",  # 39 s over all operations
    "tests/solvers/test_properties.py::test_every_answer_is_valid_and_complete",  # 8 s
    "tests/api/test_fairness.py::test_a_large_scenario_does_not_starve_another_client",  # 6 s
    "tests/solvers/test_vroom_seed.py::test_engine_seeded_by_vroom_gives_valid_complete_answers",  # 6 s
    "tests/replan/test_simulated_day.py::test_small_day_stays_valid_after_every_event",  # 5 s
    "tests/api/test_concurrency.py::test_twenty_concurrent_optimize_requests",  # 5 s + 5 s set-up
    "tests/cli/test_planning_cli.py::test_report_and_export",  # 5 s
    "tests/api/test_shutdown.py::test_workers_die_with_the_server_on_kill_9",  # 5 s
    "tests/api/test_errors.py::test_api_keys",  # 5 s
    "tests/benchmarks/test_fieldservice.py::test_harness_small_size_all_engines",  # 4 s
    "tests/report/test_browser.py::test_scenario_report_in_chromium",  # 4 s
    "tests/api/test_docs.py::test_docs_pages_render_in_chromium_without_the_network",  # 8 s
    "tests/api/test_progress_api.py::test_async_job_shows_the_search_progress",  # 4.5 s
    "tests/decompose/test_ray.py::test_decomposed_solve_on_ray_reruns_the_territory_of_a_killed_worker",  # 17 s + 9 s Ray start
    "tests/decompose/test_ray.py::test_what_if_variants_run_as_ray_tasks",  # 2 s on the started Ray
    "tests/decompose/test_process_pool.py::test_a_killed_pool_worker_reruns_its_territory",  # 13 s
    "tests/decompose/test_api_decomposition.py::test_decomposed_solve_and_field_errors_over_http",  # 12 s with the server start
    "tests/api/test_replicas.py::test_jobs_are_shared_and_each_solved_once",  # 11 s + 9 s two servers
    "tests/api/test_replicas.py::test_a_restart_leaves_the_other_replicas_running_job_and_a_crash_loses_nothing",  # 16 s + 9 s
    "tests/api/test_replicas.py::test_concurrent_event_posts_on_one_plan_through_two_replicas",  # 4 s + 7 s
    "tests/api/test_replicas.py::test_a_long_solve_renews_its_lease_and_a_dead_replicas_job_is_taken_over_after_it",  # 33 s + 4 s
    "tests/api/test_ray_solvers.py::test_two_replicas_share_one_ray_cluster_and_a_killed_ray_worker_loses_no_job",  # 45 s + 4 s Ray head
    "tests/api/test_ray_solvers.py::test_an_unreachable_ray_address_stops_the_server_within_seconds",  # 9 s silent (5 s timeout)
    "tests/api/test_stores.py::test_a_bad_database_url_stops_the_server_within_seconds",  # 6.5 s (the 5 s connect timeout) + 2 s
}


def pytest_collection_modifyitems(config, items):
    seen_files = set()
    found = set()
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        seen_files.add(path)
        key = f"{path}::{getattr(item, 'originalname', None) or item.name.split('[', 1)[0]}"
        if key in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
            found.add(key)
    stale = sorted(k for k in SLOW_TESTS - found if k.split("::", 1)[0] in seen_files)
    if stale:
        raise pytest.UsageError("tests/conftest.py SLOW_TESTS names tests that do not exist: " + ", ".join(stale))
