"""The run and project WebSockets in embedded mode: authentication first, access rules,
every event live and after the fact, resume after a sequence number, heartbeats."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import websockets

from backend.config import Settings
from backend.events.bus import MemoryEventBus, get_event_bus
from tests.runs.helpers import make_git_repo, signed_in_api
from tests.runs.servers import live_api
from tests.runs.ws import access_token, events_of, progress_of, watch_run, ws_url

SUITE = {
    "tests/test_a.py": (
        "import time\n\ndef test_one():\n    time.sleep(0.3)\n\ndef test_two():\n    assert False\n"
    )
}


async def _close_code(base_url: str, path: str, first: str) -> int | None:
    async with websockets.connect(ws_url(base_url, path)) as socket:
        await socket.send(first)
        try:
            async for _ in socket:
                pass
        except websockets.ConnectionClosed:
            pass
        return socket.close_code


async def test_the_first_message_must_authenticate_a_member(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    owner = await signed_in_api(client, "owner@example.com")
    stranger = await signed_in_api(client, "stranger@example.com")
    project = await owner.project(make_git_repo(tmp_path, SUITE))
    run = await owner.start(project["id"])
    await owner.wait(run["id"])
    path = f"/api/ws/runs/{run['id']}"
    with live_api(settings) as base_url:
        not_auth = await _close_code(base_url, path, json.dumps({"type": "hello"}))
        not_json = await _close_code(base_url, path, "token please")
        bad_token = await _close_code(
            base_url, path, json.dumps({"type": "auth", "token": "forged"})
        )
        other_org = await _close_code(
            base_url, path, json.dumps({"type": "auth", "token": access_token(stranger.headers)})
        )
        other_org_project = await _close_code(
            base_url,
            f"/api/ws/projects/{project['id']}",
            json.dumps({"type": "auth", "token": access_token(stranger.headers)}),
        )
        owner_sees, owner_close = await watch_run(base_url, run["id"], access_token(owner.headers))

    assert not_auth == not_json == bad_token == other_org == other_org_project == 1008
    assert owner_close == 1000
    assert events_of(owner_sees)


async def test_a_watcher_sees_the_run_live_with_progress_and_later_in_full(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "watcher@example.com")
    project = await api.project(make_git_repo(tmp_path, SUITE))
    token = access_token(api.headers)
    with live_api(settings) as base_url:
        run = await api.start(project["id"])
        live_messages, _ = await watch_run(base_url, run["id"], token)
        late_messages, _ = await watch_run(base_url, run["id"], token)
        resumed, _ = await watch_run(base_url, run["id"], token, after=3)
    stored = await api.events(run["id"])

    assert events_of(live_messages) == stored
    assert events_of(late_messages) == stored
    assert events_of(resumed) == stored[3:]
    last = progress_of(live_messages)[-1]
    assert last["status"] == "failed"
    assert last["percent"] == 100.0
    assert last["counts"] == {"passed": 1, "failed": 1}
    assert progress_of(resumed)[-1]["counts"] == {"passed": 1, "failed": 1}


async def test_an_idle_socket_gets_heartbeats_and_the_project_socket_sees_new_runs(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "project@example.com")
    project = await api.project(make_git_repo(tmp_path, SUITE))
    with live_api(settings) as base_url:
        url = ws_url(base_url, f"/api/ws/projects/{project['id']}")
        async with websockets.connect(url) as socket:
            await socket.send(json.dumps({"type": "auth", "token": access_token(api.headers)}))
            snapshot = json.loads(await socket.recv())
            heartbeat = json.loads(await asyncio.wait_for(socket.recv(), 10))
            run = await api.start(project["id"])
            statuses: list[str] = []
            while "failed" not in statuses:
                message = json.loads(await asyncio.wait_for(socket.recv(), 120))
                if message["type"] == "event" and message["event"]["type"] == "run_status":
                    assert message["event"]["run_id"] == run["id"]
                    statuses.append(message["event"]["data"]["status"])

    assert snapshot == {"type": "runs", "runs": []}
    assert heartbeat["type"] == "heartbeat"
    assert statuses == ["queued", "running", "failed"]


async def test_the_memory_bus_delivers_across_threads(settings: Settings) -> None:
    bus = get_event_bus(settings)
    assert isinstance(bus, MemoryEventBus)
    async with bus.subscribe("testable:run:x") as subscription:
        await asyncio.to_thread(bus.publish_nowait, "testable:run:x", {"seq": 1})
        await asyncio.to_thread(bus.publish_nowait, "testable:run:other", {"seq": 9})
        assert await subscription.get(5) == {"seq": 1}
        assert await subscription.get(0.2) is None


async def test_the_project_socket_sends_the_runs_of_a_project_that_has_runs(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    """Regression (issue #13): serialising the runs after their session closed raised
    DetachedInstanceError and dropped the socket for every project with a run."""
    api = await signed_in_api(client, "has-runs@example.com")
    project = await api.project(make_git_repo(tmp_path, SUITE))
    run = await api.start(project["id"])
    await api.wait(run["id"])
    with live_api(settings) as base_url:
        url = ws_url(base_url, f"/api/ws/projects/{project['id']}")
        async with websockets.connect(url) as socket:
            await socket.send(json.dumps({"type": "auth", "token": access_token(api.headers)}))
            snapshot = json.loads(await asyncio.wait_for(socket.recv(), 30))
            heartbeat = json.loads(await asyncio.wait_for(socket.recv(), 10))

    assert snapshot["type"] == "runs"
    assert [r["id"] for r in snapshot["runs"]] == [run["id"]]
    assert snapshot["runs"][0]["status"] == "failed"
    assert heartbeat["type"] == "heartbeat"
