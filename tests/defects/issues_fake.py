"""GitHub Issues on the fake GitHub (``tests/github/fake_github.py``): every request body is
checked against GitHub's published OpenAPI description (github_issues_subset.json, from
@octokit/openapi; regenerate with extract_issue_schemas.py) and answered with GitHub's own
example issue, adjusted to the request; every answer is checked against the response
schema too, so the fake cannot drift from what GitHub returns.

The ``issues`` webhook payloads (fixtures/issues.<action>.json) were written from GitHub's
webhook schemas (@octokit/openapi-webhooks, the same subset file), not captured from a
delivery: no ``issues`` payload was among the shared fixtures. ``issues_payload`` adapts
one to an issue and is checked against the schema as well.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from tests.github.fake_github import FakeGitHub, RecordedRequest

SUBSET = Path(__file__).with_name("github_issues_subset.json")
FIXTURES = Path(__file__).with_name("fixtures")
REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"


@cache
def subset() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SUBSET.read_text(encoding="utf-8"))
    return loaded


def _errors(schema: dict[str, Any], components: dict[str, Any], instance: Any) -> list[str]:
    validator = jsonschema.Draft4Validator({**schema, "components": components})
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def request_errors(operation: str, body: Any) -> list[str]:
    schema = subset()["operations"][operation]["request_body"]
    return _errors(schema, subset()["components"], body)


def response_errors(operation: str, status: int, body: Any) -> list[str]:
    schema = subset()["operations"][operation]["responses"][str(status)]
    return _errors(schema, subset()["components"], body)


def webhook_errors(action: str, payload: Any) -> list[str]:
    hooks = subset()["webhooks"]
    return _errors(hooks["payloads"][f"issues-{action}"], hooks["components"], payload)


def issues_payload(
    action: str,
    number: int,
    *,
    title: str | None = None,
    labels: list[str] | None = None,
    assignees: list[str] | None = None,
    sender: str = "octocat",
) -> dict[str, Any]:
    """The fixture for ``action``, about issue ``number`` of octo/shop (id 555)."""
    payload: dict[str, Any] = json.loads((FIXTURES / f"issues.{action}.json").read_text())
    issue = payload["issue"]
    for key in ("url", "repository_url", "labels_url", "comments_url", "events_url", "html_url"):
        issue[key] = re.sub(r"/issues/\d+", f"/issues/{number}", issue[key])
    issue["number"] = number
    if title is not None:
        issue["title"] = title
    if labels is not None:
        template = issue["labels"][0] if issue["labels"] else None
        issue["labels"] = [{**(template or {}), "name": name} for name in labels]
    if assignees is not None:
        user = payload["sender"]
        issue["assignees"] = [{**user, "login": login} for login in assignees]
        issue["assignee"] = issue["assignees"][0] if issue["assignees"] else None
    payload["sender"] = {**payload["sender"], "login": sender}
    errors = webhook_errors(action, payload)
    assert not errors, errors
    return payload


@dataclass
class FakeIssues:
    """Issues of the fake GitHub's repositories; ``fail_next``: statuses to answer first."""

    github: FakeGitHub
    issues: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    contract_violations: list[str] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.github.add_route("POST", REPO + r"/issues", self._create)
        self.github.add_route("PATCH", REPO + r"/issues/(?P<number>\d+)", self._update)

    def requests(self, method: str) -> list[RecordedRequest]:
        return [
            r
            for r in self.github.requests
            if r.method == method and re.fullmatch(REPO + r"/issues(/\d+)?", r.path)
        ]

    def _refuse(self, operation: str, request: RecordedRequest) -> tuple[int, Any] | None:
        if self.github._token(request) is None:
            return 401, {"message": "Bad credentials"}
        self.contract_violations.extend(
            f"{operation} request: {e}" for e in request_errors(operation, request.body)
        )
        if self.fail_next:
            return self.fail_next.pop(0), {"message": "injected failure"}
        return None

    def _answer(self, operation: str, status: int, body: Any) -> tuple[int, Any]:
        self.contract_violations.extend(
            f"{operation} response: {e}" for e in response_errors(operation, status, body)
        )
        return status, body

    def _create(self, request: RecordedRequest) -> tuple[int, Any]:
        refused = self._refuse("issues/create", request)
        if refused:
            return refused
        match = re.fullmatch(REPO + r"/issues", request.path)
        assert match is not None
        full_name = f"{match['owner']}/{match['repo']}"
        issue = copy.deepcopy(subset()["operations"]["issues/create"]["example_responses"]["201"])
        number = next(self._numbers)
        label = issue["labels"][0]
        issue.update(
            id=90000 + number,
            number=number,
            title=request.body["title"],
            body=request.body.get("body"),
            state="open",
            closed_at=None,
            closed_by=None,
            state_reason=None,
            labels=[{**label, "name": name} for name in request.body.get("labels", [])],
            url=f"https://api.github.com/repos/{full_name}/issues/{number}",
            html_url=f"https://github.com/{full_name}/issues/{number}",
        )
        self.issues[(full_name, number)] = issue
        return self._answer("issues/create", 201, issue)

    def _update(self, request: RecordedRequest) -> tuple[int, Any]:
        refused = self._refuse("issues/update", request)
        if refused:
            return refused
        match = re.fullmatch(REPO + r"/issues/(?P<number>\d+)", request.path)
        assert match is not None
        issue = self.issues.get((f"{match['owner']}/{match['repo']}", int(match["number"])))
        if issue is None:
            return 404, {"message": "Not Found"}
        body = request.body
        for key in ("title", "body", "state", "state_reason"):
            if key in body:
                issue[key] = body[key]
        if "labels" in body:
            label = subset()["operations"]["issues/create"]["example_responses"]["201"]["labels"][0]
            issue["labels"] = [{**label, "name": name} for name in body["labels"]]
        issue["closed_at"] = "2026-12-03T15:00:00Z" if issue["state"] == "closed" else None
        return self._answer("issues/update", 200, issue)
