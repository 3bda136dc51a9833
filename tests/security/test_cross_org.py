"""Who may call each route of the platform routers (repositories, workflows, envvars, github,
reports), proved over the app's own route list: a route added without an entry in ``RULES``
(or a named exemption) fails ``test_every_platform_route_has_a_rule``.

For every route: no token -> 401; a user of another organisation -> 404 (the same answer as
an id that does not exist); one role below the documented minimum -> 403
``insufficient_role``; reads by the minimum role succeed. Then ids mixed across
organisations (the outsider's own project with our variable, and so on), bad input on every
JSON route (never a 500), and secrets that must never come back from the api.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from backend.config import Settings
from backend.github.models import DeliveryStatus, WebhookDelivery
from backend.kit.time import utcnow
from backend.reports.models import ReportDelivery, ReportShare
from backend.repositories.models import Repository
from tests.defects.helpers import qa_objects
from tests.github.fake_github import FakeGitHub
from tests.orgs.helpers import join
from tests.reports.helpers import add_artifact, finished_run
from tests.repositories.helpers import PAT, fake_github, github_repository, github_settings
from tests.runs.helpers import Api, make_git_repo, signed_in_api
from tests.workflows.helpers import create_workflow

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

PLATFORM_MODULES = (
    "backend.repositories.",
    "backend.workflows.",
    "backend.envvars.",
    "backend.github.",
    "backend.reports.",
    "backend.defects.",
    "backend.milestones.",
    "backend.cases.",
    "backend.analytics.",
)
ANALYTICS = "/api/projects/{project_id}/analytics"
SECRET_VALUE = "s3cr3t-value-that-must-never-come-back"
SLACK_WEBHOOK = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX"

# Routes that do not take a signed-in user, and what authenticates them instead.
EXEMPT = {
    ("POST", "/api/webhooks/github"): "GitHub's X-Hub-Signature-256 (tests/github)",
    ("GET", "/api/github/app/setup"): "the signed install state (test_install_flow)",
    ("GET", "/reports/s/{token}"): "a public share link: the unguessable token",
    ("GET", "/reports/s/{token}/artifacts/{artifact_id}"): "a public share link",
    ("GET", "/reports/trace-viewer/{path:path}"): "Playwright's static viewer, no data",
}
# Report pages opened by a browser: the signed ``?t=`` link is the credential (see
# ``test_signed_report_links_open_only_their_run``).
SIGNED_LINK = {
    ("GET", "/reports/{run_id}"),
    ("GET", "/reports/{run_id}/artifacts/{artifact_id}"),
}


@dataclass(frozen=True)
class Rule:
    """``minimum``: the lowest role admitted (None: any signed-in user, no org data).
    ``ok``: what that role gets, checked only where the call changes nothing."""

    minimum: str | None
    ok: int | None = None
    json: Any = None
    query: dict[str, str] = field(default_factory=dict)
    dotenv_file: bool = False


RULES: dict[tuple[str, str], Rule] = {
    # repositories
    ("POST", "/api/projects/{project_id}/repository"): Rule(
        "admin", json={"provider": "github", "full_name": "octo/shop", "token": PAT}
    ),
    ("GET", "/api/projects/{project_id}/repository"): Rule("viewer", 200),
    ("GET", "/api/orgs/{org_id}/repositories"): Rule("viewer", 200),
    ("GET", "/api/repositories/{repository_id}"): Rule("viewer", 200),
    ("POST", "/api/repositories/{repository_id}/protected-branches/refresh"): Rule("member"),
    ("DELETE", "/api/repositories/{repository_id}"): Rule("admin"),
    # workflows
    ("POST", "/api/repositories/{repository_id}/workflows"): Rule("member", json={"name": "x"}),
    ("GET", "/api/repositories/{repository_id}/workflows"): Rule("viewer", 200),
    ("POST", "/api/workflows/validate"): Rule(None, 200, json={}),
    ("GET", "/api/workflows/{workflow_id}"): Rule("viewer", 200),
    ("PATCH", "/api/workflows/{workflow_id}"): Rule("member", json={"enabled": False}),
    ("DELETE", "/api/workflows/{workflow_id}"): Rule("member"),
    ("GET", "/api/workflows/{workflow_id}/versions"): Rule("viewer", 200),
    ("GET", "/api/workflows/{workflow_id}/schedule"): Rule("viewer", 409),  # no schedule
    ("POST", "/api/workflows/{workflow_id}/runs"): Rule("member", json={}),
    # envvars
    ("GET", "/api/projects/{project_id}/envvars"): Rule("viewer", 200),
    ("POST", "/api/projects/{project_id}/envvars"): Rule(
        "member", json={"key": "OTHER", "value": "v"}
    ),
    ("PATCH", "/api/projects/{project_id}/envvars/{variable_id}"): Rule(
        "member", json={"value": "v2"}
    ),
    ("DELETE", "/api/projects/{project_id}/envvars/{variable_id}"): Rule("member"),
    ("POST", "/api/projects/{project_id}/envvars/import"): Rule("member", json={"text": "A=1\n"}),
    ("POST", "/api/projects/{project_id}/envvars/import-file"): Rule("member", dotenv_file=True),
    ("GET", "/api/projects/{project_id}/envvars/github-secrets"): Rule("member"),
    ("GET", "/api/projects/{project_id}/envvars/export"): Rule("viewer", 200),
    # github (the admins' view of deliveries)
    ("GET", "/api/orgs/{org_id}/github/deliveries"): Rule("admin", 200),
    ("GET", "/api/orgs/{org_id}/github/deliveries/{delivery_pk}"): Rule("admin", 200),
    ("POST", "/api/orgs/{org_id}/github/deliveries/{delivery_pk}/redeliver"): Rule("admin"),
    ("GET", "/api/orgs/{org_id}/github/install-url"): Rule("admin"),
    # reports
    ("GET", "/api/runs/{run_id}/deliveries"): Rule("viewer", 200),
    ("POST", "/api/runs/{run_id}/deliver"): Rule("member"),
    ("POST", "/api/runs/{run_id}/deliveries/{delivery_id}/redeliver"): Rule("member"),
    ("POST", "/api/runs/{run_id}/share"): Rule("member"),
    ("DELETE", "/api/runs/{run_id}/share"): Rule("member"),
    ("POST", "/api/runs/{run_id}/report-link"): Rule("viewer", 200),
    # analytics (query values are formatted with the world's ids)
    ("GET", f"{ANALYTICS}/tests"): Rule("viewer", 200),
    ("GET", f"{ANALYTICS}/tests/history"): Rule("viewer", 200, query={"test": "t.py::x"}),
    ("GET", f"{ANALYTICS}/tests/status"): Rule("viewer", 200, query={"test": "t.py::q"}),
    ("GET", f"{ANALYTICS}/compare"): Rule(
        "viewer", 200, query={"base": "{run_id}", "head": "{run_id}"}
    ),
    ("GET", f"{ANALYTICS}/trends"): Rule("viewer", 200),
    ("GET", f"{ANALYTICS}/flaky"): Rule("viewer", 200),
    ("GET", f"{ANALYTICS}/settings"): Rule("viewer", 200),
    ("PUT", f"{ANALYTICS}/settings"): Rule("admin", json={}),
    ("GET", f"{ANALYTICS}/quarantine"): Rule("viewer", 200),
    ("POST", f"{ANALYTICS}/quarantine"): Rule("member", json={"test": "t.py::y", "reason": "r"}),
    ("DELETE", f"{ANALYTICS}/quarantine"): Rule("member", query={"test": "t.py::q"}),
    ("GET", f"{ANALYTICS}/clusters"): Rule("viewer", 200),
    ("GET", f"{ANALYTICS}/clusters/{{cluster_id}}"): Rule("viewer", 200),
    ("PUT", f"{ANALYTICS}/clusters/{{cluster_id}}"): Rule("member", json={"decision": None}),
    ("GET", f"{ANALYTICS}/cost"): Rule("viewer", 200),
    ("GET", f"{ANALYTICS}/export/runs.csv"): Rule("viewer", 200),
    ("GET", f"{ANALYTICS}/export/results.csv"): Rule("viewer", 200),
    ("GET", f"{ANALYTICS}/export/history.csv"): Rule("viewer", 200, query={"test": "t.py::x"}),
    # defects
    ("GET", "/api/projects/{project_id}/defects"): Rule("viewer", 200),
    ("POST", "/api/projects/{project_id}/defects"): Rule("member", json={"title": "x"}),
    ("GET", "/api/defects/{defect_id}"): Rule("viewer", 200),
    ("PATCH", "/api/defects/{defect_id}"): Rule("member", json={"severity": "minor"}),
    ("POST", "/api/defects/{defect_id}/sync"): Rule("member"),
    ("GET", "/api/projects/{project_id}/defect-settings"): Rule("viewer", 200),
    ("PUT", "/api/projects/{project_id}/defect-settings"): Rule("admin", json={"tracker": "auto"}),
    # milestones
    ("GET", "/api/projects/{project_id}/milestones"): Rule("viewer", 200),
    ("GET", "/api/projects/{project_id}/milestones/trend"): Rule("viewer", 200),
    ("POST", "/api/projects/{project_id}/milestones"): Rule("member", json={"name": "Sprint 2"}),
    ("GET", "/api/milestones/{milestone_id}"): Rule("viewer", 200),
    ("PATCH", "/api/milestones/{milestone_id}"): Rule("member", json={"goal": "ship"}),
    ("DELETE", "/api/milestones/{milestone_id}"): Rule("admin"),
    ("POST", "/api/milestones/{milestone_id}/close"): Rule("member", json={}),
    ("POST", "/api/milestones/{milestone_id}/reopen"): Rule("member"),
    ("POST", "/api/milestones/{milestone_id}/attach"): Rule("member", json={}),
    ("POST", "/api/milestones/{milestone_id}/detach"): Rule("member", json={}),
    ("PUT", "/api/milestones/{milestone_id}/capacity"): Rule("member", json={"people": []}),
    ("GET", "/api/milestones/{milestone_id}/burndown"): Rule("viewer", 200),
    ("GET", "/api/milestones/{milestone_id}/workload"): Rule("viewer", 200),
    ("GET", "/api/milestones/{milestone_id}/coverage"): Rule("viewer", 200),
    ("GET", "/api/milestones/{milestone_id}/report"): Rule("viewer", 200),
    ("GET", "/api/milestones/{milestone_id}/report.csv"): Rule("viewer", 200),
}
BELOW = {"member": "viewer", "admin": "member"}
# cases (#15): an unknown id in a body is enough for the role checks, which come first.
_NOBODY = str(uuid.UUID(int=1))
RULES.update(
    {
        ("GET", "/api/projects/{project_id}/case-settings"): Rule("viewer", 200),
        ("PATCH", "/api/projects/{project_id}/case-settings"): Rule(
            "admin", json={"auto_create": True}
        ),
        ("GET", "/api/projects/{project_id}/cases"): Rule("viewer", 200),
        ("POST", "/api/projects/{project_id}/cases"): Rule("member", json={"title": "x"}),
        ("GET", "/api/projects/{project_id}/cases/export"): Rule("viewer", 200),
        ("POST", "/api/projects/{project_id}/cases/import"): Rule(
            "member", json={"csv": "Title\nx\n", "dry_run": True}
        ),
        ("POST", "/api/projects/{project_id}/cases/bulk"): Rule(
            "member", json={"case_ids": [_NOBODY], "changes": {}}
        ),
        ("POST", "/api/projects/{project_id}/cases/move"): Rule(
            "member", json={"case_ids": [_NOBODY]}
        ),
        ("POST", "/api/projects/{project_id}/cases/merge"): Rule(
            "member", json={"target_id": _NOBODY, "source_ids": [str(uuid.UUID(int=2))]}
        ),
        ("GET", "/api/projects/{project_id}/cases/by-key/{key}"): Rule("viewer", 200),
        ("GET", "/api/cases/{case_id}"): Rule("viewer", 200),
        ("PATCH", "/api/cases/{case_id}"): Rule("member", json={"title": "y"}),
        ("DELETE", "/api/cases/{case_id}"): Rule("member"),
        ("GET", "/api/cases/{case_id}/versions"): Rule("viewer", 200),
        ("GET", "/api/cases/{case_id}/history"): Rule("viewer", 200),
        ("GET", "/api/projects/{project_id}/suites"): Rule("viewer", 200),
        ("POST", "/api/projects/{project_id}/suites"): Rule("admin", json={"name": "Other"}),
        ("PATCH", "/api/suites/{suite_id}"): Rule("admin", json={"name": "Renamed"}),
        ("DELETE", "/api/suites/{suite_id}"): Rule("admin"),
        ("POST", "/api/suites/{suite_id}/sections"): Rule("admin", json={"name": "S"}),
        ("PATCH", "/api/sections/{section_id}"): Rule("admin", json={"name": "S2"}),
        ("DELETE", "/api/sections/{section_id}"): Rule("admin"),
        ("GET", "/api/projects/{project_id}/case-fields"): Rule("viewer", 200),
        ("POST", "/api/projects/{project_id}/case-fields"): Rule(
            "admin", json={"name": "OS", "kind": "text"}
        ),
        ("PATCH", "/api/case-fields/{field_id}"): Rule("admin", json={"required": False}),
        ("DELETE", "/api/case-fields/{field_id}"): Rule("admin"),
        ("GET", "/api/projects/{project_id}/case-filters"): Rule("viewer", 200),
        ("POST", "/api/projects/{project_id}/case-filters"): Rule(
            "member", json={"name": "F", "query": {}}
        ),
        ("DELETE", "/api/case-filters/{filter_id}"): Rule("member"),
        ("GET", "/api/projects/{project_id}/plans"): Rule("viewer", 200),
        ("POST", "/api/projects/{project_id}/plans"): Rule("member", json={"name": "P"}),
        ("GET", "/api/plans/{plan_id}"): Rule("viewer", 200),
        ("PATCH", "/api/plans/{plan_id}"): Rule("member", json={"name": "P2"}),
        ("DELETE", "/api/plans/{plan_id}"): Rule("member"),
        ("GET", "/api/plans/{plan_id}/cases"): Rule("viewer", 200),
        ("GET", "/api/plans/{plan_id}/runs"): Rule("viewer", 200),
        ("POST", "/api/plans/{plan_id}/runs"): Rule("member", json={}),
        ("GET", "/api/projects/{project_id}/plan-runs"): Rule("viewer", 200),
        ("GET", "/api/plan-runs/{plan_run_id}"): Rule("viewer", 200),
        ("POST", "/api/plan-runs/{plan_run_id}/results"): Rule(
            "member", json={"case_id": _NOBODY, "status": "passed"}
        ),
        ("GET", "/api/plan-runs/{plan_run_id}/cases/{case_id}/results"): Rule("viewer", 200),
        ("POST", "/api/plan-runs/{plan_run_id}/assign"): Rule(
            "member", json={"case_ids": [_NOBODY], "assignee_id": None}
        ),
        ("POST", "/api/plan-runs/{plan_run_id}/close"): Rule("member"),
    }
)


def platform_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route whose endpoint lives in a platform package."""

    def walk(routes: list[Any]) -> Iterator[Any]:
        for route in routes:
            nested = getattr(route, "effective_candidates", None)
            if nested is not None:  # an included router (FastAPI resolves them lazily)
                yield from walk(nested())
            else:
                yield route

    found = set()
    for route in walk(list(app.routes)):
        module = getattr(getattr(route, "endpoint", None), "__module__", "") or ""
        if module.startswith(PLATFORM_MODULES):
            for method in getattr(route, "methods", None) or ():
                if method != "HEAD":
                    found.add((method, route.path))
    return found


