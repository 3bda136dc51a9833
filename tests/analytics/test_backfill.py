"""``testable analytics backfill``: finished runs the after-finish hook never saw (from
before analytics existed) are folded in, judged once, and a second backfill adds nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI

from backend.analytics.backfill import backfill
from backend.kit.time import utcnow
from tests.analytics.helpers import finished_run, new_project

T = "tests/test_shop.py::test_checkout"
OTHER = "tests/test_shop.py::test_browse"


async def test_backfill_adds_unseen_runs_once_and_judges_them(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    project = await new_project(client, tmp_path)
    now = utcnow()
    await finished_run(
        app, project.id, {T: "passed", OTHER: "passed"}, at=now - timedelta(hours=3), hook=False
    )
    await finished_run(
        app,
        project.id,
        {T: {"outcome": "passed", "flaky": True, "retries": 1}, OTHER: "passed"},
        at=now - timedelta(hours=2),
        commit="abcdef1234567890",
        hook=False,
    )
    assert (await project.get("/tests"))["total"] == 0

    progress: list[str] = []
    assert await backfill(app.state.db, batch=1, progress=progress.append) == 2
    assert progress == [f"project {project.id}: 1/2 runs", f"project {project.id}: 2/2 runs"]

    found = {t["test"]: t for t in (await project.get("/tests"))["items"]}
    assert {test: found[test]["results"] for test in found} == {T: 2, OTHER: 2}
    assert found[T]["status"] == "flaky"
    assert found[OTHER]["status"] == "healthy"
    assert await backfill(app.state.db) == 0
