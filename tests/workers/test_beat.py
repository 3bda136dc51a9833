"""``testable beat`` with its real schedule drives the reaper: a run whose worker vanished
is re-queued by the beat-scheduled task and finished by a live worker."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from backend.config import Settings
from backend.kit.time import utcnow
from backend.runs import service
from tests.runs.helpers import PASSING_SUITE, make_git_repo, signed_in_api, undispatched_run
from tests.runs.servers import celery_beat, celery_worker

pytestmark = [
    pytest.mark.xdist_group("celery-workers"),
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]


async def test_beat_schedules_the_reaper_which_requeues_a_run_whose_worker_vanished(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "beat@example.com")
    project = await api.project(make_git_repo(tmp_path / "repo", PASSING_SUITE))
    run_id, _ = await undispatched_run(app, settings, project["id"])
    # A worker took the run an hour ago and was never heard of again.
    async with app.state.db.session() as session:
        assert await service.claim_run(session, run_id, worker="vanished@nowhere") is not None
        run = await service.get_run(session, run_id, lock=True)
        run.heartbeat_at = run.started_at = utcnow() - timedelta(hours=1)

    with (
        celery_worker(settings, tmp_path / "logs") as worker,
        celery_beat(settings, tmp_path / "logs") as beat,
    ):
        # The reaper's interval is a minute: its first tick comes a minute after start.
        detail = await api.wait(str(run_id), within=300)
        beat_log, worker_log = beat.output(), worker.output()

    assert "Sending due task reap-dead-runs (testable.reap_dead_runs)" in beat_log
    assert "testable.reap_dead_runs" in worker_log
    assert detail["status"] == "passed", (detail["reason"], worker_log[-3000:])
    assert detail["attempts"] == 2
    events = await api.events(str(run_id))
    requeued = [
        e["data"]
        for e in events
        if e["type"] == "run_status" and e["data"]["status"] == "queued" and e["data"]["reason"]
    ]
    assert len(requeued) == 1
    assert requeued[0]["reason"].startswith(
        "attempt 1: the worker vanished@nowhere stopped sending heartbeats"
    )