# --------------------------------------------------------------------------- the world


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    yield from fake_github()


@pytest.fixture
def settings_overrides(github: FakeGitHub) -> dict[str, Any]:
    return github_settings(github)


@dataclass
class World:
    client: httpx.AsyncClient
    owner: Api
    outsider: Api
    headers: dict[str, dict[str, str]]  # role -> headers ("outsider", "anonymous" too)
    ids: dict[str, str]  # path parameter -> our organisation's id
    theirs: dict[str, str]  # the outsider's own ids
    their_report_token: str
    share_token: str

    def path(self, template: str, ids: dict[str, str] | None = None) -> str:
        return template.format(**(ids or self.ids))

    async def call(
        self, method: str, template: str, who: str, rule: Rule, ids: dict[str, str] | None = None
    ) -> httpx.Response:
        files = {"file": (".env", b"A=1\n", "text/plain")} if rule.dotenv_file else None
        return await self.client.request(
            method,
            self.path(template, ids),
            json=rule.json,
            files=files,
            params={k: v.format(**(ids or self.ids)) for k, v in rule.query.items()},
            headers=self.headers[who],
        )


async def _webhook_delivery(app: FastAPI, repo_id: int, full_name: str) -> str:
    async with app.state.db.session() as session:
        delivery = WebhookDelivery(
            delivery_id=str(uuid.uuid4()),
            event="push",
            status="processed",
            http_status=202,
            payload={"repository": {"id": repo_id, "full_name": full_name}},
            signature_ok=True,
            repository_full_name=full_name,
            github_repo_id=repo_id,
            received_at=utcnow(),
            processed_at=utcnow(),
            run_ids=[],
        )
        session.add(delivery)
        await session.flush()
        return str(delivery.id)


