"""E-mail through Resend: the real ``resend`` client talks to a local stand-in of its API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from backend.config import Settings
from tests.auth.conftest import FakeResend
from tests.auth.helpers import outbox, register

API_KEY = "re_test_0123456789"


@pytest.fixture
def settings_overrides(fake_resend: FakeResend) -> dict[str, Any]:
    return {"resend_api_key": API_KEY, "resend_base_url": fake_resend.url}


async def test_verification_email_is_sent_through_resend(
    client: httpx.AsyncClient, fake_resend: FakeResend, settings: Settings
) -> None:
    response = await register(client, "Ren@Example.com", full_name="Ren <b>")
    assert response.status_code == 201

    assert len(fake_resend.requests) == 1
    sent = fake_resend.requests[0]
    assert sent.method == "POST"
    assert sent.path == "/emails"
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["user-agent"].startswith("resend-python")
    body = sent.body
    assert body["from"] == settings.email_from
    assert body["to"] == ["ren@example.com"]
    assert body["subject"] == "Confirm your e-mail address for TestAble"
    assert "/api/auth/verify-email?token=" in body["html"]
    assert "/api/auth/verify-email?token=" in body["text"]
    assert body["html"].lstrip().startswith("<!doctype html>")
    assert "Ren &lt;b&gt;" in body["html"]  # user input is escaped in HTML
    assert "Ren <b>" in body["text"]

    [record] = await outbox(client, "ren@example.com")
    assert record["status"] == "sent"
    assert record["error"] is None
    assert record["sent_at"] is not None


async def test_resend_errors_are_recorded_and_never_fail_the_request(
    client: httpx.AsyncClient, fake_resend: FakeResend
) -> None:
    fake_resend.fail_status = 500
    response = await register(client, "down@example.com")
    assert response.status_code == 201
    assert len(fake_resend.requests) == 1
    [record] = await outbox(client, "down@example.com")
    assert record["status"] == "failed"
    assert "Resend is having a bad day" in record["error"]
