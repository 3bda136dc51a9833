"""Runs through a real Celery worker process on a private Redis: results, artifacts,
every event live and after the fact over the WebSocket, cancel, revoke."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
import pytest

from backend.config import Settings
from tests.runs.helpers import make_git_repo, signed_in_api
from tests.runs.servers import celery_worker, live_api
from tests.runs.ws import access_token, events_of, progress_of, watch_run

pytestmark = pytest.mark.xdist_group("celery-workers")

SLOW_SUITE = {
    "tests/test_steps.py": (
        "import time\n\n"
        "def test_one():\n    time.sleep(0.5)\n    print('one done')\n\n"
        "def test_two():\n    time.sleep(0.5)\n\n"
        "def test_three():\n    time.sleep(0.5)\n"
    ),
}


async def test_a_git_suite_runs_on_the_worker_and_a_socket_sees_every_event(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "celery@example.com")
    project = await api.project(make_git_repo(tmp_path / "repo", SLOW_SUITE))
    token = access_token(api.headers)
    with celery_worker(settings, tmp_path / "logs") as worker, live_api(settings) as base_url:
        run = await api.start(project["id"], branch="main")
        live = asyncio.create_task(watch_run(base_url, run["id"], token))
        detail = await api.wait(run["id"])
        live_messages, live_close = await asyncio.wait_for(live, 60)
        late_messages, late_close = await watch_run(base_url, run["id"], token)
        resumed, _ = await watch_run(base_url, run["id"], token, after=5)

    assert detail["status"] == "passed", (detail["reason"], worker.output())
    assert detail["worker"] == worker.name.replace("%h", socket.gethostname())
    assert (detail["total"], detail["passed"]) == (3, 3)
    stored = await api.events(run["id"])
    seqs = [e["seq"] for e in stored]
    assert seqs == list(range(1, len(stored) + 1))
    # Live and late watchers both see the whole run, each event once, in order.
    assert [e["seq"] for e in events_of(live_messages)] == seqs
    assert [e["seq"] for e in events_of(late_messages)] == seqs
    assert events_of(late_messages) == stored
    assert live_close == late_close == 1000
    assert [e["seq"] for e in events_of(resumed)] == seqs[5:]
    final = progress_of(live_messages)[-1]
    assert final["percent"] == 100.0
    assert final["collected"] == 3
    assert final["counts"] == {"passed": 3}
    assert final["status"] == "passed"
    assert any(p["done"] == 1 and p["percent"] < 100 for p in progress_of(live_messages))

    artifacts = {a["kind"]: a for a in detail["artifacts"]}
    report = await client.get(artifacts["json_report"]["download_url"], headers=api.headers)
    assert report.status_code == 200
    assert report.headers["content-type"] == "application/json"
    assert report.json()["summary"]["passed"] == 3


async def test_cancel_revokes_a_queued_run_and_stops_a_running_one(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "cancel-celery@example.com")
    project = await api.project(
        make_git_repo(
            tmp_path / "repo",
            {"tests/test_wait.py": "import time\n\ndef test_wait():\n    time.sleep(120)\n"},
        )
    )
    with celery_worker(settings, tmp_path / "logs") as worker:
        running = await api.start(project["id"])
        await api.wait_for_event(running["id"], "test_started")
        waiting = await api.start(project["id"])  # concurrency 1, prefetch 1: stays queued

        cancelled_queued = await client.post(
            f"/api/runs/{waiting['id']}/cancel", headers=api.headers
        )
        assert cancelled_queued.status_code == 200
        assert cancelled_queued.json()["status"] == "cancelled"

        await client.post(f"/api/runs/{running['id']}/cancel", headers=api.headers)
        first = await api.wait(running["id"])
        second = await api.run(waiting["id"])
        log = worker.output()

    assert first["status"] == "cancelled", (first["reason"], log)
    assert "test_wait" in first["reason"]
    assert second["status"] == "cancelled"
    assert second["reason"] == "cancelled before it started"
    assert (second["started_at"], second["worker"]) == (None, None)
