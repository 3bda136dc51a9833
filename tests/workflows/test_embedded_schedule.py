"""``testable up`` ticks schedules inside the api process (embedded mode has no beat)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete, select

from backend.config import Settings
from backend.embedded import create_embedded_app
from backend.runs.models import Run
from backend.workflows.models import ScheduleSlot
from tests.github.fake_github import FakeGitHub
from tests.repositories.helpers import github_repository
from tests.runs.helpers import signed_in_api
from tests.workflows.helpers import create_workflow


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_embedded_app_runs_due_schedules_while_it_serves(
    settings: Settings, github: FakeGitHub, tmp_path: Path
) -> None:
    settings.schedule_tick_seconds = 0.2
    app = create_embedded_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as client,
    ):
        api = await signed_in_api(client, "up@example.com")
        repository = await github_repository(api, tmp_path)
        # A required variable is missing, so the run ends at once instead of executing.
        config = {
            "triggers": {"schedule": {"cron": "* * * * *"}},
            "environment": {"required": ["NOT_SET"]},
        }
        await create_workflow(api, repository["id"], config=config)
        async with app.state.db.session() as session:
            # Forget the slot marked at save time: the current minute becomes due.
            await session.execute(delete(ScheduleSlot))
        run = None
        for _ in range(100):
            async with app.state.db.session(read_only=True) as session:
                run = await session.scalar(select(Run).where(Run.trigger == "schedule"))
                if run is not None:
                    session.expunge(run)
                    break
            await asyncio.sleep(0.1)
    assert run is not None, "no scheduled run within 10 s"
    assert run.status == "error"
    assert "NOT_SET" in (run.reason or "")
