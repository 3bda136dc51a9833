"""A project made on a local git repository is connected to it: its runs come from that
folder, so the dashboard (Getting started, Workflows, Repositories) must not offer to
connect it, and ``GET /api/projects/{id}/repository`` answers 200, not 404 (the folder is
adopted on the first look, by that route or the organisation's repository list).
A remote URL or a folder that is not a git repository connects nothing; connecting the
real repository afterwards replaces the local one (same row); another organisation still
gets 404."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.github.fake_github import FakeGitHub
from tests.repositories.helpers import PAT, connect
from tests.runs.helpers import make_git_repo, signed_in_api


async def test_a_project_on_a_local_git_repository_is_connected_to_it(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "local-source@example.com")
    source = make_git_repo(tmp_path / "shop", {"README.md": "x"})
    project = await api.project(source)

    shown = await client.get(f"/api/projects/{project['id']}/repository", headers=api.headers)
    assert shown.status_code == 200, shown.text
    repository = shown.json()
    assert repository["provider"] == "local"
    assert repository["connected"] is True
    assert repository["clone_url"] == source == project["repository"]
    assert repository["auth"] == "none"
    listed = await client.get(f"/api/orgs/{api.org_id}/repositories", headers=api.headers)
    assert [r["id"] for r in listed.json()] == [repository["id"]]
    # Workflows hang on it like on any connected repository.
    made = await client.post(
        f"/api/repositories/{repository['id']}/workflows",
        json={"name": "nightly"},
        headers=api.headers,
    )
    assert made.status_code == 201, made.text
    # A folder sends no push or pull-request events: those triggers start off there.
    triggers = made.json()["config"]["triggers"]
    assert (triggers["push"], triggers["pull_request"], triggers["manual"]) == (False, False, True)
    explicit = await client.post(
        f"/api/repositories/{repository['id']}/workflows",
        json={"name": "explicit", "config": {"triggers": {"push": True}}},
        headers=api.headers,
    )
    assert explicit.json()["config"]["triggers"]["push"] is True  # what the caller asked

    log = await client.get(
        f"/api/orgs/{api.org_id}/audit-log", params={"action": "project"}, headers=api.headers
    )
    [created] = log.json()["items"]
    assert created["details"]["repository"] == source

    stranger = await signed_in_api(client, "local-stranger@example.com")
    hidden = await client.get(f"/api/projects/{project['id']}/repository", headers=stranger.headers)
    assert hidden.status_code == 404


async def test_a_working_copy_path_is_connected_too_but_not_a_plain_folder_or_a_url(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "paths@example.com")
    make_git_repo(tmp_path / "shop", {"README.md": "x"})
    working_copy = await api.project(str(tmp_path / "shop" / "work"), "work")
    plain = tmp_path / "plain"
    plain.mkdir()
    not_git = await api.project(str(plain), "plain")
    remote = await api.project("https://example.com/octo/shop.git", "remote")

    def repository_of(project: dict[str, str]) -> str:
        return f"/api/projects/{project['id']}/repository"

    connected = await client.get(repository_of(working_copy), headers=api.headers)
    assert connected.status_code == 200
    assert connected.json()["clone_url"] == str(tmp_path / "shop" / "work")
    for project in (not_git, remote):
        answer = await client.get(repository_of(project), headers=api.headers)
        assert answer.status_code == 404, project
        assert answer.json()["error"] == "not_found"


async def test_connecting_github_replaces_the_local_source_and_keeps_the_row(
    client: httpx.AsyncClient, github: FakeGitHub, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "replace@example.com")
    project = await api.project(make_git_repo(tmp_path / "shop", {"README.md": "x"}))
    local = (
        await client.get(f"/api/projects/{project['id']}/repository", headers=api.headers)
    ).json()

    body = {"provider": "github", "full_name": "octo/shop", "token": PAT}
    replaced = (await connect(api, project["id"], body)).json()
    assert replaced["id"] == local["id"]
    assert replaced["provider"] == "github"
    # A GitHub repository, once connected, is not replaced silently.
    assert (await connect(api, project["id"], body, 409)).json()["error"] == "repository_connected"

    # Disconnected by a person, it stays disconnected.
    gone = await client.delete(f"/api/repositories/{local['id']}", headers=api.headers)
    assert gone.status_code == 204
    after = await client.get(f"/api/projects/{project['id']}/repository", headers=api.headers)
    assert after.status_code == 404


async def test_the_organisations_list_shows_a_local_project_never_looked_at(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "list-first@example.com")
    source = make_git_repo(tmp_path / "shop", {"README.md": "x"})
    project = await api.project(source)
    await api.project("https://example.com/octo/other.git", "remote")

    listed = await client.get(f"/api/orgs/{api.org_id}/repositories", headers=api.headers)
    assert listed.status_code == 200, listed.text
    [only] = listed.json()
    assert (only["project_id"], only["clone_url"], only["connected"]) == (
        project["id"],
        source,
        True,
    )
    again = await client.get(f"/api/orgs/{api.org_id}/repositories", headers=api.headers)
    assert [r["id"] for r in again.json()] == [only["id"]]
