"""Small helpers for driving the real API in auth and organisation tests."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.sql.dml import Update

PASSWORD = "violet-Anchor-42-river"
NEW_PASSWORD = "amber-Lantern-77-field"

_TOKEN = re.compile(r"token=([A-Za-z0-9_\-]+)")


async def register(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, **extra: Any
) -> httpx.Response:
    return await client.post(
        "/api/auth/register", json={"email": email, "password": password, **extra}
    )


async def outbox(client: httpx.AsyncClient, email: str) -> list[dict[str, Any]]:
    """The outbox answers loopback connections only: the in-process test client (a remote
    address, 203.0.113.7) reads it through a loopback connection to the same app."""
    transport = client._transport
    if isinstance(transport, httpx.ASGITransport):
        local = httpx.ASGITransport(app=transport.app, client=("127.0.0.1", 50001))
        async with httpx.AsyncClient(transport=local, base_url=client.base_url) as loopback:
            response = await loopback.get("/api/outbox", params={"to": email})
    else:
        response = await client.get("/api/outbox", params={"to": email})
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()
    return messages


async def latest_token(client: httpx.AsyncClient, email: str, template: str) -> str:
    """The token in the newest e-mail of ``template`` sent to ``email`` (read from the outbox)."""
    for message in await outbox(client, email):
        if message["template"] == template:
            match = _TOKEN.search(message["text"])
            assert match, message["text"]
            return match.group(1)
    raise AssertionError(f"no {template} e-mail to {email}")


async def register_verified(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, **extra: Any
) -> None:
    response = await register(client, email, password, **extra)
    assert response.status_code == 201, response.text
    token = await latest_token(client, email, "verification")
    verified = await client.get("/api/auth/verify-email", params={"token": token})
    assert verified.status_code == 200, verified.text


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def signed_in(client: httpx.AsyncClient, email: str, **extra: Any) -> dict[str, str]:
    """Register, verify and sign in; the headers for authenticated calls."""
    await register_verified(client, email, **extra)
    return bearer(await login(client, email))


async def execute(app: FastAPI, statement: Update) -> None:
    """Change rows directly (e.g. move an expiry into the past)."""
    async with app.state.db.session() as session:
        await session.execute(statement)
