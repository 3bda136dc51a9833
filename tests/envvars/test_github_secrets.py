"""Import by GitHub Actions secret names, against the local fake GitHub REST API: names
are listed (paginated, as GitHub does), values are then entered by the user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.repositories.github_app import forget_cached_tokens
from tests.envvars.helpers import add_repository
from tests.github.fake_github import FakeGitHub, running_fake
from tests.runs.helpers import signed_in_api


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    forget_cached_tokens()
    yield from running_fake()
    forget_cached_tokens()


@pytest.fixture
def settings_overrides(github: FakeGitHub) -> dict[str, Any]:
    return {"github_api_url": github.url}


async def test_secret_names_are_listed_then_values_entered_by_the_user(
    client: httpx.AsyncClient, app: FastAPI, github: FakeGitHub
) -> None:
    names = [f"SECRET_{index:03d}" for index in range(120)]  # more than one page of 100
    github.add_repo("acme/shop", secrets=names)
    github.personal_tokens.add("ghp_reader")
    api = await signed_in_api(client, "gh@example.com")
    project_id = (await api.project("https://github.com/acme/shop.git"))["id"]
    await add_repository(
        app, project_id, token_encrypted=app.state.keyring.fernet.encrypt(b"ghp_reader")
    )
    await client.post(
        f"/api/projects/{project_id}/envvars",
        json={"key": "SECRET_001", "value": "already-here"},
        headers=api.headers,
    )

    listed = await client.get(
        f"/api/projects/{project_id}/envvars/github-secrets", headers=api.headers
    )

    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["repository"] == "acme/shop"
    assert [n["name"] for n in body["names"]] == names
    assert [n["name"] for n in body["names"] if n["exists"]] == ["SECRET_001"]
    calls = github.requests_to("GET", "/repos/acme/shop/actions/secrets")
    assert [c.query["page"] for c in calls] == ["1", "2"]
    assert all(c.authorization == "Bearer ghp_reader" for c in calls)

    imported = await client.post(
        f"/api/projects/{project_id}/envvars/import",
        json={"variables": {"SECRET_000": "typed-by-user"}, "secrets": {"SECRET_000": True}},
        headers=api.headers,
    )
    assert imported.status_code == 200, imported.text
    stored = await client.get(f"/api/projects/{project_id}/envvars", headers=api.headers)
    assert {v["key"]: v["value"] for v in stored.json()} == {
        "SECRET_000": None,
        "SECRET_001": None,  # guessed secret by name
    }


async def test_github_refusals_and_missing_repositories_are_clean_errors(
    client: httpx.AsyncClient, app: FastAPI, github: FakeGitHub
) -> None:
    github.add_repo("acme/shop", secrets=["A"])
    api = await signed_in_api(client, "gh2@example.com")
    project_id = (await api.project("https://github.com/acme/shop.git"))["id"]
    url = f"/api/projects/{project_id}/envvars/github-secrets"

    no_repository = await client.get(url, headers=api.headers)
    await add_repository(
        app, project_id, token_encrypted=app.state.keyring.fernet.encrypt(b"ghp_revoked")
    )
    refused = await client.get(url, headers=api.headers)

    assert no_repository.status_code == 404
    assert refused.status_code == 422
    assert refused.json()["error"] == "github_refused"
    assert "401" in refused.json()["message"]
    assert "ghp_revoked" not in refused.text
