"""A project connected to a private GitHub repository: the worker checks it out over
HTTP(S) with the repository's token (here a PAT, encrypted at rest), which reaches git only
as a header and appears nowhere in the run. The server is ``git http-backend`` demanding
the token the way GitHub does (tests/execution/conftest.py)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from backend.repositories.models import Repository
from tests.execution import conftest as execution_fixtures
from tests.execution.conftest import GitServer
from tests.runs.helpers import PASSING_SUITE, make_git_repo, signed_in_api

git_server = execution_fixtures.git_server  # the fixture, for this module
# The database plays no part beyond storing the repository row.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def _connect(app: FastAPI, project_id: str, clone_url: str, token: str | None) -> None:
    """What the repositories api stores for a GitHub repository connected with a PAT."""
    async with app.state.db.session() as session:
        session.add(
            Repository(
                id=uuid.uuid4(),
                org_id=(await _org_of(app, project_id)),
                project_id=uuid.UUID(project_id),
                provider="github",
                full_name="acme/shop",
                clone_url=clone_url,
                default_branch="main",
                token_encrypted=(
                    app.state.keyring.fernet.encrypt(token.encode()) if token else None
                ),
                protected_branches=[],
            )
        )


async def _org_of(app: FastAPI, project_id: str) -> uuid.UUID:
    from backend.projects.models import Project

    async with app.state.db.session(read_only=True) as session:
        project = await session.get(Project, uuid.UUID(project_id))
        assert project is not None
        org_id: uuid.UUID = project.org_id
        return org_id


async def test_a_private_repository_is_checked_out_with_its_token_kept_out_of_the_run(
    client: httpx.AsyncClient,
    app: FastAPI,
    git_server: GitServer,
    tmp_path: Path,
) -> None:
    remote = make_git_repo(tmp_path / "repo", PASSING_SUITE).removeprefix("file://")
    shutil.copytree(remote, git_server.root / "shop.git")
    clone_url = f"{git_server.base_url}/shop.git"
    api = await signed_in_api(client, "private@example.com")
    project = await api.project(clone_url)
    await _connect(app, project["id"], clone_url, git_server.token)

    detail = await api.wait((await api.start(project["id"], branch="main"))["id"])

    assert detail["status"] == "passed", detail["reason"]
    assert detail["passed"] == 2
    assert git_server.requests
    assert all(git_server.token not in request["path"] for request in git_server.requests)
    events = await api.events(detail["id"])
    assert git_server.token not in str(events)
    assert git_server.token not in str(detail)


async def test_a_wrong_token_ends_the_run_as_a_checkout_error(
    client: httpx.AsyncClient,
    app: FastAPI,
    git_server: GitServer,
    tmp_path: Path,
) -> None:
    remote = make_git_repo(tmp_path / "repo", PASSING_SUITE).removeprefix("file://")
    shutil.copytree(remote, git_server.root / "shop.git")
    clone_url = f"{git_server.base_url}/shop.git"
    api = await signed_in_api(client, "wrong-token@example.com")
    project = await api.project(clone_url)
    await _connect(app, project["id"], clone_url, "ghp_not_the_right_token_123")

    detail = await api.wait((await api.start(project["id"], branch="main"))["id"])

    assert detail["status"] == "error"
    assert detail["reason"].startswith("checkout failed (auth_failed)"), detail["reason"]
    assert "ghp_not_the_right_token_123" not in detail["reason"]
