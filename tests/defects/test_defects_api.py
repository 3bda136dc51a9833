"""Filing defects from failed results on SQLite and PostgreSQL: local defects, GitHub issues
(checked against GitHub's OpenAPI description), no duplicates, changes, and the tracker
settings."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from backend.config import Settings
from backend.defects.models import Defect
from backend.defects.tasks import sync_defect, wait_for_sync
from backend.kit.time import utcnow
from tests.defects.helpers import (
    CHECKOUT,
    defect,
    failing,
    file,
    github_project,
    local_project,
    passing,
    result_id,
    run_with,
)
from tests.defects.issues_fake import FakeIssues
from tests.orgs.helpers import join
from tests.reports.helpers import add_artifact
from tests.runs.helpers import Api, signed_in_api


async def test_a_failed_result_files_a_local_defect_with_its_error_steps_and_run_link(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "qa@example.com")
    project = await local_project(api, tmp_path)
    run_id = await run_with(app, project["id"], failing("AssertionError: expected 3 items, got 5"))
    await add_artifact(
        app,
        run_id,
        "test-results/tests-test-shop-py-test-checkout-chromium/test-failed-1.png",
        b"\x89PNG",
        kind="screenshot",
        content_type="image/png",
    )
    await add_artifact(
        app, run_id, "test-results/trace.zip", b"PK", kind="trace", content_type="application/zip"
    )

    filed = await file(
        api,
        project["id"],
        run_test_id=await result_id(api, run_id),
        severity="critical",
        labels=["checkout", "checkout", "bug"],
    )

    assert filed["key"] == "D-1"
    assert filed["linked"] is False
    assert filed["tracker"] == "local"
    assert filed["sync_state"] == "none"
    assert filed["status"] == "open"
    assert filed["severity"] == "critical"
    assert filed["labels"] == ["checkout", "bug"]
    assert filed["title"] == "test_checkout: AssertionError: expected 3 items, got 5"
    assert filed["test_node_id"] == CHECKOUT
    body = filed["body"]
    assert f"`{CHECKOUT}`" in body
    assert f"/reports/{run_id}" in body
    assert "expected 3 items, got 5" in body
    assert "1. open the shop\n2. click the checkout button" in body
    # The screenshot named after the test is linked; the unnamed trace is not its.
    assert "screenshot: [test-failed-1.png]" in body
    assert "trace.zip" not in body
    detail = await defect(api, filed["id"])
    assert [r["run_id"] for r in detail["runs"]] == [str(run_id)]
    assert detail["runs"][0]["outcome"] == "failed"


async def test_a_similar_failure_of_the_same_test_links_to_the_open_defect(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "qa@example.com")
    project = await local_project(api, tmp_path)
    first = await run_with(app, project["id"], failing("AssertionError: expected 3 items, got 5"))
    filed = await file(api, project["id"], run_test_id=await result_id(api, first))

    # Other numbers, same error: linked (200), not filed again.
    second = await run_with(app, project["id"], failing("AssertionError: expected 4 items, got 1"))
    linked = await file(api, project["id"], 200, run_test_id=await result_id(api, second))
    assert linked["id"] == filed["id"]
    assert linked["linked"] is True
    assert linked["occurrences"] == 2
    assert linked["last_failed_run_id"] == str(second)
    # Filing the same result twice links it once.
    again = await file(api, project["id"], 200, run_test_id=await result_id(api, second))
    assert again["occurrences"] == 2

    # Another error of the same test is another defect.
    third = await run_with(app, project["id"], failing("TimeoutError: page.click timed out"))
    other = await file(api, project["id"], run_test_id=await result_id(api, third))
    assert other["key"] == "D-2"

    # Once the first is closed, the same error files a new defect.
    closed = await api.client.patch(
        f"/api/defects/{filed['id']}", json={"status": "closed"}, headers=api.headers
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["closed_reason"] == "closed in TestAble by qa@example.com"
    fourth = await run_with(app, project["id"], failing("AssertionError: expected 9 items, got 0"))
    new = await file(api, project["id"], run_test_id=await result_id(api, fourth))
    assert new["key"] == "D-3"


async def test_with_a_connected_github_repository_the_defect_becomes_an_issue_after_commit(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path, issues: FakeIssues
) -> None:
    api = await signed_in_api(client, "qa@example.com")
    project = await github_project(api, tmp_path)
    run_id = await run_with(app, project["id"], failing("AssertionError: total is 0"))

    filed = await file(api, project["id"], run_test_id=await result_id(api, run_id), labels=["bug"])
    assert filed["tracker"] == "github"
    assert filed["repository_full_name"] == "octo/shop"
    assert wait_for_sync(timeout=30)

    created = issues.requests("POST")
    assert len(created) == 1
    assert created[0].path == "/repos/octo/shop/issues"
    assert created[0].authorization == "Bearer ghp_test_personal_token_0001"
    assert created[0].body["title"] == filed["title"]
    assert created[0].body["labels"] == ["bug"]
    assert f"/reports/{run_id}" in created[0].body["body"]
    assert issues.contract_violations == []
    synced = await defect(api, filed["id"])
    assert synced["sync_state"] == "synced"
    assert synced["issue_number"] == 1
    assert synced["issue_url"] == "https://github.com/octo/shop/issues/1"

    # Closing it in TestAble closes the issue.
    response = await api.client.patch(
        f"/api/defects/{filed['id']}",
        json={"status": "closed", "labels": ["bug", "fixed"]},
        headers=api.headers,
    )
    assert response.status_code == 200, response.text
    assert wait_for_sync(timeout=30)
    patched = issues.requests("PATCH")
    assert [r.path for r in patched] == ["/repos/octo/shop/issues/1"]
    assert patched[0].body == {
        "title": filed["title"],
        "labels": ["bug", "fixed"],
        "state": "closed",
        "state_reason": "completed",
    }
    assert issues.issues[("octo/shop", 1)]["state"] == "closed"
    assert issues.contract_violations == []
    assert (await defect(api, filed["id"]))["sync_state"] == "synced"


async def test_a_failed_sync_is_recorded_and_tried_again_on_request(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path, issues: FakeIssues
) -> None:
    api = await signed_in_api(client, "qa@example.com")
    project = await github_project(api, tmp_path)
    run_id = await run_with(app, project["id"], failing("AssertionError: total is 0"))
    issues.fail_next = [503]

    filed = await file(api, project["id"], run_test_id=await result_id(api, run_id))
    assert wait_for_sync(timeout=30)
    failed = await defect(api, filed["id"])
    assert failed["sync_state"] == "failed"
    assert "503" in failed["sync_error"]
    assert failed["issue_number"] is None

    retried = await api.client.post(f"/api/defects/{filed['id']}/sync", headers=api.headers)
    assert retried.status_code == 202, retried.text
    assert wait_for_sync(timeout=30)
    synced = await defect(api, filed["id"])
    assert synced["sync_state"] == "synced"
    assert synced["issue_number"] == 1
    assert len(issues.requests("POST")) == 2  # the refused one, then the issue


async def test_the_project_tracker_setting_chooses_local_or_insists_on_github(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path, issues: FakeIssues
) -> None:
    api = await signed_in_api(client, "qa@example.com")
    github = await github_project(api, tmp_path)
    local = await local_project(api, tmp_path, "blog")

    settings = await api.client.get(
        f"/api/projects/{github['id']}/defect-settings", headers=api.headers
    )
    assert settings.json() == {
        "tracker": "auto",
        "default_labels": [],
        "github_available": True,
        "repository_full_name": "octo/shop",
    }
    put = await api.client.put(
        f"/api/projects/{github['id']}/defect-settings",
        json={"tracker": "local", "default_labels": ["from-testable"]},
        headers=api.headers,
    )
    assert put.status_code == 200, put.text
    run_id = await run_with(app, github["id"], failing("AssertionError: total is 0"))
    filed = await file(api, github["id"], run_test_id=await result_id(api, run_id))
    assert filed["tracker"] == "local"
    assert filed["labels"] == ["from-testable"]
    assert issues.requests("POST") == []

    insist = await api.client.put(
        f"/api/projects/{local['id']}/defect-settings",
        json={"tracker": "github"},
        headers=api.headers,
    )
    assert insist.status_code == 200
    refused = await api.client.post(
        f"/api/projects/{local['id']}/defects", json={"title": "Broken"}, headers=api.headers
    )
    assert refused.status_code == 409
    assert refused.json()["error"] == "tracker_unavailable"


async def test_bad_requests_answer_a_specific_4xx(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "qa@example.com")
    project = await local_project(api, tmp_path)
    other = await local_project(api, tmp_path, "other")
    run_id = await run_with(app, project["id"], failing("AssertionError: x"), passing("t::ok"))
    url = f"/api/projects/{project['id']}/defects"

    async def post(body: object) -> httpx.Response:
        return await api.client.post(url, json=body, headers=api.headers)

    passed = await post({"run_test_id": await result_id(api, run_id, "t::ok")})
    assert passed.status_code == 422
    assert passed.json()["details"][0]["field"] == "run_test_id"
    elsewhere = await api.client.post(
        f"/api/projects/{other['id']}/defects",
        json={"run_test_id": await result_id(api, run_id)},
        headers=api.headers,
    )
    assert elsewhere.status_code == 404
    assert (await post({})).status_code == 422  # no result and no title
    assert (await post({"title": "x", "severity": "apocalyptic"})).status_code == 422
    assert (await post({"title": "x", "labels": [""]})).status_code == 422
    stranger = await signed_in_api(client, "stranger@example.com")
    not_member = await post({"title": "y", "assignee_id": await _user_id(stranger)})
    assert not_member.status_code == 422
    assert not_member.json()["details"][0]["field"] == "assignee_id"
    assigned = await post({"title": "z", "assignee_id": await _user_id(api)})
    assert assigned.status_code == 201
    nothing = await api.client.patch(
        f"/api/defects/{assigned.json()['id']}", json={}, headers=api.headers
    )
    assert nothing.status_code == 422
    local = await api.client.post(f"/api/defects/{assigned.json()['id']}/sync", headers=api.headers)
    assert local.status_code == 409


async def _user_id(api: Api) -> str:
    me = await api.client.get("/api/auth/me", headers=api.headers)
    assert me.status_code == 200, me.text
    return str(me.json()["id"])


async def test_viewers_read_members_file_admins_choose_the_tracker(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    owner = await signed_in_api(client, "owner@example.com")
    project = await local_project(owner, tmp_path)
    viewer = await join(client, owner.org_id, owner.headers, "viewer@example.com", "viewer")
    member = await join(client, owner.org_id, owner.headers, "member@example.com", "member")
    url = f"/api/projects/{project['id']}/defects"

    assert (await client.post(url, json={"title": "x"}, headers=viewer)).status_code == 403
    filed = await client.post(url, json={"title": "x"}, headers=member)
    assert filed.status_code == 201
    assert (await client.get(url, headers=viewer)).json()["total"] == 1
    settings_url = f"/api/projects/{project['id']}/defect-settings"
    refused = await client.put(settings_url, json={"tracker": "local"}, headers=member)
    assert refused.status_code == 403


async def test_the_list_filters_by_status_severity_and_test(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "qa@example.com")
    project = await local_project(api, tmp_path)
    run_id = await run_with(app, project["id"], failing("AssertionError: a"))
    await file(api, project["id"], run_test_id=await result_id(api, run_id), severity="minor")
    second = await file(api, project["id"], title="Login is slow", severity="critical")
    await api.client.patch(
        f"/api/defects/{second['id']}", json={"status": "closed"}, headers=api.headers
    )
    url = f"/api/projects/{project['id']}/defects"

    async def keys(**query: str) -> list[str]:
        response = await api.client.get(url, params=query, headers=api.headers)
        assert response.status_code == 200, response.text
        return [d["key"] for d in response.json()["items"]]

    assert await keys() == ["D-2", "D-1"]
    assert await keys(status="open") == ["D-1"]
    assert await keys(severity="critical") == ["D-2"]
    assert await keys(test="test_checkout") == ["D-1"]
    bad = await api.client.get(url, params={"status": "maybe"}, headers=api.headers)
    assert bad.status_code == 422


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_numbers_are_per_project(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "qa@example.com")
    shop = await local_project(api, tmp_path)
    blog = await local_project(api, tmp_path, "blog")
    assert (await file(api, shop["id"], title="a"))["key"] == "D-1"
    assert (await file(api, blog["id"], title="b"))["key"] == "D-1"
    assert (await file(api, shop["id"], title="c"))["key"] == "D-2"


async def _manual_result(app: FastAPI, project_id: str, status: str, comment: str) -> str:
    """A plan run's result of TC-1 (two steps), recorded by hand."""
    from sqlalchemy import select

    from backend.cases.models import PlanRun, PlanRunCase, PlanRunResult, TestCase, TestPlan

    pid = uuid.UUID(project_id)
    async with app.state.db.session() as session:
        case = await session.scalar(
            select(TestCase).where(TestCase.project_id == pid, TestCase.number == 1)
        )
        if case is None:
            case = TestCase(
                project_id=pid,
                number=1,
                title="Pay by card",
                steps=[
                    {"action": "Open the cart", "expected": "Two items"},
                    {"action": "Press Pay", "expected": "A receipt"},
                ],
            )
            session.add(case)
            await session.flush()
        plan = TestPlan(project_id=pid, name=f"Plan {uuid.uuid4().hex[:6]}")
        session.add(plan)
        await session.flush()
        plan_run = PlanRun(plan_id=plan.id, project_id=pid, name="Manual")
        session.add(plan_run)
        await session.flush()
        row = PlanRunCase(plan_run_id=plan_run.id, case_id=case.id, status=status)
        session.add(row)
        await session.flush()
        result = PlanRunResult(
            plan_run_case_id=row.id, status=status, source="manual", comment=comment
        )
        session.add(result)
        await session.flush()
        return str(result.id)


