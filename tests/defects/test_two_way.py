"""GitHub's ``issues`` webhook updates the defects that mirror the issue (closed, reopened,
edited, assigned), through the signed receiver and the in-process worker; a later run's
results link similar failures and mark "passing since". SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.config import Settings
from backend.defects.tasks import wait_for_sync
from backend.github.tasks import wait_for_deliveries
from backend.runs import hooks
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
from tests.defects.issues_fake import FIXTURES, FakeIssues, issues_payload, webhook_errors
from tests.github.webhook_helpers import deliver, stored_one
from tests.runs.helpers import Api, signed_in_api


async def _filed_issue(
    app: FastAPI, api: Api, tmp_path: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    project = await github_project(api, tmp_path)
    run_id = await run_with(app, project["id"], failing("AssertionError: total is 0"))
    filed = await file(api, project["id"], run_test_id=await result_id(api, run_id))
    assert wait_for_sync(timeout=30)
    synced = await defect(api, filed["id"])
    assert synced["issue_number"] == 1
    return project, synced


async def _send(app: FastAPI, client: httpx.AsyncClient, payload: dict[str, Any]) -> dict[str, Any]:
    response = await deliver(client, "issues", payload)
    assert response.status_code == 202, response.text
    assert wait_for_deliveries(timeout=30)
    delivery = await stored_one(app, response.json()["id"])
    return {"status": delivery.status, "reason": delivery.reason}


@pytest.mark.parametrize("action", ["opened", "closed", "reopened", "edited", "assigned"])
def test_each_issues_fixture_is_valid_against_githubs_webhook_schema(action: str) -> None:
    payload = json.loads((FIXTURES / f"issues.{action}.json").read_text())
    assert webhook_errors(action, payload) == []


async def test_closing_the_issue_on_github_closes_the_defect_and_reopening_reopens_it(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path, issues: FakeIssues
) -> None:
    api = await signed_in_api(client, "qa@example.com")
    _, synced = await _filed_issue(app, api, tmp_path)

    closed = await _send(
        app, client, issues_payload("closed", 1, title=synced["title"], sender="dev")
    )
    assert closed == {"status": "processed", "reason": f"issues closed: updated {synced['key']}"}
    after = await defect(api, synced["id"])
    assert after["status"] == "closed"
    assert after["closed_reason"] == "closed on GitHub by dev"
    assert after["closed_at"] is not None

    await _send(app, client, issues_payload("reopened", 1, title=synced["title"]))
    reopened = await defect(api, synced["id"])
    assert reopened["status"] == "open"
    assert reopened["closed_at"] is None
    assert reopened["closed_reason"] == "reopened on GitHub by octocat"
    # GitHub's own changes never echo back to GitHub.
    assert issues.requests("PATCH") == []


async def test_edits_and_assignees_on_github_reach_the_defect(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path, issues: FakeIssues
) -> None:
    api = await signed_in_api(client, "qa@example.com")
    _, synced = await _filed_issue(app, api, tmp_path)

    await _send(
        app, client, issues_payload("edited", 1, title="Checkout total is zero", labels=["p1"])
    )
    edited = await defect(api, synced["id"])
    assert edited["title"] == "Checkout total is zero"
    assert edited["labels"] == ["p1"]
    assert edited["status"] == "open"

    await _send(
        app,
        client,
        issues_payload("assigned", 1, title="Checkout total is zero", assignees=["dev"]),
    )
    assert (await defect(api, synced["id"]))["github_assignees"] == ["dev"]


async def test_an_issue_no_defect_mirrors_is_ignored_with_the_reason(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path, issues: FakeIssues
) -> None:
    api = await signed_in_api(client, "qa@example.com")
    await _filed_issue(app, api, tmp_path)
    outcome = await _send(app, client, issues_payload("closed", 42))
    assert outcome == {"status": "ignored", "reason": "no defect mirrors octo/shop#42"}
    broken = await _send(app, client, {"action": "closed", "issue": {"number": "x"}})
    assert broken["status"] == "ignored"
    assert broken["reason"].startswith("the issues payload lacks or mistypes: ")


async def test_another_repository_with_the_same_issue_number_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path, issues: FakeIssues
) -> None:
    api = await signed_in_api(client, "qa@example.com")
    _, synced = await _filed_issue(app, api, tmp_path)
    payload = issues_payload("closed", 1)
    payload["repository"] = {**payload["repository"], "id": 999, "full_name": "evil/shop"}
    outcome = await _send(app, client, payload)
    assert outcome["status"] == "ignored"
    assert (await defect(api, synced["id"]))["status"] == "open"


async def test_a_passing_run_shows_passing_since_and_a_new_failure_links_and_clears_it(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path, settings: Settings
) -> None:
    api = await signed_in_api(client, "qa@example.com")
    project = await local_project(api, tmp_path)
    first = await run_with(app, project["id"], failing("AssertionError: expected 3 items, got 5"))
    filed = await file(api, project["id"], run_test_id=await result_id(api, first))

    # The run-finished hooks registered by create_app (runs does not import defects).
    passed = await run_with(app, project["id"], passing())
    await hooks.run_finished(passed, settings)
    since = await defect(api, filed["id"])
    assert since["passing_since_run_id"] == str(passed)
    assert since["passing_since_at"] is not None
    assert since["status"] == "open"  # passing again is shown, not a closure

    # A later passing run keeps the first "passing since".
    later = await run_with(app, project["id"], passing())
    await hooks.run_finished(later, settings)
    assert (await defect(api, filed["id"]))["passing_since_run_id"] == str(passed)

    # It fails again, similarly: the failure is linked and "passing since" cleared.
    again = await run_with(app, project["id"], failing("AssertionError: expected 1 items, got 0"))
    await hooks.run_finished(again, settings)
    detail = await defect(api, filed["id"])
    assert detail["passing_since_run_id"] is None
    assert detail["last_failed_run_id"] == str(again)
    assert [r["run_id"] for r in detail["runs"]] == [str(again), str(first)]
    # An unrelated failure of the test is not linked.
    other = await run_with(app, project["id"], failing("TimeoutError: no page", CHECKOUT))
    await hooks.run_finished(other, settings)
    assert len((await defect(api, filed["id"]))["runs"]) == 2
