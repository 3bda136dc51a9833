"""GitHub App authentication: an RS256 App JWT mints installation tokens, cached per
installation until five minutes before they expire; or a repository's own personal
access token, decrypted with the keyring.

See https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import jwt

from backend.repositories.github_client import GitHubClient, GitHubError, github_headers

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from backend.config import Settings
    from backend.kit.keys import KeyRing
    from backend.repositories.models import Repository

# GitHub refuses App JWTs that live longer than 10 minutes; iat is back-dated a minute
# against clock drift, as GitHub recommends.
JWT_LIFETIME_SECONDS = 9 * 60
JWT_BACKDATE_SECONDS = 60
REFRESH_MARGIN_SECONDS = 5 * 60


class GitHubNotConfigured(GitHubError):
    def __init__(self, message: str) -> None:
        super().__init__(0, message)


@dataclass(frozen=True)
class InstallationToken:
    token: str
    expires_at: float  # unix time


_cache: dict[tuple[str, str, int], InstallationToken] = {}
_cache_lock = threading.Lock()


def private_key_pem(value: str) -> str:
    """The App's private key: PEM text, or the path of a PEM file."""
    text = value.strip()
    if text.startswith("-----BEGIN"):
        return text.replace("\\n", "\n")
    path = Path(text).expanduser()
    if not path.is_file():
        raise GitHubNotConfigured(
            "TESTABLE_GITHUB_APP_PRIVATE_KEY is neither PEM text nor a readable file"
        )
    return path.read_text()


def app_jwt(app_id: str, private_key: str, *, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time()) - JWT_BACKDATE_SECONDS
    claims = {"iat": issued, "exp": issued + JWT_LIFETIME_SECONDS, "iss": str(app_id)}
    return jwt.encode(claims, private_key_pem(private_key), algorithm="RS256")


def app_credentials(settings: Settings) -> tuple[str, str]:
    if not settings.github_app_id or settings.github_app_private_key is None:
        raise GitHubNotConfigured(
            "the GitHub App is not configured "
            "(TESTABLE_GITHUB_APP_ID and TESTABLE_GITHUB_APP_PRIVATE_KEY)"
        )
    return settings.github_app_id, settings.github_app_private_key.get_secret_value()


async def installation_token(
    installation_id: int, *, settings: Settings, http: httpx.AsyncClient | None = None
) -> str:
    """A cached installation token, minted again five minutes before it expires."""
    app_id, key = app_credentials(settings)
    cache_key = (settings.github_api_url, app_id, installation_id)
    with _cache_lock:
        cached = _cache.get(cache_key)
    if cached is not None and cached.expires_at - REFRESH_MARGIN_SECONDS > time.time():
        return cached.token
    minted = await _mint(installation_id, app_id, key, settings=settings, http=http)
    with _cache_lock:
        _cache[cache_key] = minted
    return minted.token


async def _mint(
    installation_id: int,
    app_id: str,
    key: str,
    *,
    settings: Settings,
    http: httpx.AsyncClient | None,
) -> InstallationToken:
    url = f"{settings.github_api_url.rstrip('/')}/app/installations/{installation_id}/access_tokens"
    headers = github_headers(f"Bearer {app_jwt(app_id, key)}")
    async with _client(settings, http) as client:
        try:
            response = await client.post(url, headers=headers)
        except httpx.HTTPError as exc:
            raise GitHubError(0, f"GitHub is unreachable: {type(exc).__name__}") from exc
    if response.status_code != 201:
        message = response.json().get("message", "") if _is_json(response) else ""
        raise GitHubError(response.status_code, message or "could not mint an installation token")
    body = response.json()
    expires = datetime.fromisoformat(str(body["expires_at"]).replace("Z", "+00:00"))
    return InstallationToken(token=str(body["token"]), expires_at=expires.timestamp())


def forget_cached_tokens() -> None:
    """Tests and key rotation: drop every cached installation token."""
    with _cache_lock:
        _cache.clear()


def decrypt_token(repository: Repository, keyring: KeyRing) -> str:
    assert repository.token_encrypted is not None
    return keyring.fernet.decrypt(repository.token_encrypted).decode()


async def token_for_repository(
    session: AsyncSession | None,
    repository: Repository,
    *,
    settings: Settings,
    keyring: KeyRing,
    http: httpx.AsyncClient | None = None,
) -> str:
    """The token to call GitHub for this repository: its installation's (App) or its PAT.
    ``session`` is unused today; it is kept so a database-backed cache can come later."""
    del session
    if repository.installation_id is not None:
        return await installation_token(repository.installation_id, settings=settings, http=http)
    if repository.token_encrypted is not None:
        return decrypt_token(repository, keyring)
    raise GitHubNotConfigured("this repository has no GitHub credentials")


async def client_for_repository(
    repository: Repository,
    *,
    settings: Settings,
    keyring: KeyRing,
    http: httpx.AsyncClient,
) -> GitHubClient:
    token = await token_for_repository(
        None, repository, settings=settings, keyring=keyring, http=http
    )
    return GitHubClient(settings.github_api_url, token, http)


class _client:
    """Use the caller's client, or a short-lived one closed on exit."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient | None) -> None:
        self.given = http
        self.owned: httpx.AsyncClient | None = None
        self.timeout = settings.github_timeout_seconds

    async def __aenter__(self) -> httpx.AsyncClient:
        if self.given is not None:
            return self.given
        self.owned = httpx.AsyncClient(timeout=self.timeout)
        return self.owned

    async def __aexit__(self, *exc: object) -> None:
        if self.owned is not None:
            await self.owned.aclose()


def _is_json(response: httpx.Response) -> bool:
    return "json" in response.headers.get("content-type", "")
