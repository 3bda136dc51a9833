"""The example suite (browser steps on the demo shop) as a git repository, run through a
real Celery worker: it passes, each test's steps come back with their cache decisions,
the element cache works through the api (the run token's HTTP store), artifacts are
listed. The shop's URL reaches the test process as a run ``env`` option."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from backend.config import Settings
from examples.demo_app import Variant, running_demo_app
from tests.runs.helpers import make_git_repo, signed_in_api
from tests.runs.servers import ROOT, celery_worker, free_port, live_api

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("celery-workers"),
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
    pytest.mark.timeout(600),
]

EXAMPLES = ROOT / "examples"
# The layout the runner needs: the ``examples`` package (the suite imports
# ``examples.demo_app`` and ``examples.tests.helpers``) and a pytest.ini, so pytest's rootdir
# is the repository and node ids read ``examples/tests/...``.
REPOSITORY_FILES = {"pytest.ini": "[pytest]\n", "examples/__init__.py": ""}
REPOSITORY_TREES = {
    "examples/demo_app": EXAMPLES / "demo_app",
    "examples/tests": EXAMPLES / "tests",
}
SELECTION = {
    "test_paths": ["examples/tests/test_semantic_cache.py"],
    "keyword": "repeated_step or near_identical",
}
HITS = {"cache_hit", "cache_hit_verified"}


async def test_the_example_suite_runs_its_browser_steps_through_a_worker(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "examples@example.com")
    repository = make_git_repo(tmp_path / "repo", REPOSITORY_FILES, REPOSITORY_TREES)
    project = await api.project(repository, name="examples")
    api_port = free_port()
    api_url = f"http://127.0.0.1:{api_port}"
    with (
        running_demo_app(Variant.ORIGINAL) as shop,
        live_api(settings, port=api_port),  # the test process's cache store
        celery_worker(settings, tmp_path / "logs", TESTABLE_RUN_API_URL=api_url) as worker,
    ):
        run = await api.start(
            project["id"],
            selection=SELECTION,
            options={"env": {"TESTABLE_DEMO_URL": shop.base_url}, "timeout": 400},
        )
        detail = await api.wait(run["id"], within=500)
        log = worker.output()

    errors = [(t["node_id"], t["error_message"]) for t in detail["tests"] if t["error_message"]]
    assert detail["status"] == "passed", (detail["reason"], errors, log[-3000:])
    assert (detail["total"], detail["passed"]) == (2, 2)
    tests = {t["node_id"].partition("[")[0]: t for t in detail["tests"]}
    assert set(tests) == {
        "examples/tests/test_semantic_cache.py::test_near_identical_instructions_share_one_cache_entry",
        "examples/tests/test_semantic_cache.py::test_repeated_step_is_served_from_the_cache",
    }
    # Every step carries its cache decision, as the plugin wrote it (testable.steps).
    steps = [step for test in tests.values() for step in test["steps"]]
    assert steps
    assert all(step.get("decision") for step in steps)
    repeated = tests[
        "examples/tests/test_semantic_cache.py::test_repeated_step_is_served_from_the_cache"
    ]
    clicks = [s for s in repeated["steps"] if s.get("kind") != "goto"]
    assert len(clicks) == 2
    # Found by the resolver on a fresh cache, stored through the api, then served from it.
    assert clicks[0]["decision"] == "resolver"
    assert clicks[1]["decision"] in HITS
    assert clicks[1]["resolver_calls"] == 0
    stats = detail["cache_stats"]
    assert stats["steps"] == len(steps)
    assert stats["cache_hits"] >= 2

    kinds = {a["kind"] for a in detail["artifacts"]}
    assert {"json_report", "junit_xml", "log"} <= kinds
    report = next(a for a in detail["artifacts"] if a["kind"] == "json_report")
    downloaded = await client.get(report["download_url"], headers=api.headers)
    assert downloaded.status_code == 200
    assert downloaded.json()["summary"]["passed"] == 2
