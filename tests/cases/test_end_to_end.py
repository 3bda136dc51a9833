"""A real run (in-process dispatcher, the same run function a worker uses) of a suite with
a ``@pytest.mark.case`` marker: the plugin's report reaches ``run_tests.meta`` and the
run-finished hook links the results, creating a case for the unlinked test."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cases.helpers import Project
from tests.runs.helpers import make_git_repo, signed_in_api

SUITE = {
    "tests/test_shop.py": (
        "import pytest\n\n"
        '@pytest.mark.case("TC-1")\n'
        "def test_pay():\n    assert 1 + 1 == 2\n\n"
        "def test_search_tea():\n"
        '    """Searching finds the tea."""\n'
        "    assert 'tea'.upper() == 'TEA'\n"
    ),
}


@pytest.fixture
def settings_overrides(shared_env_cache: Path) -> dict[str, Any]:
    return {"dispatcher": "inprocess", "event_bus": "memory", "env_cache_dir": shared_env_cache}


async def test_a_real_run_links_marked_tests_and_creates_cases_for_the_rest(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    owner = await signed_in_api(client, "e2e-cases@example.com")
    created = await owner.project(make_git_repo(tmp_path, SUITE))
    project = Project(client=client, owner=owner, id=created["id"], org_id=owner.org_id)
    pay = await project.case("Pay by card", automation="to_automate")
    run = await owner.wait((await owner.start(project.id))["id"])
    assert run["status"] == "passed", run["reason"]

    # The hook runs right after the final state is committed: poll briefly for it.
    for _ in range(100):
        listed = await project.get(f"/api/projects/{project.id}/cases")
        if listed["total"] == 2:
            break
        await asyncio.sleep(0.2)
    by_key = {c["key"]: c for c in listed["items"]}
    assert by_key["TC-1"]["id"] == pay["id"]
    assert by_key["TC-1"]["automation"] == "automated"
    assert by_key["TC-1"]["linked_tests"] == ["tests/test_shop.py::test_pay"]
    assert by_key["TC-2"]["title"] == "Search tea: Searching finds the tea."
    history = await project.get(f"/api/cases/{pay['id']}/history")
    assert [(r["run_id"], r["outcome"]) for r in history["results"]] == [(run["id"], "passed")]