async def _report_delivery(app: FastAPI, run_id: uuid.UUID) -> str:
    async with app.state.db.session() as session:
        row = ReportDelivery(run_id=run_id, destination="slack", key="slack:0", status="failed")
        session.add(row)
        await session.flush()
        return str(row.id)


async def _world(client: httpx.AsyncClient, app: FastAPI, tmp_path: Path) -> World:
    owner = await signed_in_api(client, "owner@example.com")
    outsider = await signed_in_api(client, "outsider@example.com")
    repository = await github_repository(owner, tmp_path)
    workflow = await create_workflow(owner, repository["id"])
    project_id = repository["project_id"]
    variable = await client.post(
        f"/api/projects/{project_id}/envvars",
        json={"key": "API_TOKEN", "value": SECRET_VALUE, "secret": True},
        headers=owner.headers,
    )
    assert variable.status_code == 201, variable.text
    run_id = await finished_run(app, project_id, workflow_id=uuid.UUID(workflow["id"]))
    share = await client.post(f"/api/runs/{run_id}/share", headers=owner.headers)
    assert share.status_code == 201, share.text

    their_project = await outsider.project(make_git_repo(tmp_path / "theirs", {"a": "b"}), "x")
    their_run = await finished_run(app, their_project["id"])
    their_link = await client.post(f"/api/runs/{their_run}/report-link", headers=outsider.headers)
    assert their_link.status_code == 200, their_link.text
    ids = {
        "org_id": owner.org_id,
        "project_id": project_id,
        "repository_id": repository["id"],
        "workflow_id": workflow["id"],
        "variable_id": variable.json()["id"],
        "run_id": str(run_id),
        "delivery_id": await _report_delivery(app, run_id),
        "artifact_id": str(await _add_log(app, run_id)),
        "delivery_pk": await _webhook_delivery(app, 555, "octo/shop"),
        **await qa_objects(app, project_id),
        **await _cases(client, owner.headers, project_id),
        "cluster_id": await _analytics(app, project_id, run_id),
    }
    theirs = {
        "org_id": outsider.org_id,
        "project_id": their_project["id"],
        "run_id": str(their_run),
        "artifact_id": str(await _add_log(app, their_run)),
    }
    return World(
        client=client,
        owner=owner,
        outsider=outsider,
        headers={
            "anonymous": {},
            "outsider": outsider.headers,
            "owner": owner.headers,
            "member": await join(
                client, owner.org_id, owner.headers, "member@example.com", "member"
            ),
            "viewer": await join(
                client, owner.org_id, owner.headers, "viewer@example.com", "viewer"
            ),
        },
        ids=ids,
        theirs=theirs,
        their_report_token=str(httpx.URL(their_link.json()["url"]).params["t"]),
        share_token=share.json()["token"],
    )


