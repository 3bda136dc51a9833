"""Repositories api against the fake GitHub: connect with a token or the App, validation
through GitHub, local paths, list/show/refresh/disconnect, secrets never returned,
another organisation's repositories invisible."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.repositories.models import Repository
from tests.github.fake_github import FakeGitHub
from tests.repositories.helpers import PAT, connect, github_repository, local_repository
from tests.runs.helpers import make_git_repo, signed_in_api


async def test_connect_with_a_token_validates_through_github_and_never_returns_it(
    client: httpx.AsyncClient, app: FastAPI, github: FakeGitHub, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "owner@example.com")
    repository = await github_repository(api, tmp_path)

    assert repository["full_name"] == "octo/shop"
    assert repository["github_repo_id"] == 555
    assert repository["default_branch"] == "main"
    assert repository["protected_branches"] == ["main"]
    assert repository["auth"] == "token"
    assert repository["connected"] is True
    assert PAT not in str(repository)
    shown = await client.get(f"/api/repositories/{repository['id']}", headers=api.headers)
    assert PAT not in shown.text

    calls = github.requests_to("GET", "/repos/octo/shop")
    assert [c.authorization for c in calls] == [f"Bearer {PAT}"]
    # Runs check out the project's source: now the connected repository.
    project = await client.get(f"/api/projects/{repository['project_id']}", headers=api.headers)
    assert project.json()["repository"] == "https://github.com/octo/shop.git"
    async with app.state.db.session(read_only=True) as session:
        row = await session.get(Repository, uuid.UUID(repository["id"]))
        assert row is not None
        assert row.token_encrypted is not None
        assert PAT.encode() not in row.token_encrypted
        assert app.state.keyring.fernet.decrypt(row.token_encrypted) == PAT.encode()


async def test_connect_through_the_github_app_installation(
    client: httpx.AsyncClient, github: FakeGitHub, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "app@example.com")
    project = await api.project(make_git_repo(tmp_path, {"README.md": "x"}))
    body = {"provider": "github", "full_name": "octo/shop", "installation_id": 77}
    repository = (await connect(api, project["id"], body)).json()

    assert repository["auth"] == "app"
    assert repository["installation_id"] == 77
    [mint] = github.requests_to("POST", "/app/installations/77/access_tokens")
    assert (mint.authorization or "").startswith("Bearer ey")  # the App JWT
    [lookup] = github.requests_to("GET", "/repos/octo/shop")
    assert lookup.authorization == f"Bearer {next(iter(github.minted))}"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_bad_connections_get_422s_naming_the_field(
    client: httpx.AsyncClient, github: FakeGitHub, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "bad@example.com")
    project = await api.project(make_git_repo(tmp_path, {"README.md": "x"}))
    pid = project["id"]
    cases: dict[str, dict[str, Any]] = {
        "full_name": {"provider": "github", "full_name": "octo/missing", "token": PAT},
        "token": {"provider": "github", "full_name": "octo/shop", "token": "ghp_wrong"},
        "installation_id": {"provider": "github", "full_name": "octo/shop", "installation_id": 9},
    }
    for field, body in cases.items():
        response = await connect(api, pid, body, expected=422)
        assert response.json()["details"][0]["field"] == field, (field, response.text)
    both = {"provider": "github", "full_name": "octo/shop", "token": PAT, "installation_id": 77}
    assert (await connect(api, pid, both, 422)).json()["details"][0]["field"] == "token"
    shape = {"provider": "github", "full_name": "not-a-repo", "token": PAT}
    assert (await connect(api, pid, shape, 422)).json()["details"][0]["field"] == "full_name"
    not_git = {"provider": "local", "path": str(tmp_path)}
    assert (await connect(api, pid, not_git, 422)).json()["details"][0]["field"] == "path"


async def test_one_connected_repository_per_project_and_reconnect_after_disconnect(
    client: httpx.AsyncClient, github: FakeGitHub, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "again@example.com")
    repository = await github_repository(api, tmp_path)
    pid = repository["project_id"]
    body = {"provider": "github", "full_name": "octo/shop", "token": PAT}
    assert (await connect(api, pid, body, 409)).json()["error"] == "repository_connected"

    gone = await client.delete(f"/api/repositories/{repository['id']}", headers=api.headers)
    assert gone.status_code == 204
    listed = await client.get(f"/api/orgs/{api.org_id}/repositories", headers=api.headers)
    assert listed.json() == []
    everything = await client.get(
        f"/api/orgs/{api.org_id}/repositories?include_disconnected=true", headers=api.headers
    )
    [old] = everything.json()
    assert old["connected"] is False
    assert old["auth"] == "none"  # the stored token was destroyed
    missing = await client.get(f"/api/projects/{pid}/repository", headers=api.headers)
    assert missing.status_code == 404

    again = (await connect(api, pid, body)).json()
    assert again["id"] == repository["id"]
    assert again["connected"] is True

    log = await client.get(f"/api/orgs/{api.org_id}/audit-log", headers=api.headers)
    actions = [e["action"] for e in log.json()["items"] if e["action"].startswith("repository.")]
    assert actions == ["repository.connect", "repository.disconnect", "repository.connect"]
    assert PAT not in log.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_local_repositories_only_where_local_sources_are_allowed(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "local@example.com")
    repository = await local_repository(api, tmp_path, {"README.md": "x"})
    assert repository["provider"] == "local"
    assert repository["full_name"] is None
    assert repository["clone_url"].startswith("file://")
    shown = await client.get(
        f"/api/projects/{repository['project_id']}/repository", headers=api.headers
    )
    assert shown.json()["id"] == repository["id"]

    other = await api.project(make_git_repo(tmp_path / "other", {"README.md": "x"}), "other")
    app.state.settings.allow_local_repositories = False  # as in production mode
    body = {"provider": "local", "path": str(tmp_path / "other" / "remote.git")}
    response = await connect(api, other["id"], body, expected=422)
    assert response.json()["details"][0]["field"] == "path"
    assert "embedded" in response.json()["details"][0]["message"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_refresh_reads_protected_branches_again(
    client: httpx.AsyncClient, github: FakeGitHub, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "refresh@example.com")
    repository = await github_repository(api, tmp_path)
    github.repos["octo/shop"].protected = ["main", "release/1"]
    url = f"/api/repositories/{repository['id']}/protected-branches/refresh"
    response = await client.post(url, headers=api.headers)
    assert response.status_code == 200, response.text
    assert response.json()["protected_branches"] == ["main", "release/1"]
    [call] = github.requests_to("GET", "/repos/octo/shop/branches")[-1:]
    assert call.query["protected"] == "true"


async def test_another_organisations_repositories_answer_404(
    client: httpx.AsyncClient, github: FakeGitHub, tmp_path: Path
) -> None:
    owner = await signed_in_api(client, "owner2@example.com")
    stranger = await signed_in_api(client, "stranger2@example.com")
    repository = await github_repository(owner, tmp_path)
    rid, pid = repository["id"], repository["project_id"]
    h = stranger.headers
    body = {"provider": "github", "full_name": "octo/shop", "token": PAT}
    responses = [
        await client.get(f"/api/repositories/{rid}", headers=h),
        await client.delete(f"/api/repositories/{rid}", headers=h),
        await client.post(f"/api/repositories/{rid}/protected-branches/refresh", headers=h),
        await client.get(f"/api/projects/{pid}/repository", headers=h),
        await client.post(f"/api/projects/{pid}/repository", json=body, headers=h),
        await client.get(f"/api/orgs/{owner.org_id}/repositories", headers=h),
        await client.get(f"/api/repositories/{rid}/workflows", headers=h),
        await client.post(f"/api/repositories/{rid}/workflows", json={"name": "x"}, headers=h),
    ]
    assert [r.status_code for r in responses] == [404] * len(responses)
    # And the owner still sees it connected.
    mine = await client.get(f"/api/repositories/{rid}", headers=owner.headers)
    assert mine.json()["connected"] is True
