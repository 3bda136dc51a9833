"""The schedule tick on a real database: one run per due slot, at most one catch-up, and
exactly one run per slot when several ticks run at once (PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from backend.config import Settings
from backend.db import Database
from backend.kit.time import utcnow
from backend.runs.models import Run
from backend.workflows.models import ScheduleSlot
from backend.workflows.scheduler import claim_due_slot
from backend.workflows.tasks import tick
from tests.github.fake_github import FakeGitHub
from tests.repositories.helpers import github_repository
from tests.runs.helpers import signed_in_api
from tests.workflows.helpers import RecordingDispatcher, create_workflow

EVERY_FIVE_MINUTES: dict[str, Any] = {"triggers": {"schedule": {"cron": "*/5 * * * *"}}}


async def _scheduled_runs(app: FastAPI) -> list[Run]:
    async with app.state.db.session(read_only=True) as session:
        runs = list(await session.scalars(select(Run).where(Run.trigger == "schedule")))
        session.expunge_all()  # detached before the read-only rollback expires them
        return runs


async def test_one_run_per_due_slot_and_one_catch_up_after_downtime(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, github: FakeGitHub, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "cron@example.com")
    repository = await github_repository(api, tmp_path)
    workflow = await create_workflow(api, repository["id"], config=EVERY_FIVE_MINUTES)
    await create_workflow(api, repository["id"], "unscheduled")
    db: Database = app.state.db
    dispatcher = RecordingDispatcher()
    async with db.session(read_only=True) as session:
        # Saving the schedule marked the slot due at that moment as seen (no run).
        marked = await session.scalar(select(ScheduleSlot.slot_at))
    assert marked is not None

    assert (
        await tick(settings, now=marked + timedelta(seconds=30), database=db, dispatcher=dispatcher)
        == []
    )
    first = await tick(
        settings, now=marked + timedelta(minutes=5), database=db, dispatcher=dispatcher
    )
    again = await tick(
        settings, now=marked + timedelta(minutes=9), database=db, dispatcher=dispatcher
    )
    # Down for 40 minutes (8 slots): one catch-up run, not eight.
    late = await tick(
        settings, now=marked + timedelta(minutes=51), database=db, dispatcher=dispatcher
    )

    assert (len(first), again, len(late)) == (1, [], 1)
    runs = await _scheduled_runs(app)
    assert {r.id for r in runs} == {first[0], late[0]}
    assert [j.args[0] for j in dispatcher.jobs] == [str(first[0]), str(late[0])]
    assert all(str(r.workflow_id) == workflow["id"] for r in runs)
    assert all(r.branch == "main" and r.trigger_info["cron"] == "*/5 * * * *" for r in runs)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_disabled_or_disconnected_workflows_do_not_fire(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, github: FakeGitHub, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "cron-off@example.com")
    repository = await github_repository(api, tmp_path)
    await create_workflow(api, repository["id"], config=EVERY_FIVE_MINUTES, enabled=False)
    later = utcnow() + timedelta(minutes=10)
    dispatcher = RecordingDispatcher()
    assert await tick(settings, now=later, database=app.state.db, dispatcher=dispatcher) == []
    other = await create_workflow(api, repository["id"], "on", config=EVERY_FIVE_MINUTES)
    await client.delete(f"/api/repositories/{repository['id']}", headers=api.headers)
    assert await tick(settings, now=later, database=app.state.db, dispatcher=dispatcher) == []
    assert other["enabled"] is True


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_concurrent_ticks_start_exactly_one_run_per_slot(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, github: FakeGitHub, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "race@example.com")
    repository = await github_repository(api, tmp_path)
    for name in ("a", "b", "c", "d"):
        await create_workflow(api, repository["id"], name, config=EVERY_FIVE_MINUTES)
    now = utcnow() + timedelta(minutes=5)
    # Three "beat processes": their own engines and connections, ticking at the same time.
    databases = [Database(settings.resolved_database_url) for _ in range(3)]
    dispatchers = [RecordingDispatcher() for _ in databases]
    try:
        results = await asyncio.gather(
            *(
                tick(settings, now=now, database=db, dispatcher=d)
                for db, d in zip(databases, dispatchers, strict=True)
            )
        )
    finally:
        for db in databases:
            await db.dispose()

    started = [run_id for result in results for run_id in result]
    runs = await _scheduled_runs(app)
    assert len(started) == len(runs) == 4
    assert len({r.workflow_id for r in runs}) == 4
    assert sum(len(d.jobs) for d in dispatchers) == 4


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_claim_racing_an_uncommitted_claim_queues_nothing(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, github: FakeGitHub, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "race2@example.com")
    repository = await github_repository(api, tmp_path)
    workflow = await create_workflow(api, repository["id"], config=EVERY_FIVE_MINUTES)
    workflow_id = uuid.UUID(workflow["id"])
    now = utcnow() + timedelta(minutes=5)
    other = Database(settings.resolved_database_url)
    outcomes: list[object] = []

    async def second_claim() -> None:
        try:
            async with other.session() as session:
                outcomes.append(await claim_due_slot(session, workflow_id, now, settings=settings))
        except Exception as exc:  # the unique key refused the second insert
            outcomes.append(type(exc).__name__)

    try:
        async with app.state.db.session() as session:
            first = await claim_due_slot(session, workflow_id, now, settings=settings)
            racer = asyncio.create_task(second_claim())
            await asyncio.sleep(0.3)  # let the racer reach its insert; it waits on our lock
        await racer
    finally:
        await other.dispose()

    assert first is not None
    assert outcomes in (["IntegrityError"], [None])  # refused at insert, or saw our slot
    async with app.state.db.session(read_only=True) as session:
        slots = await session.scalar(select(func.count()).select_from(ScheduleSlot))
    assert len(await _scheduled_runs(app)) == 1
    assert slots == 2  # the one marked when the schedule was saved, and this one