async def _analytics(app: FastAPI, project_id: str, run_id: uuid.UUID) -> str:
    """A quarantined test (its status is then readable) and a failure cluster."""
    from backend.analytics.models import FailureCluster, Quarantine

    async with app.state.db.session() as session:
        session.add(
            Quarantine(project_id=uuid.UUID(project_id), node_id="t.py::q", reason="r", by="user")
        )
        cluster = FailureCluster(
            project_id=uuid.UUID(project_id),
            fingerprint=uuid.uuid4().hex,
            message_fingerprint="m",
            normalized="boom",
            sample_error="boom",
        )
        session.add(cluster)
        await session.flush()
        return str(cluster.id)


async def _cases(
    client: httpx.AsyncClient, headers: dict[str, str], project_id: str
) -> dict[str, str]:
    """A suite with a section, a custom field, a saved filter, a case, a plan and its run."""

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await client.post(path, json=body, headers=headers)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    suite = await post(f"/api/projects/{project_id}/suites", {"name": "Checkout"})
    section = await post(f"/api/suites/{suite['id']}/sections", {"name": "Cart"})
    field = await post(f"/api/projects/{project_id}/case-fields", {"name": "B", "kind": "text"})
    saved = await post(f"/api/projects/{project_id}/case-filters", {"name": "All", "query": {}})
    case = await post(f"/api/projects/{project_id}/cases", {"title": "Pay"})
    plan = await post(
        f"/api/projects/{project_id}/plans",
        {"name": "Release", "selection": {"case_ids": [case["id"]]}},
    )
    plan_run = await post(f"/api/plans/{plan['id']}/runs", {})
    return {
        "suite_id": suite["id"],
        "section_id": section["id"],
        "field_id": field["id"],
        "filter_id": saved["id"],
        "case_id": case["id"],
        "key": case["key"],
        "plan_id": plan["id"],
        "plan_run_id": plan_run["id"],
    }


