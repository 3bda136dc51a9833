"""The org admins' view of deliveries: only their repositories' (and installations'),
another organisation's user gets 404, redelivery processes a stored delivery again."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from backend.config import Settings
from backend.github.models import WebhookDelivery
from backend.github.tasks import wait_for_deliveries
from backend.kit.time import utcnow
from tests.github.webhook_helpers import (
    HELLO_WORLD,
    SECRET,
    connect_hello_world,
    deliver,
    load,
    stored_one,
)
from tests.runs.helpers import Api, signed_in_api


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"github_webhook_secret": SECRET, "dispatcher": "inprocess"}


async def _org_with_hello_world(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, tmp_path: Path, email: str
) -> Api:
    api = await signed_in_api(client, email)
    project = await api.project(str(tmp_path / "checkout"))
    # No workflow: deliveries are processed (and ignored) without starting runs.
    await connect_hello_world(
        app, settings, org_id=api.org_id, project_id=str(project["id"]), installation_id=957387
    )
    return api


async def _list(api: Api, org_id: str | None = None, **params: Any) -> httpx.Response:
    return await api.client.get(
        f"/api/orgs/{org_id or api.org_id}/github/deliveries", params=params, headers=api.headers
    )


async def test_admins_see_their_repositories_deliveries_with_status_and_reason(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, tmp_path: Path
) -> None:
    api = await _org_with_hello_world(client, app, settings, tmp_path, "admin@example.com")
    elsewhere = load("push.with-new-branch")
    elsewhere["repository"].update(id=42, full_name="someone/else")
    await deliver(client, "push", load("push.with-new-branch"), "mine-1")
    await deliver(client, "push", load("push"), "mine-2")
    await deliver(client, "installation", load("installation.created"), "mine-3")
    await deliver(client, "push", elsewhere, "theirs-1")
    assert wait_for_deliveries(timeout=60)

    response = await _list(api)

    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == 3
    by_id = {item["delivery_id"]: item for item in page["items"]}
    assert set(by_id) == {"mine-1", "mine-2", "mine-3"}
    assert by_id["mine-1"]["status"] == "ignored"
    assert by_id["mine-1"]["reason"] == f"no enabled workflow for {HELLO_WORLD}@master"
    assert by_id["mine-2"]["reason"] == "tag push (simple-tag): tags do not start runs"
    assert by_id["mine-3"]["status"] == "processed"
    assert by_id["mine-3"]["reason"] == f"app installed; repositories updated: {HELLO_WORLD}"
    assert all(item["processed_at"] for item in page["items"])

    ignored = (await _list(api, status="ignored")).json()
    assert {i["delivery_id"] for i in ignored["items"]} == {"mine-1", "mine-2"}
    detail = await client.get(
        f"/api/orgs/{api.org_id}/github/deliveries/{by_id['mine-1']['id']}", headers=api.headers
    )
    assert detail.status_code == 200
    assert detail.json()["payload"] == load("push.with-new-branch")


async def test_another_organisations_user_gets_404(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, tmp_path: Path
) -> None:
    owner = await _org_with_hello_world(client, app, settings, tmp_path, "owner@example.com")
    outsider = await signed_in_api(client, "outsider@example.com")
    response = await deliver(client, "push", load("push.with-new-branch"))
    delivery_pk = response.json()["id"]
    assert wait_for_deliveries(timeout=60)

    listed = await _list(outsider, owner.org_id)
    detail = await client.get(
        f"/api/orgs/{owner.org_id}/github/deliveries/{delivery_pk}", headers=outsider.headers
    )
    redelivered = await client.post(
        f"/api/orgs/{owner.org_id}/github/deliveries/{delivery_pk}/redeliver",
        headers=outsider.headers,
    )
    own_org_detail = await client.get(
        f"/api/orgs/{outsider.org_id}/github/deliveries/{delivery_pk}", headers=outsider.headers
    )

    assert [listed.status_code, detail.status_code, redelivered.status_code] == [404, 404, 404]
    assert own_org_detail.status_code == 404
    assert (await _list(outsider)).json()["total"] == 0
    assert (await client.get(f"/api/orgs/{owner.org_id}/github/deliveries")).status_code == 401


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_redelivery_processes_a_stored_delivery_again(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, tmp_path: Path
) -> None:
    api = await _org_with_hello_world(client, app, settings, tmp_path, "redeliver@example.com")
    response = await deliver(client, "push", load("push.with-new-branch"))
    delivery_pk = response.json()["id"]
    assert wait_for_deliveries(timeout=60)
    url = f"/api/orgs/{api.org_id}/github/deliveries/{delivery_pk}"

    again = await client.post(f"{url}/redeliver", headers=api.headers)

    assert again.status_code == 202, again.text
    assert again.json()["status"] == "received"
    assert wait_for_deliveries(timeout=60)
    detail = (await client.get(url, headers=api.headers)).json()
    assert detail["status"] == "ignored"
    assert detail["attempts"] == 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_delivery_waiting_for_its_job_is_sent_again_only_once_stale(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, tmp_path: Path
) -> None:
    """A job lost on the way (broker down) leaves the delivery ``received``; after a few
    minutes an admin can send it again, before that it is 409."""
    api = await _org_with_hello_world(client, app, settings, tmp_path, "stale@example.com")
    response = await deliver(client, "push", load("push.with-new-branch"))
    delivery_pk = uuid.UUID(response.json()["id"])
    assert wait_for_deliveries(timeout=60)
    async with app.state.db.session() as session:  # as if its job never arrived
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_pk)
            .values(status="received", processed_at=None)
        )
    url = f"/api/orgs/{api.org_id}/github/deliveries/{delivery_pk}/redeliver"

    early = await client.post(url, headers=api.headers)
    async with app.state.db.session() as session:
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_pk)
            .values(received_at=utcnow() - timedelta(minutes=6))
        )
    late = await client.post(url, headers=api.headers)
    assert wait_for_deliveries(timeout=60)

    assert early.status_code == 409
    assert early.json()["error"] == "not_processed"
    assert late.status_code == 202
    assert (await stored_one(app, delivery_pk)).status == "ignored"
