"""Workflows api: create, change with version history, 422s naming the field, another
organisation's workflows invisible, manual runs (with one-off variables, executed for real
once), required variables checked first."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from backend.runs.jobs import wait_in_process
from tests.github.fake_github import FakeGitHub
from tests.repositories.helpers import github_repository, local_repository
from tests.runs.helpers import signed_in_api
from tests.workflows.helpers import create_workflow

CONFIG = {
    "triggers": {"schedule": {"cron": "0 6 * * 1-5", "timezone": "Europe/Paris"}},
    "branches": {"strategy": "list", "include": ["main", "release/*"]},
    "reporting": {"destinations": [{"type": "pr_comment", "settings": {}}]},
    "execution": {"timeout": 600, "retries": 1},
}


async def test_create_change_and_read_the_version_history(
    client: httpx.AsyncClient, github: FakeGitHub, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "versions@example.com")
    repository = await github_repository(api, tmp_path)
    workflow = await create_workflow(api, repository["id"], config=CONFIG)
    url = f"/api/workflows/{workflow['id']}"
    assert workflow["version"] == 1
    assert workflow["config"]["execution"]["timeout"] == 600
    assert workflow["config"]["triggers"]["push"] is True  # defaults filled in

    changed = CONFIG | {"execution": {"timeout": 900, "retries": 1}}
    patched = await client.patch(url, json={"config": changed}, headers=api.headers)
    assert patched.json()["version"] == 2
    same = await client.patch(url, json={"config": changed}, headers=api.headers)
    assert same.json()["version"] == 2  # nothing changed, no new version
    renamed = await client.patch(
        url, json={"name": "nightly", "enabled": False}, headers=api.headers
    )
    assert renamed.json()["version"] == 3

    versions = (await client.get(f"{url}/versions", headers=api.headers)).json()
    assert [v["version"] for v in versions] == [3, 2, 1]
    assert versions[1]["diff"] == [
        {"path": "config.execution.timeout", "op": "replace", "old": 600, "new": 900}
    ]
    assert {c["path"] for c in versions[0]["diff"]} == {"name", "enabled"}
    assert all(v["changed_by_id"] for v in versions)
    assert versions[2]["config"]["execution"]["timeout"] == 600

    listed = await client.get(
        f"/api/repositories/{repository['id']}/workflows", headers=api.headers
    )
    assert [w["name"] for w in listed.json()] == ["nightly"]
    preview = (await client.get(f"{url}/schedule", headers=api.headers)).json()
    assert len(preview["next_slots"]) == 5
    assert (await client.delete(url, headers=api.headers)).status_code == 204
    assert (await client.get(url, headers=api.headers)).status_code == 404
    log = (await client.get(f"/api/orgs/{api.org_id}/audit-log", headers=api.headers)).json()
    actions = [e["action"] for e in log["items"] if e["action"].startswith("workflow.")]
    # Newest first; the unchanged PATCH wrote nothing.
    assert actions == ["workflow.delete", "workflow.update", "workflow.update", "workflow.create"]


async def test_invalid_configurations_answer_422_naming_each_field(
    client: httpx.AsyncClient, github: FakeGitHub, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "invalid@example.com")
    repository = await github_repository(api, tmp_path)
    bad = {
        "triggers": {"schedule": {"cron": "every day", "timezone": "Europe/Atlantis"}},
        "branches": {"include": ["re:(("]},
        "reporting": {"destinations": [{"type": "fax"}]},
        "execution": {"timeout": 999999},
    }
    response = await client.post(
        f"/api/repositories/{repository['id']}/workflows",
        json={"name": "bad", "config": bad},
        headers=api.headers,
    )
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["details"]}
    assert fields == {
        "config.triggers.schedule.cron",
        "config.triggers.schedule.timezone",
        "config.branches.include[0]",
        "config.execution.timeout",
    }  # the destination is checked once the rest is valid
    fax = await client.post(
        f"/api/repositories/{repository['id']}/workflows",
        json={"name": "fax", "config": {"reporting": {"destinations": [{"type": "fax"}]}}},
        headers=api.headers,
    )
    assert fax.json()["details"][0]["field"] == "config.reporting.destinations[0].type"

    await create_workflow(api, repository["id"], "dup")
    duplicate = await create_workflow(api, repository["id"], "dup", expected=409)
    assert duplicate["error"] == "workflow_exists"
    validated = await client.post("/api/workflows/validate", json={}, headers=api.headers)
    assert validated.json()["execution"]["timeout"] == 1800


async def test_another_organisations_workflows_answer_404(
    client: httpx.AsyncClient, github: FakeGitHub, tmp_path: Path
) -> None:
    owner = await signed_in_api(client, "wf-owner@example.com")
    stranger = await signed_in_api(client, "wf-stranger@example.com")
    repository = await github_repository(owner, tmp_path)
    workflow = await create_workflow(owner, repository["id"], config=CONFIG)
    url = f"/api/workflows/{workflow['id']}"
    h = stranger.headers
    responses = [
        await client.get(url, headers=h),
        await client.patch(url, json={"enabled": False}, headers=h),
        await client.delete(url, headers=h),
        await client.get(f"{url}/versions", headers=h),
        await client.get(f"{url}/schedule", headers=h),
        await client.post(f"{url}/runs", json={}, headers=h),
    ]
    assert [r.status_code for r in responses] == [404] * len(responses)
    assert (await client.get(url, headers=owner.headers)).json()["enabled"] is True


SUITE = {
    "tests/test_env.py": (
        "import os\n\n"
        "def test_greeting():\n    assert os.environ['GREETING'] == 'hello'\n\n"
        "def test_other():\n    assert True\n"
    ),
    "other/test_skipped.py": "def test_never():\n    raise AssertionError('not selected')\n",
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_manual_run_with_one_off_variables_executes_the_workflows_settings(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "manual@example.com")
    repository = await local_repository(api, tmp_path, SUITE)
    config = {
        "environment": {"required": ["GREETING"]},
        "execution": {"timeout": 300, "test_path": "tests", "resolver": "local"},
    }
    workflow = await create_workflow(api, repository["id"], config=config)
    url = f"/api/workflows/{workflow['id']}/runs"

    missing = await client.post(url, json={}, headers=api.headers)
    assert missing.status_code == 422, missing.text
    assert missing.json()["details"] == [
        {"field": "env.GREETING", "message": "required variable has no value"}
    ]
    reserved = await client.post(url, json={"env": {"PATH": "/x"}}, headers=api.headers)
    assert reserved.status_code == 422
    assert reserved.json()["details"][0]["field"] == "env"

    started = await client.post(url, json={"env": {"GREETING": "hello"}}, headers=api.headers)
    assert started.status_code == 201, started.text
    run = started.json()
    assert run["trigger"] == "manual"
    assert run["branch"] == "main"
    assert run["options"]["env"] == {"GREETING": "hello"}
    assert run["options"]["timeout"] == 300
    assert run["selection"]["test_paths"] == ["tests"]
    done = await api.wait(run["id"])
    wait_in_process(done["id"], 30)
    assert done["status"] == "passed", done
    assert done["total"] == 2  # other/ was not selected

    off = await client.patch(
        f"/api/workflows/{workflow['id']}",
        json={"config": config | {"triggers": {"manual": False}}},
        headers=api.headers,
    )
    assert off.status_code == 200
    refused = await client.post(url, json={"env": {"GREETING": "x"}}, headers=api.headers)
    assert refused.status_code == 409
    assert refused.json()["error"] == "manual_runs_off"
