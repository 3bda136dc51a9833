"""A fake GitHub (check runs and issue comments) that checks every request against GitHub's
published REST description (github_rest_subset.json, from @octokit/openapi) and answers
with GitHub's own example responses, adjusted to the request. Every answer is validated
against the response schema too, so the fake cannot drift from what GitHub returns."""

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

from tests.reports.destinations.fake_http import Answer, FakeService, Recorded

SUBSET = Path(__file__).with_name("github_rest_subset.json")
OWNER_REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"


@cache
def subset() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SUBSET.read_text(encoding="utf-8"))
    return loaded


def schema_errors(schema: dict[str, Any], instance: Any) -> list[str]:
    # $ref values point into "#/components/schemas/…": validate with the components beside.
    document = {**schema, "components": subset()["components"]}
    validator = jsonschema.Draft4Validator(document)
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def request_errors(operation: str, body: Any) -> list[str]:
    schema = subset()["operations"][operation]["request_body"]
    return schema_errors(schema, body) if schema is not None else []


def response_errors(operation: str, status: int, body: Any) -> list[str]:
    return schema_errors(subset()["operations"][operation]["responses"][str(status)], body)


def example(operation: str, status: int) -> Any:
    return copy.deepcopy(subset()["operations"][operation]["example_responses"][str(status)])


@dataclass
class FakeGitHub:
    service: FakeService
    token: str = "ghs_installation_token"
    check_runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    # annotations GitHub would hold per check run (each PATCH appends)
    annotations: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> comment
    comment_issue: dict[int, int] = field(default_factory=dict)  # comment id -> issue number
    contract_violations: list[str] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)  # statuses to answer, in order
    fail_request: dict[int, int] = field(default_factory=dict)  # n-th request -> status
    _count: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))

    def __post_init__(self) -> None:
        s = self.service
        s.route("POST", OWNER_REPO + r"/check-runs")(self._create_check_run)
        s.route("PATCH", OWNER_REPO + r"/check-runs/(?P<id>\d+)")(self._update_check_run)
        s.route("GET", OWNER_REPO + r"/issues/(?P<number>\d+)/comments")(self._list_comments)
        s.route("POST", OWNER_REPO + r"/issues/(?P<number>\d+)/comments")(self._create_comment)
        s.route("PATCH", OWNER_REPO + r"/issues/comments/(?P<id>\d+)")(self._update_comment)

    # -- helpers ---------------------------------------------------------------------------
    def _check(self, operation: str, request: Recorded) -> Answer | None:
        if request.header("authorization") != f"Bearer {self.token}":
            return Answer(401, {"message": "Bad credentials"})
        for error in request_errors(operation, request.body):
            self.contract_violations.append(f"{operation} request: {error}")
        self._count += 1
        status = self.fail_next.pop(0) if self.fail_next else self.fail_request.get(self._count)
        if status is not None:
            return Answer(status, {"message": "injected failure"})
        return None

    def _answer(self, operation: str, status: int, body: Any, **headers: str) -> Answer:
        for error in response_errors(operation, status, body):
            self.contract_violations.append(f"{operation} response: {error}")
        return Answer(status, body, headers)

    def comments_on(self, issue: int) -> list[dict[str, Any]]:
        return [c for cid, c in self.comments.items() if self.comment_issue[cid] == issue]

    def add_comment(self, issue: int, body: str) -> dict[str, Any]:
        comment = example("issues/create-comment", 201)
        comment_id = next(self._ids)
        comment.update(
            id=comment_id,
            body=body,
            html_url=f"https://github.com/o/r/pull/{issue}#issuecomment-{comment_id}",
        )
        self.comments[comment_id] = comment
        self.comment_issue[comment_id] = issue
        return comment

    # -- check runs ------------------------------------------------------------------------
    def _create_check_run(self, request: Recorded, match: re.Match[str]) -> Answer:
        failed = self._check("checks/create", request)
        if failed:
            return failed
        run = example("checks/create", 201)
        run_id = next(self._ids)
        body = request.body
        run.update(
            id=run_id,
            head_sha=body["head_sha"],
            name=body["name"],
            status=body.get("status", "queued"),
            conclusion=body.get("conclusion"),
            details_url=body.get("details_url"),
            external_id=body.get("external_id"),
            html_url=f"https://github.com/{match['owner']}/{match['repo']}/runs/{run_id}",
        )
        self.check_runs[run_id] = run
        self.annotations[run_id] = list(body.get("output", {}).get("annotations", []))
        return self._answer("checks/create", 201, run)

    def _update_check_run(self, request: Recorded, match: re.Match[str]) -> Answer:
        failed = self._check("checks/update", request)
        if failed:
            return failed
        run_id = int(match["id"])
        if run_id not in self.check_runs:
            return Answer(404, {"message": "Not Found"})
        run = self.check_runs[run_id]
        for name in ("status", "conclusion", "details_url", "external_id", "name"):
            if name in request.body:
                run[name] = request.body[name]
        if "conclusion" in request.body:
            run["status"] = "completed"
        output = request.body.get("output", {})
        self.annotations[run_id].extend(output.get("annotations", []))
        for name in ("title", "summary"):
            if name in output:
                run["output"][name] = output[name]
        return self._answer("checks/update", 200, run)

    # -- issue comments --------------------------------------------------------------------
    def _list_comments(self, request: Recorded, match: re.Match[str]) -> Answer:
        failed = self._check("issues/list-comments", request)
        if failed:
            return failed
        per_page = int(request.query.get("per_page", ["30"])[0])
        page = int(request.query.get("page", ["1"])[0])
        everything = self.comments_on(int(match["number"]))
        items = everything[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(everything):
            url = f"{self.service.base_url}{request.path}?per_page={per_page}&page={page + 1}"
            headers["Link"] = f'<{url}>; rel="next"'
        return self._answer("issues/list-comments", 200, items, **headers)

    def _create_comment(self, request: Recorded, match: re.Match[str]) -> Answer:
        failed = self._check("issues/create-comment", request)
        if failed:
            return failed
        comment = self.add_comment(int(match["number"]), request.body["body"])
        return self._answer("issues/create-comment", 201, comment)

    def _update_comment(self, request: Recorded, match: re.Match[str]) -> Answer:
        failed = self._check("issues/update-comment", request)
        if failed:
            return failed
        comment = self.comments.get(int(match["id"]))
        if comment is None:
            return Answer(404, {"message": "Not Found"})
        comment["body"] = request.body["body"]
        return self._answer("issues/update-comment", 200, comment)
