"""The post-commit outbox: what a transaction enqueued or published leaves only when it
commits. A job enqueued in a rolled-back transaction never runs, and its event is never
published — in embedded mode (the one registry) and through a real Celery worker, on
SQLite and PostgreSQL."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.config import Settings
from backend.events.bus import Subscription, get_event_bus, run_channel
from backend.events.messages import EventMessage, event_message
from backend.outbox import Outbox
from backend.runs.jobs import run_job, wait_in_process
from backend.runs.models import Run
from tests.runs.helpers import make_git_repo, signed_in_api, undispatched_run
from tests.runs.servers import RedisServer, celery_worker, private_redis

PASSING_SUITE = {"tests/test_ok.py": "def test_ok():\n    assert True\n"}


class RequestFailed(Exception):
    """What makes the first transaction roll back."""


def probe(run_id: uuid.UUID, project_id: str, kind: str) -> EventMessage:
    return event_message(run_id=run_id, project_id=project_id, seq=0, type=kind, data={}, ts=0.0)


async def roll_back_then_commit(
    app: FastAPI, settings: Settings, project_id: str
) -> tuple[uuid.UUID, uuid.UUID, list[dict[str, Any]]]:
    """Run A's job and a probe event recorded in a transaction that fails; then run B's
    job and a second probe (on A's channel) in one that commits. The ids of A and B and
    the first message A's channel got."""
    rolled_back, _ = await undispatched_run(app, settings, project_id)
    committed, _ = await undispatched_run(app, settings, project_id)
    bus = get_event_bus(settings)
    try:
        async with bus.subscribe(run_channel(rolled_back)) as subscription:
            with pytest.raises(RequestFailed):  # noqa: PT012 - the failing transaction
                async with Outbox(settings) as outbox, app.state.db.session() as session:
                    run = await session.get(Run, rolled_back)
                    assert run is not None
                    run.reason = "written by the failing transaction"
                    outbox.enqueue(session, await run_job(session, run, settings))
                    outbox.publish(session, [probe(rolled_back, project_id, "rolled_back")])
                    raise RequestFailed
            async with Outbox(settings) as outbox:
                async with app.state.db.session() as session:
                    run = await session.get(Run, committed)
                    assert run is not None
                    outbox.enqueue(session, await run_job(session, run, settings))
                    outbox.publish(session, [probe(rolled_back, project_id, "committed")])
                # Left the session, not yet the outbox: committed, nothing sent yet.
                assert [j.args[0] for j in outbox.jobs] == [str(committed)]
            first = await next_message(subscription, within=30)
    finally:
        await bus.close()
    return rolled_back, committed, [first] if first is not None else []


async def next_message(subscription: Subscription, within: float) -> dict[str, Any] | None:
    """The next message (``get`` also answers None for Redis's subscribe confirmation)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        message = await subscription.get(0.5)
        if message is not None:
            return message
    return None


class TestEmbedded:
    @pytest.fixture
    def settings_overrides(self, shared_env_cache: Path) -> dict[str, Any]:
        # One run at a time: had A's job been sent, it would have run before B's.
        return {
            "dispatcher": "inprocess",
            "event_bus": "memory",
            "env_cache_dir": shared_env_cache,
            "embedded_max_concurrent_runs": 1,
        }

    async def test_a_job_enqueued_in_a_rolled_back_transaction_never_runs(
        self, client: httpx.AsyncClient, app: FastAPI, settings: Settings, tmp_path: Path
    ) -> None:
        api = await signed_in_api(client, "outbox@example.com")
        project = await api.project(make_git_repo(tmp_path / "repo", PASSING_SUITE))

        rolled_back, committed, first = await roll_back_then_commit(
            app, settings, str(project["id"])
        )
        assert wait_in_process(committed, 120)
        done = await api.wait(str(committed))

        assert done["status"] == "passed", done["reason"]
        assert [m["type"] for m in first] == ["committed"]
        assert wait_in_process(rolled_back, 0)  # the registry never had it
        untouched = await api.run(str(rolled_back))
        assert (untouched["status"], untouched["worker"], untouched["reason"]) == (
            "queued",
            None,
            None,
        )


@pytest.mark.xdist_group("celery-workers")
class TestCelery:
    @pytest.fixture(scope="class")
    @classmethod
    def redis_server(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
        with private_redis(tmp_path_factory.mktemp("redis")) as server:
            yield server

    @pytest.fixture
    def settings_overrides(
        self, redis_server: RedisServer, shared_env_cache: Path
    ) -> dict[str, Any]:
        return {
            "dispatcher": "celery",
            "event_bus": "redis",
            "redis_url": redis_server.url,
            "env_cache_dir": shared_env_cache,
        }

    async def test_a_job_enqueued_in_a_rolled_back_transaction_never_reaches_the_worker(
        self, client: httpx.AsyncClient, app: FastAPI, settings: Settings, tmp_path: Path
    ) -> None:
        api = await signed_in_api(client, "outbox-celery@example.com")
        project = await api.project(make_git_repo(tmp_path / "repo", PASSING_SUITE))

        # One worker, one job at a time, in queue order (prefetch 1): had A's job been
        # sent, the worker would have taken it before B's.
        with celery_worker(settings, tmp_path / "logs") as worker:
            rolled_back, committed, first = await roll_back_then_commit(
                app, settings, str(project["id"])
            )
            done = await api.wait(str(committed))
            log = worker.output()

        assert done["status"] == "passed", (done["reason"], log)
        assert [m["type"] for m in first] == ["committed"]
        assert str(rolled_back) not in log
        untouched = await api.run(str(rolled_back))
        assert (untouched["status"], untouched["worker"], untouched["reason"]) == (
            "queued",
            None,
            None,
        )
