"""Distributed mode: the api stores a signed push and a real Celery worker (on a private
Redis) processes it and queues the run its workflow asks for."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.config import Settings
from tests.github.webhook_helpers import SECRET, connect_hello_world, deliver, load, stored_one
from tests.runs.helpers import make_git_repo, signed_in_api
from tests.runs.servers import RedisServer, celery_worker, private_redis

pytestmark = pytest.mark.xdist_group("celery-workers")


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with private_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def settings_overrides(redis_server: RedisServer) -> dict[str, Any]:
    return {
        "github_webhook_secret": SECRET,
        "dispatcher": "celery",
        "event_bus": "redis",
        "redis_url": redis_server.url,
    }


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_celery_worker_processes_a_delivery_and_queues_its_run(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "celery-hooks@example.com")
    project = await api.project(make_git_repo(tmp_path / "repo", {"README.md": "hi\n"}))
    await connect_hello_world(
        app, settings, org_id=api.org_id, project_id=str(project["id"]), workflows_config={"ci": {}}
    )

    with celery_worker(settings, tmp_path / "logs") as worker:
        response = await deliver(client, "push", load("push.with-new-branch"))
        assert response.status_code == 202
        deadline = time.monotonic() + 60
        delivery = await stored_one(app, response.json()["id"])
        while delivery.status == "received" and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            delivery = await stored_one(app, response.json()["id"])
        assert delivery.status == "processed", (delivery.reason, worker.output())
        [run_id] = delivery.run_ids
        # The same worker takes the run's job; wait for it so the worker stops cleanly.
        detail = await api.wait(run_id, within=120)

    pushed = load("push.with-new-branch")["after"]
    assert (detail["trigger"], detail["branch"], detail["commit_sha"]) == ("push", "master", pushed)
    # The worker took the run and checked out the pushed commit (absent from this repo).
    assert detail["worker"] is not None
    assert pushed in (detail["reason"] or "")
