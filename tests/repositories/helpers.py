"""Shared by the repositories and workflows tests: the fake GitHub wired into settings,
a signed-in user with a project, and connecting its repository."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from backend.repositories.github_app import forget_cached_tokens
from tests.github.fake_github import FakeGitHub, running_fake
from tests.runs.helpers import Api, make_git_repo

PAT = "ghp_test_personal_token_0001"


def fake_github() -> Iterator[FakeGitHub]:
    """A running fake with ``octo/shop`` (protected: main), a PAT and installation 77."""
    forget_cached_tokens()
    for github in running_fake(app_id="4242"):
        github.add_repo("octo/shop", id=555, protected=["main"], branches=["main", "dev"])
        github.personal_tokens.add(PAT)
        github.installations.add(77)
        yield github
    forget_cached_tokens()


def github_settings(github: FakeGitHub) -> dict[str, Any]:
    return {
        "github_api_url": github.url,
        "github_app_id": github.app_id,
        "github_app_private_key": github.private_key,
    }


async def connect(
    api: Api, project_id: str, body: dict[str, Any], expected: int = 201
) -> httpx.Response:
    response = await api.client.post(
        f"/api/projects/{project_id}/repository", json=body, headers=api.headers
    )
    assert response.status_code == expected, response.text
    return response


async def github_repository(api: Api, tmp_path: Path, name: str = "shop") -> dict[str, Any]:
    """A project connected to ``octo/shop`` with the personal access token."""
    project = await api.project(make_git_repo(tmp_path / name, {"README.md": "hi\n"}), name)
    body = {"provider": "github", "full_name": "octo/shop", "token": PAT}
    repository: dict[str, Any] = (await connect(api, project["id"], body)).json()
    return repository


async def local_repository(
    api: Api, tmp_path: Path, files: dict[str, str], name: str = "shop"
) -> dict[str, Any]:
    """A project connected to a local bare repository holding ``files`` (embedded mode)."""
    url = make_git_repo(tmp_path / name, files)
    project = await api.project(url, name)
    body = {"provider": "local", "path": url, "default_branch": "main"}
    repository: dict[str, Any] = (await connect(api, project["id"], body)).json()
    return repository
