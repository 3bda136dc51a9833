"""A worker killed mid-run (the reaper re-queues the run once; a second death ends it as
``error``) and Redis restarted mid-run (the run finishes, the socket re-subscribes): each
ends cleanly and nothing recorded is lost."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.config import Settings
from backend.runs import service
from backend.runs.states import RunState
from tests.execution.conftest import processes_matching
from tests.runs.helpers import Api, make_git_repo, signed_in_api
from tests.runs.servers import RedisServer, Worker, celery_worker, live_api
from tests.runs.ws import access_token, events_of, watch_run
from workers.tasks import reap

pytestmark = pytest.mark.xdist_group("celery-workers")
# Distributed mode runs on PostgreSQL; the reaper's rules on both databases are in
# tests/runs/test_reaper.py.
POSTGRES_ONLY = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


class _Attempts:
    """A loopback HTTP counter the sandboxed test process reports to (it can write nothing
    outside its checkout, which each attempt gets fresh, but it shares the network):
    ``/attempt`` counts attempts, ``/hanging?n`` says that attempt ``n`` hangs now."""

    def __init__(self) -> None:
        self.count = 0
        self.hanging: set[int] = set()
        self.changed = threading.Condition()
        attempts = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                with attempts.changed:
                    if self.path == "/attempt":
                        attempts.count += 1
                        body = str(attempts.count)
                    else:
                        attempts.hanging.add(int(self.path.partition("?")[2]))
                        body = "ok"
                    attempts.changed.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_hanging(self, attempt: int) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: attempt in self.hanging, timeout=180):
                raise AssertionError(f"attempt {attempt} never reached its hanging test")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def attempts() -> Iterator[_Attempts]:
    counter = _Attempts()
    yield counter
    counter.close()


def _dying_suite(attempts: _Attempts, *, hang_on_every_attempt: bool) -> dict[str, str]:
    """A quick test, then one that reports its attempt and hangs (the first time only,
    unless ``hang_on_every_attempt``): the moment to kill the worker."""
    hang = "True" if hang_on_every_attempt else "attempt == 1"
    return {
        "tests/test_long.py": (
            "import time, urllib.request\n\n"
            "def test_1_quick():\n    pass\n\n"
            "def test_2_long():\n"
            f"    attempt = int(urllib.request.urlopen({attempts.url + '/attempt'!r}).read())\n"
            f"    if {hang}:\n"
            f"        urllib.request.urlopen(f'{attempts.url}/hanging?{{attempt}}').read()\n"
            "        time.sleep(300)\n"
        )
    }


async def _kill_while_hanging(
    api: Api, worker: Worker, run_id: str, attempts: _Attempts, attempt: int
) -> None:
    """SIGKILL the worker and its test process (a machine that died) once the test of
    ``attempt`` hangs."""
    await asyncio.to_thread(attempts.wait_hanging, attempt)
    deadline = time.monotonic() + 120
    # test_1_quick finished once per attempt so far, and that is stored: it must survive.
    while len([e for e in await api.events(run_id) if e["type"] == "test_finished"]) < attempt:
        assert time.monotonic() < deadline, "test_1_quick's end was never recorded"
        await asyncio.sleep(0.2)
    worker.kill()
    # The test process, in its sandbox (found by the run id in its command line; the
    # sandbox dies with the worker anyway, --die-with-parent).
    for pid in processes_matching(run_id):  # bwrap and pytest: their report paths
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


async def _reap_until_changed(settings: Settings, run_id: str) -> service.ReapedRun:
    """The beat task's reaper (``workers.tasks.reap``) with a short heartbeat timeout,
    repeated until it acts on the run."""
    reaper_settings = settings.model_copy(update={"run_heartbeat_timeout_seconds": 2.0})
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        reaped = await reap(reaper_settings)
        if reaped:
            [item] = reaped
            assert item.run_id == uuid.UUID(run_id)
            return item
        await asyncio.sleep(0.5)
    raise AssertionError(f"the reaper never acted on run {run_id}")


def _statuses(events: list[dict[str, Any]]) -> list[str]:
    return [e["data"]["status"] for e in events if e["type"] == "run_status"]


@POSTGRES_ONLY
async def test_a_killed_worker_s_run_is_requeued_and_finishes_on_another_worker(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path, attempts: _Attempts
) -> None:
    api = await signed_in_api(client, "requeue@example.com")
    project = await api.project(
        make_git_repo(tmp_path / "repo", _dying_suite(attempts, hang_on_every_attempt=False))
    )
    with celery_worker(settings, tmp_path / "logs") as first:
        run = await api.start(project["id"])
        await _kill_while_hanging(api, first, run["id"], attempts, attempt=1)
    before = await api.events(run["id"])

    requeued = await _reap_until_changed(settings, run["id"])
    assert requeued.status is RunState.QUEUED
    queued = await api.run(run["id"])
    assert queued["status"] == "queued"
    assert queued["reason"].startswith(f"attempt 1: the worker {_node(first)} stopped sending")
    # The reaper sent a new job: a fresh worker takes it.
    with celery_worker(settings, tmp_path / "logs") as second:
        detail = await api.wait(run["id"])
        log = second.output()

    assert detail["status"] == "passed", (detail["reason"], log)
    assert (detail["attempts"], detail["worker"]) == (2, _node(second))
    assert (detail["total"], detail["passed"]) == (2, 2)
    assert attempts.count == 2
    after = await api.events(run["id"])
    assert after[: len(before)] == before  # the first attempt's events are kept
    assert [e["seq"] for e in after] == list(range(1, len(after) + 1))
    assert _statuses(after) == ["queued", "running", "queued", "running", "passed"]
    second_attempt = after[len(before) :]
    assert [e["data"]["nodeid"] for e in second_attempt if e["type"] == "test_finished"] == [
        "tests/test_long.py::test_1_quick",
        "tests/test_long.py::test_2_long",
    ]


@POSTGRES_ONLY
async def test_a_run_whose_worker_dies_twice_ends_as_error(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path, attempts: _Attempts
) -> None:
    api = await signed_in_api(client, "reaper@example.com")
    project = await api.project(
        make_git_repo(tmp_path / "repo", _dying_suite(attempts, hang_on_every_attempt=True))
    )
    with celery_worker(settings, tmp_path / "logs") as first:
        run = await api.start(project["id"])
        await _kill_while_hanging(api, first, run["id"], attempts, attempt=1)
    assert (await _reap_until_changed(settings, run["id"])).status is RunState.QUEUED
    with celery_worker(settings, tmp_path / "logs") as second:
        await _kill_while_hanging(api, second, run["id"], attempts, attempt=2)
    before = await api.events(run["id"])

    ended = await _reap_until_changed(settings, run["id"])
    assert (ended.status, ended.requeued) == (RunState.ERROR, None)
    detail = await api.run(run["id"])
    assert (detail["status"], detail["attempts"]) == ("error", 2)
    assert detail["reason"].startswith(
        f"the run's worker died twice (attempt 2: the worker {_node(second)} stopped sending"
    )
    after = await api.events(run["id"])
    assert after[: len(before)] == before  # everything recorded before the kills is kept
    assert [e["seq"] for e in after] == list(range(1, len(after) + 1))
    assert _statuses(after) == ["queued", "running", "queued", "running", "error"]
    assert [e["data"]["nodeid"] for e in after if e["type"] == "test_finished"] == [
        "tests/test_long.py::test_1_quick",  # once per attempt
        "tests/test_long.py::test_1_quick",
    ]
    assert await reap(settings.model_copy(update={"run_heartbeat_timeout_seconds": 2.0})) == []


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


def _node(worker: Worker) -> str:
    return worker.name.replace("%h", socket.gethostname())