async def _add_log(app: FastAPI, run_id: uuid.UUID) -> uuid.UUID:
    return await add_artifact(
        app, run_id, "log.txt", b"hello\n", kind="log", content_type="text/plain"
    )


def _error(response: httpx.Response) -> str:
    body = response.json()
    assert isinstance(body, dict), response.text
    assert body.get("message"), response.text
    return str(body.get("error"))


# --------------------------------------------------------------------------- the table


async def test_every_platform_route_has_a_rule(app: FastAPI) -> None:
    routes = platform_routes(app)
    named = set(RULES) | set(EXEMPT) | SIGNED_LINK
    assert routes - named == set(), "new routes need an entry in RULES (or an exemption)"
    assert named - routes == set(), "entries for routes that no longer exist"


async def test_outsiders_get_404_and_lower_roles_403_on_every_route(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    world = await _world(client, app, tmp_path)
    wrong: list[str] = []
    for (method, template), rule in sorted(RULES.items(), key=lambda item: item[0][1]):
        name = f"{method} {template}"
        anonymous = await world.call(method, template, "anonymous", rule)
        if anonymous.status_code != 401:
            wrong.append(f"{name}: no token -> {anonymous.status_code}")
        if rule.minimum is None:
            outsider = await world.call(method, template, "outsider", rule)
            if outsider.status_code != rule.ok:
                wrong.append(f"{name}: any signed-in user -> {outsider.status_code}")
            continue
        outsider = await world.call(method, template, "outsider", rule)
        if outsider.status_code != 404 or _error(outsider) != "not_found":
            wrong.append(f"{name}: another organisation's user -> {outsider.status_code}")
        below = BELOW.get(rule.minimum)
        if below is not None:
            refused = await world.call(method, template, below, rule)
            if refused.status_code != 403 or _error(refused) != "insufficient_role":
                wrong.append(f"{name}: {below} -> {refused.status_code} {refused.text[:120]}")
        if rule.ok is not None:
            who = "owner" if rule.minimum == "admin" else rule.minimum
            allowed = await world.call(method, template, who, rule)
            if allowed.status_code != rule.ok:
                wrong.append(f"{name}: {who} -> {allowed.status_code}, not {rule.ok}")
    assert wrong == [], "\n".join(wrong)

    # Viewers may preview an import (nothing is stored), not run it.
    for dry_run in (True, False):
        preview = await client.post(
            world.path("/api/projects/{project_id}/envvars/import"),
            json={"text": "A=1\n", "dry_run": dry_run},
            headers=world.headers["viewer"],
        )
        assert preview.status_code == (200 if dry_run else 403), preview.text


async def test_ids_of_another_organisation_never_mix_with_ones_own(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    """The outsider is admin of their own organisation and project; naming our variable,
    workflow, deliveries or artifacts under them is still 404."""
    world = await _world(client, app, tmp_path)
    mixed = {**world.ids, **world.theirs}
    ours = world.ids
    cases = [
        ("PATCH", "/api/projects/{project_id}/envvars/{variable_id}", {"value": "x"}, None),
        ("DELETE", "/api/projects/{project_id}/envvars/{variable_id}", None, None),
        ("GET", "/api/projects/{project_id}/envvars", None, {"workflow_id": ours["workflow_id"]}),
        (
            "GET",
            "/api/projects/{project_id}/envvars/export",
            None,
            {"workflow_id": ours["workflow_id"]},
        ),
        (
            "POST",
            "/api/projects/{project_id}/envvars",
            {"key": "K", "value": "v", "workflow_id": ours["workflow_id"]},
            None,
        ),
        (
            "POST",
            "/api/projects/{project_id}/envvars/import",
            {"text": "A=1\n", "workflow_id": ours["workflow_id"]},
            None,
        ),
        ("GET", "/api/orgs/{org_id}/github/deliveries/{delivery_pk}", None, None),
        ("POST", "/api/orgs/{org_id}/github/deliveries/{delivery_pk}/redeliver", None, None),
        ("POST", "/api/runs/{run_id}/deliveries/{delivery_id}/redeliver", None, None),
        ("GET", f"{ANALYTICS}/clusters/{{cluster_id}}", None, None),
        ("PUT", f"{ANALYTICS}/clusters/{{cluster_id}}", {"decision": "environment"}, None),
        ("GET", f"{ANALYTICS}/compare", None, {"base": ours["run_id"], "head": ours["run_id"]}),
    ]
    wrong = []
    for method, template, body, params in cases:
        response = await client.request(
            method,
            template.format(**mixed),
            json=body,
            params=params,
            headers=world.headers["outsider"],
        )
        if response.status_code != 404:
            wrong.append(f"{method} {template}: {response.status_code} {response.text[:120]}")
    assert wrong == [], "\n".join(wrong)
    # Their org's delivery list does not show ours.
    listed = await client.get(
        f"/api/orgs/{world.outsider.org_id}/github/deliveries", headers=world.outsider.headers
    )
    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] == 0, listed.text
    # Our variable is untouched.
    async with app.state.db.session(read_only=True) as session:
        from backend.envvars.models import EnvVar

        assert await session.get(EnvVar, uuid.UUID(ours["variable_id"])) is not None


async def test_signed_report_links_open_only_their_run(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    world = await _world(client, app, tmp_path)
    token = world.their_report_token
    ours, theirs = world.ids, world.theirs
    # Their valid link opens their own report and artifact ...
    own = await client.get(f"/reports/{theirs['run_id']}", params={"t": token})
    assert own.status_code == 200
    own_file = await client.get(
        f"/reports/{theirs['run_id']}/artifacts/{theirs['artifact_id']}", params={"t": token}
    )
    assert own_file.status_code == 200
    # ... but not our run, nor our artifact under their run, nor anything without a link.
    refused = {
        "our page, their token": await client.get(
            f"/reports/{ours['run_id']}", params={"t": token}
        ),
        "our artifact, their token": await client.get(
            f"/reports/{ours['run_id']}/artifacts/{ours['artifact_id']}", params={"t": token}
        ),
        "our artifact under their run": await client.get(
            f"/reports/{theirs['run_id']}/artifacts/{ours['artifact_id']}", params={"t": token}
        ),
        "no link": await client.get(f"/reports/{ours['run_id']}"),
        "bearer header instead of a link": await client.get(
            f"/reports/{ours['run_id']}", headers=world.headers["outsider"]
        ),
        "our artifact via our share link, under their run": await client.get(
            f"/reports/s/{world.share_token}/artifacts/{theirs['artifact_id']}"
        ),
    }
    codes = {name: r.status_code for name, r in refused.items()}
    assert codes == {
        "our page, their token": 401,
        "our artifact, their token": 401,
        "our artifact under their run": 404,
        "no link": 401,
        "bearer header instead of a link": 401,
        "our artifact via our share link, under their run": 404,
    }
    # A revoked share link stops working at once.
    shared = await client.get(f"/reports/s/{world.share_token}")
    assert shared.status_code == 200
    revoked = await client.delete(f"/api/runs/{ours['run_id']}/share", headers=world.owner.headers)
    assert revoked.status_code == 200
    assert revoked.json()["revoked"] == 1
    assert (await client.get(f"/reports/s/{world.share_token}")).status_code == 404


# --------------------------------------------------------------------------- bad input

BAD_UUID = "not-a-uuid"
HUGE = "x" * 300_000
WRONG_TYPE: Any = [[1]]  # not a string, number, boolean, object or uuid


def _json_bodies(app: FastAPI) -> dict[tuple[str, str], dict[str, Any]]:
    """(method, path) -> the JSON request body's schema, for the platform routes."""
    spec = app.openapi()
    components = spec.get("components", {}).get("schemas", {})
    found = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            key = (method.upper(), path)
            if key not in RULES:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if schema is None:
                continue
            if "$ref" in schema:
                schema = components[schema["$ref"].rsplit("/", 1)[-1]]
            found[key] = schema
    return found


def _accepts_strings(schema: dict[str, Any]) -> bool:
    options = schema.get("anyOf") or [schema]
    return any(o.get("type") == "string" and "format" not in o for o in options)


async def test_bad_input_gets_a_4xx_naming_the_field_never_a_500(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    world = await _world(client, app, tmp_path)
    owner = world.headers["owner"]
    bodies = _json_bodies(app)
    assert len(bodies) >= 8, sorted(bodies)  # the spec really lists the JSON routes
    wrong: list[str] = []

    async def expect_4xx(
        method: str, template: str, body: Any, name_in_error: str | None, label: str
    ) -> None:
        path = world.path(template)
        response = await client.request(method, path, json=body, headers=owner)
        ok = 400 <= response.status_code < 500
        try:
            ok = ok and bool(response.json().get("message"))
        except ValueError:
            ok = False
        if ok and name_in_error is not None:
            ok = name_in_error in response.text
        if not ok:
            wrong.append(f"{method} {path} {label}: {response.status_code} {response.text[:160]}")

    for (method, template), schema in sorted(bodies.items()):
        bad_bodies: tuple[Any, ...] = ([], "text", 7, None)
        for body in bad_bodies:
            await expect_4xx(method, template, body, None, f"body={body!r}")
        properties: dict[str, Any] = schema.get("properties", {})
        if schema.get("required"):
            await expect_4xx(method, template, {}, schema["required"][0], "missing fields")
        for name, prop in properties.items():
            await expect_4xx(method, template, {name: WRONG_TYPE}, name, f"{name}=wrong type")
            if _accepts_strings(prop):
                await expect_4xx(method, template, {name: HUGE}, name, f"{name}=huge")

    for method, template in sorted(RULES):
        for param in [p for p in world.ids if "{" + p + "}" in template]:
            path = world.path(template, {**world.ids, param: BAD_UUID})
            rule = RULES[(method, template)]
            response = await client.request(method, path, json=rule.json, headers=owner)
            if response.status_code != 422 or param not in response.text:
                wrong.append(f"{method} {path}: {response.status_code} {response.text[:160]}")
    assert wrong == [], "\n".join(wrong)


async def test_bad_query_parameters_files_and_links_get_a_4xx(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    world = await _world(client, app, tmp_path)
    owner, ids = world.headers["owner"], world.ids
    envvars = world.path("/api/projects/{project_id}/envvars")
    deliveries = world.path("/api/orgs/{org_id}/github/deliveries")
    import_file = world.path("/api/projects/{project_id}/envvars/import-file")
    cases: dict[str, tuple[int, httpx.Response]] = {
        "workflow_id": (
            422,
            await client.get(envvars, params={"workflow_id": BAD_UUID}, headers=owner),
        ),
        "environment": (
            422,
            await client.get(envvars, params={"environment": "../x"}, headers=owner),
        ),
        "environment ": (
            422,
            await client.get(envvars, params={"environment": HUGE[:5000]}, headers=owner),
        ),
        "limit": (422, await client.get(deliveries, params={"limit": 0}, headers=owner)),
        "offset": (422, await client.get(deliveries, params={"offset": "x"}, headers=owner)),
        "status": (422, await client.get(deliveries, params={"status": "bogus"}, headers=owner)),
        "file": (422, await client.post(import_file, headers=owner)),
        "file ": (
            422,
            await client.post(import_file, files={"file": (".env", b"\xff\xfe=1")}, headers=owner),
        ),
        "file  ": (
            413,
            await client.post(
                import_file, files={"file": (".env", b"A=" + b"x" * 300_000)}, headers=owner
            ),
        ),
    }
    wrong = [
        f"{name.strip()}: {response.status_code} {response.text[:160]}"
        for name, (status, response) in cases.items()
        if response.status_code != status
        or not response.json().get("message")
        or name.strip() not in response.text
    ]
    assert wrong == [], "\n".join(wrong)
    # Report pages answer HTML error pages, never a 500, for links that are no links.
    pages = [
        await client.get(f"/reports/{ids['run_id']}", params={"t": HUGE[:20_000]}),
        await client.get(f"/reports/{ids['run_id']}", params={"t": "x"}),
        await client.get(f"/reports/s/{HUGE[:5000]}"),
        await client.get(f"/reports/{BAD_UUID}"),
    ]
    assert [p.status_code for p in pages] == [401, 401, 404, 422]


async def test_a_body_field_named_like_a_location_is_named_in_its_error(
    client: httpx.AsyncClient,
) -> None:
    owner = await signed_in_api(client, "path-field@example.com")
    project = await owner.project("https://github.com/octo/shop")
    response = await client.post(
        f"/api/projects/{project['id']}/repository",
        json={"provider": "local", "path": WRONG_TYPE},
        headers=owner.headers,
    )
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "path", response.text


# --------------------------------------------------------------------------- secrets


async def test_secrets_never_come_back_from_the_api(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    world = await _world(client, app, tmp_path)
    ids, owner = world.ids, world.headers["owner"]
    reads = [
        f"/api/projects/{ids['project_id']}/envvars",
        f"/api/projects/{ids['project_id']}/envvars/export",
        f"/api/projects/{ids['project_id']}/repository",
        f"/api/repositories/{ids['repository_id']}",
        f"/api/orgs/{ids['org_id']}/repositories",
        f"/api/orgs/{ids['org_id']}/audit-log",
        f"/api/runs/{ids['run_id']}/deliveries",
    ]
    answers = [await client.get(path, headers=owner) for path in reads]
    assert [a.status_code for a in answers] == [200] * len(reads)
    changed = await client.patch(
        f"/api/projects/{ids['project_id']}/envvars/{ids['variable_id']}",
        json={"secret": True},
        headers=owner,
    )
    imported = await client.post(
        f"/api/projects/{ids['project_id']}/envvars/import",
        json={"variables": {"API_TOKEN": SECRET_VALUE + "-2"}, "dry_run": True},
        headers=owner,
    )
    answers += [changed, imported]
    for answer in answers:
        assert SECRET_VALUE not in answer.text, answer.request.url
        assert PAT not in answer.text, answer.request.url
        assert world.share_token not in answer.text, answer.request.url
    assert changed.json()["value"] is None

    # A secret cannot be read by un-flagging it.
    unflag = await client.patch(
        f"/api/projects/{ids['project_id']}/envvars/{ids['variable_id']}",
        json={"secret": False},
        headers=owner,
    )
    assert unflag.status_code == 422, unflag.text
    assert _error(unflag) == "validation_error", unflag.text

    # The repository token and the share token are stored encrypted / hashed only.
    async with app.state.db.session(read_only=True) as session:
        repository = await session.get(Repository, uuid.UUID(ids["repository_id"]))
        assert repository is not None
        assert repository.token_encrypted is not None
        assert PAT.encode() not in bytes(repository.token_encrypted)
        hashes = list(await session.scalars(select(ReportShare.token_hash)))
        assert hashes
        assert world.share_token not in hashes
    # A second share link is a new token (each shown once, at creation).
    again = await client.post(f"/api/runs/{ids['run_id']}/share", headers=owner)
    assert again.status_code == 201
    assert again.json()["token"] != world.share_token


async def test_reporting_destination_credentials_never_come_back(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    """A Slack incoming-webhook URL is itself the credential."""
    owner = await signed_in_api(client, "slack-owner@example.com")
    repository = await github_repository(owner, tmp_path)
    config = {
        "reporting": {
            "destinations": [{"type": "slack", "settings": {"webhook_url": SLACK_WEBHOOK}}]
        }
    }
    created = await client.post(
        f"/api/repositories/{repository['id']}/workflows",
        json={"name": "slack", "config": config},
        headers=owner.headers,
    )
    assert created.status_code == 201, created.text
    workflow_id = created.json()["id"]
    renamed = await client.patch(
        f"/api/workflows/{workflow_id}", json={"name": "slack 2"}, headers=owner.headers
    )
    answers = [
        created,
        renamed,
        await client.get(f"/api/workflows/{workflow_id}", headers=owner.headers),
        await client.get(f"/api/workflows/{workflow_id}/versions", headers=owner.headers),
        await client.get(f"/api/repositories/{repository['id']}/workflows", headers=owner.headers),
        await client.get(f"/api/orgs/{owner.org_id}/audit-log", headers=owner.headers),
    ]
    assert [a.status_code for a in answers] == [201, 200, 200, 200, 200, 200]
    leaked = [str(a.request.url) for a in answers if "XXXXXXXXXXXXXXXXXXXXXXXX" in a.text]
    assert leaked == []


EVIL_SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'


async def test_an_svg_artifact_never_runs_script_on_the_apps_origin(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    """Artifacts come from the user's repository: a public share link must not turn an SVG
    into script running with the dashboard's origin (where its tokens live)."""
    owner = await signed_in_api(client, "svg@example.com")
    project = await owner.project("https://github.com/octo/shop")
    run_id = await finished_run(app, project["id"])
    artifact = await add_artifact(
        app, run_id, "evil.svg", EVIL_SVG, kind="screenshot", content_type="image/svg+xml"
    )
    share = await client.post(f"/api/runs/{run_id}/share", headers=owner.headers)
    served = await client.get(f"/reports/s/{share.json()['token']}/artifacts/{artifact}")
    assert served.status_code == 200
    inert = served.headers.get("content-disposition", "").startswith("attachment") or (
        "sandbox" in served.headers.get("content-security-policy", "")
    )
    assert inert, dict(served.headers)


# --------------------------------------------------------------------------- GitHub


async def test_an_app_installation_serves_only_the_organisation_that_connected_it(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    """Installation ids are small numbers anyone can guess; the App would mint a token for
    any of them, so naming another customer's installation must not connect its code."""
    ours = await signed_in_api(client, "app-owner@example.com")
    theirs = await signed_in_api(client, "app-guesser@example.com")
    via_app = {"provider": "github", "full_name": "octo/shop", "installation_id": 77}
    for api, name, expected in ((ours, "mine", 201), (theirs, "guess", 422)):
        project = await api.project(make_git_repo(tmp_path / name, {"a": "b"}), name)
        answer = await client.post(
            f"/api/projects/{project['id']}/repository", json=via_app, headers=api.headers
        )
        assert answer.status_code == expected, answer.text
    assert answer.json()["details"][0]["field"] == "installation_id"
    # Their own credential for the same repository still works.
    with_token = {"provider": "github", "full_name": "octo/shop", "token": PAT}
    answer = await client.post(
        f"/api/projects/{project['id']}/repository", json=with_token, headers=theirs.headers
    )
    assert answer.status_code == 201, answer.text


async def test_a_name_reused_by_another_github_repository_shows_none_of_its_deliveries(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner = await signed_in_api(client, "names@example.com")
    await github_repository(owner, tmp_path)  # octo/shop, GitHub id 555
    ours = await _webhook_delivery(app, 555, "octo/shop")
    renamed_to_ours = await _webhook_delivery(app, 555, "octo/old-name")
    recreated = await _webhook_delivery(app, 999, "octo/shop")  # another repository now
    listed = await client.get(f"/api/orgs/{owner.org_id}/github/deliveries", headers=owner.headers)
    assert listed.status_code == 200, listed.text
    assert {d["id"] for d in listed.json()["items"]} == {ours, renamed_to_ours}
    detail = await client.get(
        f"/api/orgs/{owner.org_id}/github/deliveries/{recreated}", headers=owner.headers
    )
    assert detail.status_code == 404


async def test_installing_the_app_never_attaches_another_organisations_repository(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, tmp_path: Path
) -> None:
    """Another org that reached the same repository with its own token must not be moved
    onto our installation (whose tokens reach every repository it covers)."""
    from backend.github.service import process_delivery, store_delivery
    from backend.github.webhooks import subject_of
    from tests.github.webhook_helpers import connect_hello_world, load

    installed = load("installation.created")  # Codertocat/Hello-World, installation 957387
    ours = await signed_in_api(client, "installer@example.com")
    theirs = await signed_in_api(client, "token-user@example.com")
    our_project = await ours.project(make_git_repo(tmp_path / "ours", {"a": "b"}), "ours")
    their_project = await theirs.project(make_git_repo(tmp_path / "theirs", {"a": "b"}), "x")
    await connect_hello_world(
        app, settings, org_id=ours.org_id, project_id=our_project["id"], installation_id=957387
    )
    their_repository = await connect_hello_world(
        app, settings, org_id=theirs.org_id, project_id=their_project["id"], installation_id=None
    )
    async with app.state.db.session() as session:
        delivery = await store_delivery(
            session,
            delivery_id=str(uuid.uuid4()),
            event="installation",
            payload=installed,
            subject=subject_of(installed),
            size_bytes=0,
            status=DeliveryStatus.RECEIVED,
            reason=None,
            http_status=202,
        )
        assert delivery is not None
    async with app.state.db.session() as session:
        await process_delivery(session, delivery.id, settings=settings)
    async with app.state.db.session(read_only=True) as session:
        repository = await session.get(Repository, their_repository)
        assert repository is not None
        assert repository.installation_id is None
