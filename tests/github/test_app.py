"""GitHub App authentication and the REST client, against the local fake GitHub: the App
JWT's claims, installation tokens cached until five minutes before expiry, PATs decrypted
from the keyring, the headers GitHub expects, pagination and typed errors."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.fernet import Fernet

from backend.config import Settings
from backend.kit.keys import KeyRing
from backend.repositories.github_app import (
    JWT_LIFETIME_SECONDS,
    GitHubNotConfigured,
    app_jwt,
    forget_cached_tokens,
    installation_token,
    token_for_repository,
)
from backend.repositories.github_client import API_VERSION, GitHubClient, GitHubError
from backend.repositories.models import Repository
from tests.github.fake_github import FakeGitHub, generate_app_key, running_fake


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    forget_cached_tokens()
    yield from running_fake(app_id="4242")
    forget_cached_tokens()


def _settings(github: FakeGitHub, tmp_path: Path, **values: object) -> Settings:
    defaults: dict[str, object] = {
        "data_dir": tmp_path,
        "github_api_url": github.url,
        "github_app_id": github.app_id,
        "github_app_private_key": github.private_key,
    }
    return Settings(_env_file=None, **{**defaults, **values})  # type: ignore[arg-type]


def test_app_jwt_is_rs256_with_issuer_and_a_window_under_ten_minutes(github: FakeGitHub) -> None:
    now = 1_800_000_000.0
    token = app_jwt("4242", github.private_key, now=now)

    header = jwt.get_unverified_header(token)
    claims = jwt.decode(
        token,
        github.public_key,  # type: ignore[arg-type]
        algorithms=["RS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert header["alg"] == "RS256"
    assert claims["iss"] == "4242"
    assert claims["iat"] == int(now) - 60  # back-dated against clock drift
    assert claims["exp"] - claims["iat"] == JWT_LIFETIME_SECONDS <= 600
    assert claims["exp"] > now


async def test_installation_token_is_minted_with_the_app_jwt_and_cached(
    github: FakeGitHub, tmp_path: Path
) -> None:
    github.installations.add(77)
    settings = _settings(github, tmp_path)

    first = await installation_token(77, settings=settings)
    second = await installation_token(77, settings=settings)

    mints = github.requests_to("POST", "/app/installations/77/access_tokens")
    assert first == second
    assert first in github.minted
    assert len(mints) == 1  # the second call used the cache
    authorization = mints[0].authorization or ""
    assert authorization.startswith("Bearer ")
    claims = github.jwt_claims[0]
    assert claims["iss"] == "4242"
    assert claims["iat"] <= time.time() - 59
    assert claims["exp"] > time.time()
    assert mints[0].headers["x-github-api-version"] == API_VERSION
    assert mints[0].headers["accept"] == "application/vnd.github+json"


async def test_a_token_expiring_within_five_minutes_is_minted_again(
    tmp_path: Path,
) -> None:
    forget_cached_tokens()
    with FakeGitHub(app_id="9", token_ttl=4 * 60) as github:
        github.installations.add(5)
        settings = _settings(github, tmp_path)
        first = await installation_token(5, settings=settings)
        second = await installation_token(5, settings=settings)
    forget_cached_tokens()
    assert first != second
    assert len(github.requests_to("POST", "/app/installations/5/access_tokens")) == 2


async def test_private_key_may_be_a_file_path(github: FakeGitHub, tmp_path: Path) -> None:
    key_file = tmp_path / "app.pem"
    key_file.write_text(github.private_key)
    github.installations.add(3)
    settings = _settings(github, tmp_path, github_app_private_key=str(key_file))
    assert (await installation_token(3, settings=settings)) in github.minted


async def test_a_wrong_app_key_is_refused_by_github(github: FakeGitHub, tmp_path: Path) -> None:
    github.installations.add(3)
    other_key = generate_app_key()  # another App's key
    settings = _settings(github, tmp_path, github_app_private_key=other_key)
    with pytest.raises(GitHubError) as caught:
        await installation_token(3, settings=settings)
    assert caught.value.status == 401


async def test_without_app_settings_installation_tokens_are_not_configured(
    github: FakeGitHub, tmp_path: Path
) -> None:
    settings = _settings(github, tmp_path, github_app_id=None)
    with pytest.raises(GitHubNotConfigured):
        await installation_token(1, settings=settings)


async def test_token_for_repository_decrypts_a_personal_access_token(
    github: FakeGitHub, tmp_path: Path
) -> None:
    keyring = KeyRing(signing_keys=(), fernet_keys=(Fernet.generate_key(),))
    repository = Repository(
        id=uuid.uuid4(), token_encrypted=keyring.fernet.encrypt(b"ghp_secret"), installation_id=None
    )
    settings = _settings(github, tmp_path)
    token = await token_for_repository(None, repository, settings=settings, keyring=keyring)
    assert token == "ghp_secret"
    assert github.requests == []  # a PAT needs no round trip


async def test_client_sends_bearer_token_and_reads_every_page_of_protected_branches(
    github: FakeGitHub,
) -> None:
    github.personal_tokens.add("ghp_ok")
    protected = [f"release/{i:03d}" for i in range(130)]
    github.add_repo("octo/shop", protected=protected)
    async with httpx.AsyncClient() as http:
        client = GitHubClient(github.url, "ghp_ok", http)
        branches = await client.protected_branches("octo/shop")

    calls = github.requests_to("GET", "/repos/octo/shop/branches")
    assert branches == protected
    assert [c.query["page"] for c in calls] == ["1", "2"]
    assert all(c.query["protected"] == "true" for c in calls)
    assert all(c.authorization == "Bearer ghp_ok" for c in calls)
    assert all(c.headers["user-agent"] == "TestAble" for c in calls)


async def test_client_raises_typed_errors(github: FakeGitHub) -> None:
    github.personal_tokens.add("ghp_ok")
    async with httpx.AsyncClient() as http:
        with pytest.raises(GitHubError) as missing:
            await GitHubClient(github.url, "ghp_ok", http).get_repository("octo/none")
        with pytest.raises(GitHubError) as refused:
            await GitHubClient(github.url, "ghp_bad", http).get_repository("octo/none")
        with pytest.raises(GitHubError) as unreachable:
            await GitHubClient("http://127.0.0.1:9", "x", http).get_repository("octo/none")
    assert (missing.value.status, missing.value.message) == (404, "Not Found")
    assert (refused.value.status, refused.value.message) == (401, "Bad credentials")
    assert unreachable.value.status == 0


async def test_secret_names_are_listed_without_values(github: FakeGitHub) -> None:
    github.personal_tokens.add("ghp_ok")
    github.add_repo("octo/shop", secrets=["API_KEY", "DB_PASSWORD"])
    async with httpx.AsyncClient() as http:
        names = await GitHubClient(github.url, "ghp_ok", http).actions_secret_names("octo/shop")
    assert names == ["API_KEY", "DB_PASSWORD"]
