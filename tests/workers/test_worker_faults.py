"""A worker killed mid-run (the reaper ends the run) and Redis restarted mid-run (the run
finishes, the socket re-subscribes): each ends cleanly and nothing recorded is lost."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from backend.config import Settings
from backend.runs import service
from tests.runs.helpers import make_git_repo, signed_in_api
from tests.runs.servers import RedisServer, celery_worker, live_api
from tests.runs.ws import access_token, events_of, watch_run

pytestmark = pytest.mark.xdist_group("celery-workers")


async def test_a_killed_worker_leaves_a_run_the_reaper_marks_error(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, tmp_path: Path
) -> None:
    pid_file = tmp_path / "test-process.pid"
    api = await signed_in_api(client, "reaper@example.com")
    project = await api.project(
        make_git_repo(
            tmp_path / "repo",
            {
                "tests/test_long.py": (
                    "import os, time\n\n"
                    "def test_1_quick():\n    pass\n\n"
                    "def test_2_long():\n"
                    f"    open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
                    "    time.sleep(300)\n"
                )
            },
        )
    )
    try:
        with celery_worker(settings, tmp_path / "logs") as worker:
            run = await api.start(project["id"])
            await asyncio.to_thread(_wait_for_file, pid_file)
            await api.wait_for_event(run["id"], "test_finished")
            before = await api.events(run["id"])
            worker.kill()

        reaper_settings = settings.model_copy(update={"run_heartbeat_timeout_seconds": 2.0})
        reaped: list[service.ReapedRun] = []
        deadline = time.monotonic() + 60
        while not reaped and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            async with app.state.db.session() as session:
                reaped = await service.reap_dead_runs(session, reaper_settings)
    finally:
        if pid_file.exists():  # the orphaned test process of the dead worker
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid_file.read_text()), signal.SIGKILL)

    assert [r.run_id for r in reaped] == [uuid.UUID(run["id"])]
    detail = await api.run(run["id"])
    assert detail["status"] == "error"
    assert "stopped sending heartbeats" in detail["reason"]
    assert "it probably died" in detail["reason"]
    after = await api.events(run["id"])
    assert after[: len(before)] == before  # everything recorded before the kill is kept
    assert after[-1]["type"] == "run_status"
    assert after[-1]["data"]["status"] == "error"
    assert [e["seq"] for e in after] == list(range(1, len(after) + 1))
    async with app.state.db.session() as session:
        again = await service.reap_dead_runs(session, reaper_settings)
    assert again == []  # a finished run is never reaped twice


async def test_a_redis_restart_during_a_run_loses_nothing(
    client: httpx.AsyncClient,
    settings: Settings,
    redis_server: RedisServer,
    tmp_path: Path,
) -> None:
    api = await signed_in_api(client, "restart@example.com")
    tests = "".join(
        f"def test_{n}():\n    time.sleep(1)\n    print('test {n} done')\n\n" for n in range(5)
    )
    project = await api.project(
        make_git_repo(tmp_path / "repo", {"tests/test_steady.py": "import time\n\n" + tests})
    )
    token = access_token(api.headers)
    with celery_worker(settings, tmp_path / "logs") as worker, live_api(settings) as base_url:
        run = await api.start(project["id"])
        await api.wait_for_event(run["id"], "test_started")
        watcher = asyncio.create_task(watch_run(base_url, run["id"], token))
        await asyncio.sleep(0.5)
        redis_server.restart()
        detail = await api.wait(run["id"])
        messages, close_code = await asyncio.wait_for(watcher, 120)
        second = await api.wait((await api.start(project["id"]))["id"])
        log = worker.output()

    assert detail["status"] == "passed", (detail["reason"], log)
    assert detail["passed"] == 5
    stored = await api.events(run["id"])
    assert [e["seq"] for e in stored] == list(range(1, len(stored) + 1))
    finished = [e["data"]["nodeid"] for e in stored if e["type"] == "test_finished"]
    assert len(finished) == 5
    # The socket lost its subscription with Redis, re-subscribed and backfilled.
    assert [e["seq"] for e in events_of(messages)] == [e["seq"] for e in stored]
    assert close_code == 1000
    # The worker reconnected to the restarted broker and takes new runs.
    assert second["status"] == "passed", (second["reason"], log)


def _wait_for_file(path: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return
        time.sleep(0.1)
    raise AssertionError(f"{path} was never written")
