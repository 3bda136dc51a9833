"""Delivering a finished run's report: one record per destination, retries with backoff,
idempotent (a retry updates, never duplicates), masked, and a failing destination never
stops the others. The destination is a local HTTP server the real httpx client talks to."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from backend.config import Settings
from backend.reports.models import ReportDelivery, ReportShare
from backend.reports.service import deliver_reports
from backend.runs.models import Run
from backend.runs.service import cleanup_old_runs
from tests.reports.conftest import Tracker
from tests.reports.helpers import SECRET, add_secret, finished_run
from tests.runs.helpers import Api, signed_in_api

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def tracker_destination(tracker: Tracker, board: str = "qa") -> dict[str, Any]:
    return {"type": "tracker", "settings": {"url": tracker.url, "board": board}}


@pytest.fixture
def settings_overrides(tracker: Tracker) -> dict[str, Any]:
    return {
        "report_destinations": [tracker_destination(tracker), tracker_destination(tracker, "web")],
        "report_retry_base_seconds": 0.01,
        "report_delivery_attempts": 3,
    }


@pytest.fixture
async def api(client: httpx.AsyncClient) -> Api:
    return await signed_in_api(client, "reports@example.com")


async def deliveries(api: Api, run_id: uuid.UUID) -> dict[str, dict[str, Any]]:
    response = await api.client.get(f"/api/runs/{run_id}/deliveries", headers=api.headers)
    assert response.status_code == 200, response.text
    return {d["key"]: d for d in response.json()}


async def deliver(app: FastAPI, settings: Settings, run_id: uuid.UUID, **kw: Any) -> dict[str, str]:
    return await deliver_reports(app.state.db, settings, run_id, keyring=app.state.keyring, **kw)


async def test_each_destination_gets_the_report_and_one_delivery_record(
    app: FastAPI, settings: Settings, api: Api, tracker: Tracker, reporters: Any
) -> None:
    project = await api.project("file:///nowhere")
    run_id = await finished_run(app, project["id"])

    assert await deliver(app, settings, run_id) == {
        "tracker:qa": "delivered",
        "tracker:web": "delivered",
    }

    records = await deliveries(api, run_id)
    assert set(records) == {"tracker:qa", "tracker:web"}
    for record in records.values():
        assert record["status"] == "delivered"
        assert record["attempts"] == 1
        assert record["last_error"] is None
        assert record["link"] == f"{tracker.url}/items/{record['external_id']}"
    item = tracker.items[records["tracker:qa"]["external_id"]]
    assert item["status"] == "failed"
    assert item["counts"]["failed"] == 1
    assert item["link"] == f"{settings.public_url}/reports/{run_id}"
    [note] = item["notes"]
    assert (note["file"], note["line"]) == ("tests/test_shop.py", 27)


@SQLITE_ONLY  # the logic under test does not depend on the database
async def test_secrets_of_the_run_are_masked_in_what_is_sent(
    app: FastAPI, settings: Settings, api: Api, tracker: Tracker, reporters: Any
) -> None:
    project = await api.project("file:///nowhere")
    await add_secret(app, project["id"], "SHOP_TOKEN", SECRET)
    run_id = await finished_run(app, project["id"])

    await deliver(app, settings, run_id)

    sent = repr(tracker.requests)
    assert SECRET not in sent
    [note] = tracker.items["1"]["notes"]
    assert "login with *** failed" in note["message"]
    assert "***" in note["traceback"]


async def test_a_retry_updates_the_object_the_failed_attempt_made(
    app: FastAPI, settings: Settings, api: Api, tracker: Tracker, reporters: Any
) -> None:
    settings.report_destinations = [tracker_destination(tracker)]
    tracker.fail_notes = 2  # the item is made, then its notes are refused twice
    project = await api.project("file:///nowhere")
    run_id = await finished_run(app, project["id"])

    assert await deliver(app, settings, run_id) == {"tracker:qa": "delivered"}

    assert len(tracker.calls("POST", "/items")) == 1
    assert len(tracker.calls("PATCH", "/items/1")) == 2
    assert list(tracker.items) == ["1"]
    record = (await deliveries(api, run_id))["tracker:qa"]
    assert (record["status"], record["attempts"], record["external_id"]) == ("delivered", 3, "1")


async def test_a_failing_destination_is_recorded_and_never_stops_the_others(
    app: FastAPI, settings: Settings, api: Api, tracker: Tracker, reporters: Any
) -> None:
    settings.report_destinations = [
        {"type": "tracker", "settings": {"url": "http://127.0.0.1:9", "board": "dead"}},
        tracker_destination(tracker),
        {"type": "carrier_pigeon", "settings": {}},
        {"type": "tracker", "settings": {"board": "no-url"}},
    ]
    project = await api.project("file:///nowhere")
    run_id = await finished_run(app, project["id"])

    outcome = await deliver(app, settings, run_id)

    assert outcome == {
        "tracker:dead": "failed",
        "tracker:qa": "delivered",
        "carrier_pigeon#2": "failed",
        "tracker#3": "failed",
    }
    records = await deliveries(api, run_id)
    assert records["tracker:dead"]["attempts"] == 3
    assert "ConnectError" in records["tracker:dead"]["last_error"]
    assert "unknown destination type 'carrier_pigeon'" in records["carrier_pigeon#2"]["last_error"]
    assert records["tracker#3"]["last_error"] == "invalid settings: url"
    async with app.state.db.session(read_only=True) as session:
        run = await session.get(Run, run_id)
        assert run is not None
        assert run.status == "failed"  # the run's own outcome stands


@SQLITE_ONLY  # the logic under test does not depend on the database
async def test_the_start_hook_object_is_completed_by_the_finish_delivery(
    app: FastAPI, settings: Settings, api: Api, tracker: Tracker, reporters: Any
) -> None:
    settings.report_destinations = [tracker_destination(tracker)]
    project = await api.project("file:///nowhere")
    run_id = await finished_run(app, project["id"], status="running")

    assert await deliver(app, settings, run_id, phase="start") == {"tracker:qa": "in_progress"}
    assert (await deliveries(api, run_id))["tracker:qa"]["status"] == "in_progress"
    async with app.state.db.session() as session:
        run = await session.get(Run, run_id)
        assert run is not None
        run.status = "passed"
    assert await deliver(app, settings, run_id) == {"tracker:qa": "delivered"}

    assert len(tracker.calls("POST", "/items")) == 1
    assert tracker.items["1"]["status"] == "passed"


async def test_redelivery_from_the_api_updates_the_same_object(
    app: FastAPI, settings: Settings, api: Api, tracker: Tracker, reporters: Any
) -> None:
    from backend.reports.tasks import wait_for_reports

    settings.report_destinations = [tracker_destination(tracker)]
    project = await api.project("file:///nowhere")
    run_id = await finished_run(app, project["id"])
    await deliver(app, settings, run_id)
    record = (await deliveries(api, run_id))["tracker:qa"]

    response = await api.client.post(
        f"/api/runs/{run_id}/deliveries/{record['id']}/redeliver", headers=api.headers
    )
    assert response.status_code == 202, response.text
    assert wait_for_reports(run_id, timeout=60)

    assert len(tracker.calls("POST", "/items")) == 1
    assert len(tracker.calls("PATCH", "/items/1")) == 1
    record = (await deliveries(api, run_id))["tracker:qa"]
    assert (record["status"], record["attempts"]) == ("delivered", 2)


async def test_a_member_can_send_a_finished_run_s_report_again_from_the_api(
    app: FastAPI, settings: Settings, api: Api, tracker: Tracker, reporters: Any
) -> None:
    from backend.reports.tasks import wait_for_reports

    project = await api.project("file:///nowhere")
    running = await finished_run(app, project["id"], status="running")
    run_id = await finished_run(app, project["id"])  # e.g. ended by the reaper: no report

    refused = await api.client.post(f"/api/runs/{running}/deliver", headers=api.headers)
    response = await api.client.post(f"/api/runs/{run_id}/deliver", headers=api.headers)

    assert refused.status_code == 409
    assert refused.json()["error"] == "run_not_finished"
    assert response.status_code == 202, response.text
    assert wait_for_reports(run_id, timeout=60)
    records = await deliveries(api, run_id)
    assert {k: r["status"] for k, r in records.items()} == {
        "tracker:qa": "delivered",
        "tracker:web": "delivered",
    }


@SQLITE_ONLY  # the logic under test does not depend on the database
async def test_redelivering_a_destination_removed_since_fails_saying_so(
    app: FastAPI, settings: Settings, api: Api, tracker: Tracker, reporters: Any
) -> None:
    settings.report_destinations = [tracker_destination(tracker)]
    project = await api.project("file:///nowhere")
    run_id = await finished_run(app, project["id"])
    await deliver(app, settings, run_id)
    settings.report_destinations = []

    assert await deliver(app, settings, run_id, only_key="tracker:qa") == {"tracker:qa": "failed"}

    record = (await deliveries(api, run_id))["tracker:qa"]
    assert record["status"] == "failed"
    assert "no longer configured" in record["last_error"]


@SQLITE_ONLY  # the logic under test does not depend on the database
async def test_a_workflow_run_goes_to_the_workflow_destinations_not_the_default_ones(
    app: FastAPI, settings: Settings, api: Api, tracker: Tracker, reporters: Any
) -> None:
    from backend.repositories.models import Repository
    from backend.workflows.models import Workflow

    project = await api.project("file:///nowhere")
    async with app.state.db.session() as session:
        repository = Repository(
            org_id=uuid.UUID(api.org_id),
            project_id=uuid.UUID(project["id"]),
            provider="local",
            clone_url="file:///nowhere",
            protected_branches=[],
        )
        session.add(repository)
        await session.flush()
        workflow = Workflow(
            repository_id=repository.id,
            project_id=repository.project_id,
            name="ci",
            config={"reporting": {"destinations": [tracker_destination(tracker, "nightly")]}},
        )
        session.add(workflow)
        await session.flush()
        workflow_id = workflow.id
    run_id = await finished_run(app, project["id"], workflow_id=workflow_id)

    assert await deliver(app, settings, run_id) == {"tracker:nightly": "delivered"}


async def test_deliveries_and_share_links_go_with_the_run(
    app: FastAPI, settings: Settings, api: Api, tracker: Tracker, reporters: Any
) -> None:
    project = await api.project("file:///nowhere")
    run_id = await finished_run(app, project["id"], age=timedelta(days=400))
    await deliver(app, settings, run_id)
    response = await api.client.post(f"/api/runs/{run_id}/share", headers=api.headers)
    assert response.status_code == 201

    async with app.state.db.session() as session:
        await cleanup_old_runs(session, settings)
    async with app.state.db.session(read_only=True) as session:
        for table in (ReportDelivery, ReportShare):
            count = await session.scalar(select(func.count()).select_from(table))
            assert count == 0, table.__tablename__
