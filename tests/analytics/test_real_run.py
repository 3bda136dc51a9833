"""A real run (in-process dispatcher, the run function a worker uses): the after-finish
hook registered by ``create_app`` folds its results into analytics — the search, the
test's history with its status, a failure cluster, the suite's trend — and a quarantined
test's failure does not fail the next run."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.analytics.helpers import Project
from tests.runs.helpers import make_git_repo, signed_in_api

SUITE = {
    "tests/test_shop.py": (
        "import pytest\n\n"
        "@pytest.mark.smoke\n"
        "def test_pay():\n    assert 1 + 1 == 2\n\n"
        "def test_broken():\n    assert 2 + 2 == 5, 'arithmetic is broken'\n"
    ),
}
BROKEN = "tests/test_shop.py::test_broken"


@pytest.fixture
def settings_overrides(shared_env_cache: Path) -> dict[str, Any]:
    return {"dispatcher": "inprocess", "event_bus": "memory", "env_cache_dir": shared_env_cache}


async def test_a_real_run_reaches_analytics(client: httpx.AsyncClient, tmp_path: Path) -> None:
    owner = await signed_in_api(client, "e2e-analytics@example.com")
    created = await owner.project(make_git_repo(tmp_path, SUITE))
    project = Project(api=owner, id=created["id"])
    run = await owner.wait((await owner.start(project.id))["id"])
    assert run["status"] == "failed", run["reason"]

    # The hook runs right after the final state is committed: poll briefly for it.
    for _ in range(100):
        tests = await project.get("/tests")
        if tests["total"] == 2:
            break
        await asyncio.sleep(0.2)
    by_name = {t["test"]: t for t in tests["items"]}
    assert by_name[BROKEN]["last_outcome"] == "failed"
    assert by_name[BROKEN]["last_run_id"] == run["id"]
    assert by_name["tests/test_shop.py::test_pay"]["markers"] == ["smoke"]
    history = await project.get("/tests/history", test=BROKEN)
    assert [h["run_id"] for h in history["items"]] == [run["id"]]
    assert "arithmetic is broken" in (history["items"][0]["error_message"] or "")
    [cluster] = (await project.get("/clusters"))["items"]
    assert (cluster["tests_count"], cluster["failures_count"]) == (1, 1)
    assert sum(p["results"] for p in (await project.get("/trends"))["points"]) == 2

    quarantined = await client.post(
        f"{project.base}/quarantine",
        json={"test": BROKEN, "reason": "known arithmetic bug"},
        headers=owner.headers,
    )
    assert quarantined.status_code == 201, quarantined.text
    second = await owner.wait((await owner.start(project.id))["id"])
    assert second["status"] == "passed", second["reason"]
    assert "quarantined" in (second["reason"] or "")
