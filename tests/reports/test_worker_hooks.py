"""The executor's hooks: a real run (embedded mode) starts its report when it starts and
completes the same object when it finishes; in distributed mode the Celery task
``testable.deliver_reports`` runs in a real worker process."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.config import Settings
from backend.reports.tasks import finish_reports
from tests.reports.conftest import Tracker
from tests.reports.helpers import finished_run
from tests.runs.helpers import MIXED_SUITE, Api, make_git_repo, signed_in_api
from tests.runs.servers import celery_worker, private_redis


async def delivered(api: Api, run_id: str | uuid.UUID, within: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + within
    records: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        response = await api.client.get(f"/api/runs/{run_id}/deliveries", headers=api.headers)
        records = response.json()
        if records and all(r["status"] in ("delivered", "failed") for r in records):
            return {r["key"]: r for r in records}
        await asyncio.sleep(0.2)
    raise AssertionError(f"deliveries of run {run_id} did not end: {records}")


class TestEmbedded:
    @pytest.fixture
    def settings_overrides(self, shared_env_cache: Path, tracker: Tracker) -> dict[str, Any]:
        return {
            "dispatcher": "inprocess",
            "event_bus": "memory",
            "env_cache_dir": shared_env_cache,
            "report_destinations": [{"type": "tracker", "settings": {"url": tracker.url}}],
            "report_retry_base_seconds": 0.01,
        }

    @pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
    async def test_a_run_starts_its_report_and_completes_the_same_object(
        self, client: httpx.AsyncClient, tmp_path: Path, tracker: Tracker, reporters: Any
    ) -> None:
        api = await signed_in_api(client, "hooks@example.com")
        project = await api.project(make_git_repo(tmp_path / "repo", MIXED_SUITE))
        run = await api.start(project["id"], branch="main")
        detail = await api.wait(run["id"])
        records = await delivered(api, run["id"])

        assert detail["status"] == "failed"
        assert records["tracker:qa"]["status"] == "delivered"
        [created] = tracker.calls("POST", "/items")
        assert created[2]["status"] == "running"  # made by the start hook
        item = tracker.items["1"]
        assert item["status"] == "failed"  # completed by the finish delivery
        [note] = item["notes"]
        assert note["test"] == "tests/test_mixed.py::test_broken"
        assert (note["file"], note["line"]) == ("tests/test_mixed.py", 7)
        assert "arithmetic is broken" in note["message"]


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[Any]]]:
    """An incoming-webhook endpoint (Slack's answer: 200 ``ok``) recording what it gets."""
    received: list[Any] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/services/T0/B0/x", received
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.xdist_group("celery-workers")
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_the_celery_task_delivers_from_a_worker_process(
    app: FastAPI,
    settings: Settings,
    client: httpx.AsyncClient,
    tmp_path: Path,
    webhook: tuple[str, list[Any]],
) -> None:
    url, received = webhook
    destinations = [{"type": "slack", "settings": {"webhook_url": url}}]
    api = await signed_in_api(client, "celery-reports@example.com")
    project = await api.project("file:///nowhere")
    run_id = await finished_run(app, project["id"])
    with private_redis(tmp_path / "redis") as redis:
        settings.redis_url = redis.url
        settings.dispatcher = settings.dispatcher.CELERY
        with celery_worker(
            settings,
            tmp_path / "logs",
            TESTABLE_REPORT_DESTINATIONS=json.dumps(destinations),
            TESTABLE_REPORT_RETRY_BASE_SECONDS="0.01",
            # Slack webhooks go to hooks.slack.com or the Slack API's origin: the fake's.
            TESTABLE_SLACK_API_URL=url.split("/services/")[0] + "/api",
        ) as worker:
            await finish_reports(run_id, settings)
            records = await delivered(api, run_id, within=60)

    [record] = records.values()
    assert record["destination"] == "slack"
    assert record["status"] == "delivered", (record["last_error"], worker.output()[-2000:])
    assert len(received) == 1
    assert str(run_id) in json.dumps(received[0])
