"""Without Resend: the local outbox; unreachable Resend; the outbox hidden in production."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from pydantic import SecretStr

from backend.app import create_app
from backend.config import Mode, Settings
from backend.kit.keys import generate_signing_key
from tests.auth.helpers import outbox, register


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_without_resend_mail_goes_to_the_outbox_with_html_and_text(
    client: httpx.AsyncClient,
) -> None:
    await register(client, "local@example.com")
    [message] = await outbox(client, "local@example.com")
    assert message["status"] == "outbox"
    assert message["template"] == "verification"
    assert message["to_email"] == "local@example.com"
    assert "<a href=" in message["html"]
    assert "<a href=" not in message["text"]


async def test_unreachable_resend_is_recorded_as_failed(settings: Settings) -> None:
    unreachable = settings.model_copy(
        update={
            "resend_api_key": SecretStr("re_key"),
            "resend_base_url": f"http://127.0.0.1:{_closed_port()}",
        }
    )
    app = create_app(unreachable)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            assert (await register(c, "nowhere@example.com")).status_code == 201
            [message] = await outbox(c, "nowhere@example.com")
    finally:
        await app.state.db.dispose()
    assert message["status"] == "failed"
    assert "Request failed" in message["error"]  # the connection was refused


@pytest.fixture
def production_app(settings: Settings, tmp_path: Path) -> FastAPI:
    generate_signing_key(tmp_path / "prod-keys")
    production = settings.model_copy(
        update={
            "mode": Mode.PRODUCTION,
            "keys_dir": tmp_path / "prod-keys",
            "encryption_keys": SecretStr(Fernet.generate_key().decode()),
        }
    )
    return create_app(production)


async def test_outbox_is_not_served_in_production_mode(production_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=production_app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            response = await c.get("/api/outbox")
    finally:
        await production_app.state.db.dispose()
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
