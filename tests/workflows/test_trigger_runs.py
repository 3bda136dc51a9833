"""trigger_runs on a real database: an event queues exactly the runs its repository's
workflows ask for, with commit, branch and PR information; cancel_superseded."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from backend.config import Settings
from backend.runs.models import Run
from backend.workflows.service import cancel_superseded, trigger_runs
from backend.workflows.triggers import TriggerEvent
from tests.github.fake_github import FakeGitHub
from tests.repositories.helpers import github_repository
from tests.runs.helpers import signed_in_api
from tests.workflows.helpers import create_workflow

PUSH = TriggerEvent(
    kind="push",
    repository_full_name="octo/shop",
    github_repo_id=555,
    branch="main",
    commit_sha="a" * 40,
    commit_message="Add basket",
    author="mona",
    delivery_id="delivery-1",
)
PR = TriggerEvent(
    kind="pull_request",
    repository_full_name="octo/shop",
    github_repo_id=555,
    branch="feature/basket",
    base_branch="main",
    commit_sha="b" * 40,
    pr_number=7,
    pr_action="opened",
    pr_title="Basket",
)


async def _trigger(app: FastAPI, settings: Settings, event: TriggerEvent) -> list[Run]:
    async with app.state.db.session() as session:
        queued = await trigger_runs(session, event, settings=settings)
    return [run for run, _ in queued]


async def _runs(app: FastAPI) -> list[Run]:
    async with app.state.db.session(read_only=True) as session:
        runs = list(await session.scalars(select(Run).order_by(Run.created_at)))
        session.expunge_all()  # detached before the read-only rollback expires them
        return runs


async def test_an_event_queues_one_run_per_matching_workflow(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, github: FakeGitHub, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "events@example.com")
    repository = await github_repository(api, tmp_path)
    rid = repository["id"]
    protected_only = await create_workflow(
        api, rid, "protected", config={"branches": {"strategy": "protected"}}
    )
    prs = await create_workflow(
        api, rid, "prs", config={"triggers": {"push": False}, "execution": {"retries": 2}}
    )
    await create_workflow(api, rid, "off", enabled=False)

    pushed = await _trigger(app, settings, PUSH)
    assert [str(r.workflow_id) for r in pushed] == [protected_only["id"]]
    [run] = pushed
    assert (run.trigger, run.branch, run.commit_sha, run.status) == (
        "push",
        "main",
        "a" * 40,
        "queued",
    )
    assert run.trigger_info["commit_message"] == "Add basket"
    assert run.trigger_info["delivery_id"] == "delivery-1"
    assert run.trigger_info["workflow"] == "protected"

    opened = await _trigger(app, settings, PR)
    by_workflow = {str(r.workflow_id): r for r in opened}
    assert set(by_workflow) == {protected_only["id"], prs["id"]}  # base branch main is protected
    pr_run = by_workflow[prs["id"]]
    assert pr_run.pr_number == 7
    assert pr_run.trigger == "pull_request"
    assert pr_run.options["retries"] == 2
    assert pr_run.trigger_info["base_ref"] == "main"

    assert await _trigger(app, settings, replace(PUSH, branch="feature/x")) == []
    assert await _trigger(app, settings, replace(PUSH, commit_message="docs [skip ci]")) == []
    other_repo = replace(PUSH, repository_full_name="octo/other", github_repo_id=1)
    assert await _trigger(app, settings, other_repo) == []
    # A renamed repository is still found by its GitHub id.
    renamed = replace(PUSH, repository_full_name="octo/shop-renamed")
    assert len(await _trigger(app, settings, renamed)) == 1
    # Same name, another GitHub id: a repository deleted and created again.
    recreated = replace(PUSH, github_repo_id=556)
    assert await _trigger(app, settings, recreated) == []
    assert len(await _runs(app)) == 4

    await client.delete(f"/api/repositories/{rid}", headers=api.headers)
    assert await _trigger(app, settings, PUSH) == []


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_missing_required_variables_end_an_automatic_run_with_the_names(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, github: FakeGitHub, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "required@example.com")
    repository = await github_repository(api, tmp_path)
    config: dict[str, Any] = {"environment": {"name": "staging", "required": ["API_TOKEN"]}}
    await create_workflow(api, repository["id"], config=config)

    [run] = await _trigger(app, settings, PUSH)
    assert run.status == "error"
    assert run.reason is not None
    assert "API_TOKEN" in run.reason


async def test_a_new_commit_cancels_superseded_runs_of_the_same_pull_request(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, github: FakeGitHub, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "supersede@example.com")
    repository = await github_repository(api, tmp_path)
    await create_workflow(api, repository["id"], config={"triggers": {"cancel_superseded": True}})
    [first] = await _trigger(app, settings, PR)
    second_commit = replace(PR, pr_action="synchronize", commit_sha="c" * 40)

    async with app.state.db.session() as session:
        cancelled = await cancel_superseded(session, second_commit)
        [second] = [r for r, _ in await trigger_runs(session, second_commit, settings=settings)]
    assert [r.id for r, _ in cancelled] == [first.id]
    [(_, messages)] = cancelled  # published by the caller after commit
    assert [m["data"]["status"] for m in messages] == ["cancelled"]
    statuses = {r.id: r.status for r in await _runs(app)}
    assert statuses == {first.id: "cancelled", second.id: "queued"}
    async with app.state.db.session() as session:  # a redelivery cancels nothing of its own
        assert await cancel_superseded(session, second_commit) == []
    assert isinstance(second.id, uuid.UUID)