async def test_a_failed_manual_result_files_a_defect_and_a_similar_one_links_to_it(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "qa@example.com")
    project = await local_project(api, tmp_path)
    first = await _manual_result(app, project["id"], "failed", "Pay does nothing after 3 clicks")

    filed = await file(api, project["id"], manual_result_id=first)
    assert filed["source"] == "manual"
    assert filed["test_node_id"] == "case:TC-1"
    assert filed["title"] == "case:TC-1: Pay does nothing after 3 clicks"
    assert (
        "1. Open the cart (expected: Two items)\n2. Press Pay (expected: A receipt)"
        in (filed["body"])
    )
    again = await _manual_result(app, project["id"], "failed", "Pay does nothing after 5 clicks")
    linked = await file(api, project["id"], 200, manual_result_id=again)
    assert linked["id"] == filed["id"]
    assert linked["occurrences"] == 2

    passed = await _manual_result(app, project["id"], "passed", "")
    refused = await api.client.post(
        f"/api/projects/{project['id']}/defects",
        json={"manual_result_id": passed},
        headers=api.headers,
    )
    assert refused.status_code == 422
    assert refused.json()["details"][0]["field"] == "manual_result_id"
    both = await api.client.post(
        f"/api/projects/{project['id']}/defects",
        json={"manual_result_id": first, "run_test_id": first},
        headers=api.headers,
    )
    assert both.status_code == 422


