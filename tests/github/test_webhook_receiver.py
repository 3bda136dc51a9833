"""``POST /api/webhooks/github`` through the real app on SQLite and PostgreSQL: every real
payload is accepted; bad signatures, oversize, bad headers and bad JSON are refused with
a specific 4xx and stored as rejected; a delivery is stored once, even under concurrency."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.github import router as github_router
from backend.github.tasks import wait_for_deliveries
from backend.github.webhooks import sign
from tests.github.webhook_helpers import (
    SECRET,
    URL,
    deliver,
    event_of,
    fixture_names,
    load,
    signed_headers,
    stored,
    stored_one,
)

# Where the database makes no difference to the rule under test, SQLite alone.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "github_webhook_secret": SECRET,
        "github_webhook_max_bytes": 64 * 1024,
        "dispatcher": "inprocess",
    }


@pytest.fixture(autouse=True)
def _drain_deliveries() -> Any:
    yield
    assert wait_for_deliveries(timeout=30)


async def test_every_real_github_payload_is_accepted_and_stored(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    names = fixture_names()
    assert len(names) >= 7
    for name in names:
        payload = load(name)
        delivery_id = str(uuid.uuid4())
        response = await deliver(client, event_of(name), payload, delivery_id)

        assert response.status_code in (200, 202), (name, response.text)
        body = response.json()
        assert body["delivery_id"] == delivery_id
        row = await stored_one(app, body["id"])
        assert row.delivery_id == delivery_id
        assert row.event == event_of(name)
        assert row.signature_ok is True
        assert row.payload == payload
        assert row.action == payload.get("action")
        assert row.status != "rejected", (name, row.reason)


@SQLITE_ONLY
async def test_ping_is_answered_with_pong_and_marked_processed(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    response = await deliver(client, "ping", load("ping"))

    assert response.status_code == 200
    body = response.json()
    assert body["pong"] is True
    assert body["zen"] == load("ping")["zen"]
    row = await stored_one(app, body["id"])
    assert (row.status, row.reason) == ("processed", "pong")
    assert row.processed_at is not None
    assert row.repository_full_name == "Octocoders/Hello-World"


async def test_a_wrong_signature_is_401_and_stored_rejected_without_the_payload(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    body = json.dumps(load("push.with-new-branch")).encode()
    headers = signed_headers(body, "push", secret="not-the-secret")

    response = await client.post(URL, content=body, headers=headers)

    assert response.status_code == 401
    assert response.json()["error"] == "signature_mismatch"
    assert response.json()["details"] == {"field": "X-Hub-Signature-256"}
    [row] = await stored(app)
    assert row.status == "rejected"
    assert row.http_status == 401
    assert row.payload is None
    assert row.signature_ok is False
    assert row.delivery_id is None
    assert row.claimed_delivery_id == headers["X-GitHub-Delivery"]
    assert "does not match" in (row.reason or "")


@SQLITE_ONLY
async def test_a_missing_signature_is_401_and_stored(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    body = json.dumps(load("push.with-new-branch")).encode()
    headers = signed_headers(body, "push")
    del headers["X-Hub-Signature-256"]

    response = await client.post(URL, content=body, headers=headers)

    assert response.status_code == 401
    assert response.json()["error"] == "signature_missing"
    [row] = await stored(app)
    assert (row.status, row.http_status, row.payload) == ("rejected", 401, None)


@SQLITE_ONLY
async def test_a_signature_of_another_body_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    body = json.dumps(load("push.with-new-branch")).encode()
    headers = signed_headers(body, "push")
    tampered = body.replace(b"Initial commit", b"Evil commit!!!")

    response = await client.post(URL, content=tampered, headers=headers)

    assert response.status_code == 401


@SQLITE_ONLY
async def test_an_oversized_delivery_is_413_and_stored_rejected(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    payload = load("push.with-new-branch")
    payload["padding"] = "x" * (70 * 1024)  # the module's limit is 64 KiB
    body = json.dumps(payload).encode()

    response = await client.post(URL, content=body, headers=signed_headers(body, "push"))

    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert response.json()["details"] == {"max_bytes": 64 * 1024}
    [row] = await stored(app)
    assert (row.status, row.http_status, row.payload) == ("rejected", 413, None)
    assert row.size_bytes == len(body)


@SQLITE_ONLY
async def test_malformed_json_is_400_and_stored(client: httpx.AsyncClient, app: FastAPI) -> None:
    body = b'{"ref": "refs/heads/main", '
    response = await client.post(URL, content=body, headers=signed_headers(body, "push"))

    assert response.status_code == 400
    error = response.json()
    assert error["error"] == "malformed_payload"
    assert error["details"] == {"field": "body"}
    [row] = await stored(app)
    assert (row.status, row.http_status, row.signature_ok) == ("rejected", 400, True)
    assert "not valid JSON" in (row.reason or "")


@SQLITE_ONLY
async def test_a_json_array_is_400(client: httpx.AsyncClient) -> None:
    body = b"[1, 2, 3]"
    response = await client.post(URL, content=body, headers=signed_headers(body, "push"))

    assert response.status_code == 400
    assert "not an object" in response.json()["message"]


@SQLITE_ONLY
@pytest.mark.parametrize("header", ["X-GitHub-Event", "X-GitHub-Delivery"])
async def test_a_missing_github_header_is_400_naming_it(
    client: httpx.AsyncClient, app: FastAPI, header: str
) -> None:
    body = json.dumps(load("push.with-new-branch")).encode()
    headers = signed_headers(body, "push")
    del headers[header]

    response = await client.post(URL, content=body, headers=headers)

    assert response.status_code == 400
    assert response.json()["details"] == {"field": header}
    [row] = await stored(app)
    assert (row.status, row.http_status) == ("rejected", 400)


@SQLITE_ONLY
async def test_a_form_encoded_delivery_is_accepted(client: httpx.AsyncClient, app: FastAPI) -> None:
    payload = load("push.with-new-branch")
    body = httpx.QueryParams({"payload": json.dumps(payload)}).__str__().encode()
    headers = signed_headers(body, "push")
    headers["Content-Type"] = "application/x-www-form-urlencoded"

    response = await client.post(URL, content=body, headers=headers)

    assert response.status_code == 202, response.text
    row = await stored_one(app, response.json()["id"])
    assert row.payload == payload


@SQLITE_ONLY
async def test_an_unknown_event_is_accepted_and_stored_as_ignored(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    response = await deliver(client, "watch", {"action": "started", "repository": None})

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "ignored"
    row = await stored_one(app, body["id"])
    assert row.status == "ignored"
    assert row.reason == "the 'watch' event is not handled"


async def test_a_duplicate_delivery_is_answered_200_and_ignored(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    delivery_id = str(uuid.uuid4())
    payload = load("pull_request.opened")
    first = await deliver(client, "pull_request", payload, delivery_id)
    again = await deliver(client, "pull_request", payload, delivery_id)

    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json() == {"duplicate": True, "delivery_id": delivery_id}
    assert len(await stored(app)) == 1


async def test_concurrent_copies_of_one_delivery_are_stored_once(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    delivery_id = str(uuid.uuid4())
    payload = load("push.with-new-branch")

    responses = await asyncio.gather(
        *(deliver(client, "push", payload, delivery_id) for _ in range(6))
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 200, 200, 200, 202]
    assert sum(1 for r in responses if r.json().get("duplicate")) == 5
    assert len(await stored(app)) == 1


@SQLITE_ONLY
async def test_an_unsigned_request_cannot_claim_a_delivery_id(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    """A forged request reusing a real delivery id must not turn the genuine delivery
    into a 'duplicate'."""
    delivery_id = str(uuid.uuid4())
    body = json.dumps(load("push.with-new-branch")).encode()
    forged = signed_headers(body, "push", delivery_id, secret="guess")
    assert (await client.post(URL, content=body, headers=forged)).status_code == 401

    genuine = await client.post(
        URL, content=body, headers=signed_headers(body, "push", delivery_id)
    )

    assert genuine.status_code == 202
    assert genuine.json()["delivery_id"] == delivery_id


@SQLITE_ONLY
@pytest.mark.parametrize("settings_overrides", [{"github_webhook_secret": None}])
async def test_without_a_configured_secret_every_delivery_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    body = json.dumps(load("ping")).encode()
    headers = signed_headers(body, "ping")
    headers["X-Hub-Signature-256"] = sign("", body)

    response = await client.post(URL, content=body, headers=headers)

    assert response.status_code == 503
    assert response.json()["error"] == "webhook_not_configured"
    [row] = await stored(app)
    assert row.status == "rejected"


async def test_a_nul_character_in_a_payload_is_stored_as_a_replacement_character(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    """PostgreSQL's JSONB refuses NUL; the delivery must still be accepted, not a 500."""
    payload = load("push.with-new-branch")
    payload["head_commit"]["message"] = "odd\u0000message"

    response = await deliver(client, "push", payload)

    assert response.status_code == 202, response.text
    row = await stored_one(app, response.json()["id"])
    assert row.payload is not None
    assert row.payload["head_commit"]["message"] == "odd\ufffdmessage"


@SQLITE_ONLY
async def test_json_nested_too_deeply_is_400(client: httpx.AsyncClient) -> None:
    body = b'{"a": ' + b"[" * 30_000 + b"]" * 30_000 + b"}"

    response = await client.post(URL, content=body, headers=signed_headers(body, "push"))

    assert response.status_code == 400
    assert response.json()["error"] == "malformed_payload"


@SQLITE_ONLY
async def test_a_flood_of_refused_requests_is_answered_but_not_all_stored(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(github_router, "REJECTIONS_STORED_PER_IP", 3)
    body = json.dumps(load("ping")).encode()

    answers = [
        (await client.post(URL, content=body, headers=signed_headers(body, "ping", secret="x")))
        for _ in range(5)
    ]

    assert [a.status_code for a in answers] == [401] * 5
    assert len(await stored(app)) == 3
    genuine = await deliver(client, "ping", load("ping"))  # GitHub itself still gets in
    assert genuine.status_code == 200
