"""The GitHub App installation flow: an admin's signed install URL, GitHub's setup
callback binding the installation to that organisation, and connecting a repository
through an installation only from the organisation it is bound to."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from backend.kit.time import utcnow
from backend.orgs.models import Membership, Role
from backend.repositories import github_installations as installations
from tests.github.fake_github import FakeGitHub
from tests.repositories.helpers import connect, fake_github, github_settings
from tests.runs.helpers import Api, make_git_repo, signed_in_api


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    yield from fake_github()


@pytest.fixture
def settings_overrides(github: FakeGitHub) -> dict[str, Any]:
    return {**github_settings(github), "github_app_slug": "testable-ci"}


async def install_state(api: Api) -> str:
    response = await api.client.get(
        f"/api/orgs/{api.org_id}/github/install-url", headers=api.headers
    )
    assert response.status_code == 200, response.text
    url = urlsplit(response.json()["url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == (
        "https://github.com/apps/testable-ci/installations/new"
    )
    [state] = parse_qs(url.query)["state"]
    return state


async def setup(client: httpx.AsyncClient, installation_id: int, state: str) -> httpx.Response:
    return await client.get(
        "/api/github/app/setup",
        params={"installation_id": installation_id, "state": state, "setup_action": "install"},
    )


async def test_setup_binds_the_installation_and_lands_on_the_repositories_page(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    api = await signed_in_api(client, "installer@example.com")
    state = await install_state(api)

    # GitHub redirects the browser: no bearer token, only the state.
    response = await setup(client, 77, state)

    assert response.status_code == 303, response.text
    target = urlsplit(response.headers["location"])
    assert target.path == "/repositories/"
    assert parse_qs(target.query) == {"org": [api.org_id], "installed": ["77"]}
    async with app.state.db.session(read_only=True) as session:
        assert await installations.owner_of(session, 77) == uuid.UUID(api.org_id)
    # GitHub calls the setup URL again when the installation changes: still fine.
    assert (await setup(client, 77, state)).status_code == 303


async def test_install_url_is_for_admins_of_the_organisation_only(
    client: httpx.AsyncClient,
) -> None:
    owner = await signed_in_api(client, "owner-a@example.com")
    stranger = await signed_in_api(client, "stranger@example.com")
    response = await client.get(
        f"/api/orgs/{owner.org_id}/github/install-url", headers=stranger.headers
    )
    assert response.status_code == 404
    unsigned = await client.get(f"/api/orgs/{owner.org_id}/github/install-url")
    assert unsigned.status_code == 401


async def test_tampered_expired_or_foreign_states_bind_nothing(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    api = await signed_in_api(client, "careful@example.com")
    state = await install_state(api)
    header, claims, signature = state.split(".")
    tampered = f"{header}.{claims}.{signature[:-4]}AAAA"
    expired = jwt.encode(
        {
            "aud": "github-app-install",
            "org": api.org_id,
            "sub": str(uuid.uuid4()),
            "exp": utcnow() - timedelta(minutes=1),
        },
        installations._state_keys(app.state.keyring)[0],
        algorithm="HS256",
    )
    forged = jwt.encode(
        {
            "aud": "github-app-install",
            "org": api.org_id,
            "sub": str(uuid.uuid4()),
            "exp": utcnow() + timedelta(minutes=5),
        },
        b"not-our-key-not-our-key-not-our-key",
        algorithm="HS256",
    )

    for bad, why in (
        (tampered, "signature"),
        (expired, "expired"),
        (forged, "signature"),
        ("garbage", "malformed"),
    ):
        response = await setup(client, 91, bad)
        assert response.status_code == 400, response.text
        assert response.json()["details"][0]["field"] == "state"
        assert why in response.json()["message"]
    missing = await client.get("/api/github/app/setup", params={"state": state})
    assert missing.status_code == 422
    async with app.state.db.session(read_only=True) as session:
        assert await installations.owner_of(session, 91) is None


async def test_an_installation_bound_to_one_organisation_serves_only_that_one(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    first = await signed_in_api(client, "first@example.com")
    second = await signed_in_api(client, "second@example.com")
    assert (await setup(client, 77, await install_state(first))).status_code == 303

    # Another organisation's state cannot take the installation over...
    takeover = await setup(client, 77, await install_state(second))
    assert takeover.status_code == 409
    assert takeover.json()["details"][0]["field"] == "installation_id"

    # ...nor connect a repository through it, although nobody has connected one yet.
    body = {"provider": "github", "full_name": "octo/shop", "installation_id": 77}
    theirs = await second.project(make_git_repo(tmp_path / "b", {"README.md": "b"}))
    refused = await connect(second, theirs["id"], body, expected=422)
    assert refused.json()["details"][0]["field"] == "installation_id"

    ours = await first.project(make_git_repo(tmp_path / "a", {"README.md": "a"}))
    connected = (await connect(first, ours["id"], body)).json()
    assert connected["installation_id"] == 77


async def test_a_state_from_someone_no_longer_admin_binds_nothing(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    api = await signed_in_api(client, "demoted@example.com")
    state = await install_state(api)
    async with app.state.db.session() as session:
        await session.execute(
            update(Membership)
            .where(Membership.org_id == uuid.UUID(api.org_id))
            .values(role=Role.VIEWER.value)
        )

    response = await setup(client, 77, state)

    assert response.status_code == 403
    assert response.json()["details"][0]["field"] == "state"
    async with app.state.db.session(read_only=True) as session:
        assert await installations.owner_of(session, 77) is None