async def test_only_the_job_holding_the_claim_files_the_issue(
    app: FastAPI,
    client: httpx.AsyncClient,
    tmp_path: Path,
    issues: FakeIssues,
    settings: Settings,
) -> None:
    """Celery may run two sync jobs of one defect at once (embedded mode orders them): the
    one that marked the defect ``creating`` files the issue; a claim older than ten
    minutes belonged to a worker that died and is taken over."""
    api = await signed_in_api(client, "qa@example.com")
    project = await github_project(api, tmp_path)
    issues.fail_next = [503]  # the first sync files nothing
    filed = await file(api, project["id"], title="Broken checkout")
    assert wait_for_sync(timeout=30)
    defect_id = uuid.UUID(filed["id"])

    async def claimed(at: datetime) -> None:
        async with app.state.db.session() as session:
            await session.execute(
                update(Defect)
                .where(Defect.id == defect_id)
                .values(sync_state="creating", updated_at=at)
            )

    await claimed(utcnow())
    assert await sync_defect(settings, defect_id) == "creating"
    assert len(issues.requests("POST")) == 1  # only the refused first one

    await claimed(utcnow() - timedelta(minutes=11))
    assert await sync_defect(settings, defect_id) == "synced"
    assert len(issues.requests("POST")) == 2
    assert (await defect(api, filed["id"]))["issue_number"] == 1
