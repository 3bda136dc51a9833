"""A thin typed wrapper over GitHub's REST API (httpx), used by repositories, workflows,
environment variables (secret names) and the GitHub reporters.

Every failure is a ``GitHubError`` with GitHub's status and message; a network failure is
status 0. Callers turn it into their own 4xx/5xx answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

API_VERSION = "2022-11-28"
ACCEPT = "application/vnd.github+json"
USER_AGENT = "TestAble"
MAX_PAGES = 20  # 100 items a page: enough for branches and secret names


class GitHubError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"GitHub answered {status}: {message}" if status else message)
        self.status = status
        self.message = message


def github_headers(authorization: str | None) -> dict[str, str]:
    headers = {"Accept": ACCEPT, "X-GitHub-Api-Version": API_VERSION, "User-Agent": USER_AGENT}
    if authorization:
        headers["Authorization"] = authorization
    return headers


def repo_path(full_name: str) -> str:
    owner, _, name = full_name.partition("/")
    return f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"


@dataclass
class GitHubClient:
    """Talks to ``base_url`` with ``token`` (an installation token or a PAT, sent as
    ``Bearer``); ``http`` is owned by the caller."""

    base_url: str
    token: str | None
    http: httpx.AsyncClient

    async def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> httpx.Response:
        url = self.base_url.rstrip("/") + path
        auth = f"Bearer {self.token}" if self.token else None
        try:
            response = await self.http.request(
                method, url, json=json, params=params, headers=github_headers(auth)
            )
        except httpx.HTTPError as exc:
            raise GitHubError(0, f"GitHub is unreachable: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            raise GitHubError(response.status_code, _message(response))
        return response

    async def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return (await self.request("GET", path, params=params)).json()

    async def paginate(self, path: str, key: str | None = None, **params: Any) -> list[Any]:
        """Every item of a paginated list (``key``: the list inside an object page)."""
        items: list[Any] = []
        for page in range(1, MAX_PAGES + 1):
            body = await self.get_json(path, {**params, "per_page": 100, "page": page})
            chunk = body.get(key, []) if key is not None else body
            items.extend(chunk)
            if len(chunk) < 100:
                break
        return items

    # ----------------------------------------------------------------- endpoints

    async def get_repository(self, full_name: str) -> dict[str, Any]:
        body: dict[str, Any] = await self.get_json(repo_path(full_name))
        return body

    async def protected_branches(self, full_name: str) -> list[str]:
        items = await self.paginate(f"{repo_path(full_name)}/branches", protected="true")
        return [str(item["name"]) for item in items]

    async def actions_secret_names(self, full_name: str) -> list[str]:
        """Names only: GitHub never reveals secret values."""
        items = await self.paginate(f"{repo_path(full_name)}/actions/secrets", key="secrets")
        return [str(item["name"]) for item in items]


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "error"
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return response.reason_phrase or "error"
