"""The two GitHub Issues calls defects make, over ``backend.repositories.github_client``:
create an issue (``POST /repos/{owner}/{repo}/issues``) and change one
(``PATCH /repos/{owner}/{repo}/issues/{issue_number}``). Request bodies follow GitHub's
published OpenAPI description (the tests check them against it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.repositories.github_client import GitHubClient, repo_path


@dataclass(frozen=True)
class Issue:
    number: int
    html_url: str
    state: str


def _issue(body: Any) -> Issue:
    return Issue(
        number=int(body["number"]), html_url=str(body["html_url"]), state=str(body["state"])
    )


async def create_issue(
    client: GitHubClient, full_name: str, *, title: str, body: str, labels: list[str]
) -> Issue:
    payload: dict[str, Any] = {"title": title, "body": body}
    if labels:
        payload["labels"] = labels
    response = await client.request("POST", f"{repo_path(full_name)}/issues", json=payload)
    return _issue(response.json())


async def update_issue(
    client: GitHubClient,
    full_name: str,
    number: int,
    *,
    title: str,
    labels: list[str],
    closed: bool,
) -> Issue:
    payload: dict[str, Any] = {
        "title": title,
        "labels": labels,
        "state": "closed" if closed else "open",
    }
    if closed:
        payload["state_reason"] = "completed"
    response = await client.request(
        "PATCH", f"{repo_path(full_name)}/issues/{number}", json=payload
    )
    return _issue(response.json())
