"""The few GitHub REST calls the GitHub reporters make, over the delivery round's httpx client.

Kept here (rather than on a general GitHub client) so the reporters depend only on the
reporter context: the base URL comes from ``settings.github_api_url`` (tests point it at a
local fake), the token from ``ctx.github_token()``.
"""

from __future__ import annotations

from typing import Any

import httpx

from backend.reports.base import DeliveryError, ReporterContext, RunReport

API_VERSION = "2022-11-28"
# 403 is GitHub's answer to an exhausted rate limit as well as to a missing permission;
# only the former (remaining = 0) is worth retrying.
_RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})


class GitHubCalls:
    def __init__(self, ctx: ReporterContext, token: str) -> None:
        self._http = ctx.http
        self._base = str(getattr(ctx.settings, "github_api_url", "https://api.github.com"))
        self._headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        }

    @classmethod
    async def for_report(cls, report: RunReport, ctx: ReporterContext) -> GitHubCalls:
        if ctx.github_token is None:
            raise DeliveryError(
                "the run's repository has no GitHub access (no App installation or token)",
                retryable=False,
            )
        return cls(ctx, await ctx.github_token())

    def url(self, path: str) -> str:
        return self._base.rstrip("/") + path

    async def request(
        self,
        method: str,
        path_or_url: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        url = path_or_url if path_or_url.startswith("http") else self.url(path_or_url)
        try:
            response = await self._http.request(
                method, url, json=json, params=params, headers=self._headers
            )
        except httpx.HTTPError as error:
            raise DeliveryError(f"GitHub unreachable: {error}") from error
        if response.is_success:
            return response
        raise _error(method, path_or_url, response)


class GitHubNotFound(DeliveryError):
    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


def _error(method: str, path: str, response: httpx.Response) -> DeliveryError:
    try:
        message = str(response.json().get("message", ""))
    except ValueError:
        message = response.text[:200]
    text = f"GitHub {method} {path} answered {response.status_code}: {message}"
    if response.status_code == 404:
        return GitHubNotFound(text)
    rate_limited = (
        response.status_code == 403 and response.headers.get("x-ratelimit-remaining") == "0"
    )
    return DeliveryError(text, retryable=response.status_code in _RETRYABLE or rate_limited)


def repository_path(report: RunReport) -> str | None:
    """``/repos/owner/name``, or None when the run is not on a GitHub repository."""
    name = report.repository_full_name
    if not name or name.count("/") != 1:
        return None
    return f"/repos/{name}"
