"""E-mail verification: 24 h single-use links, resend, and login refused until verified."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from backend.auth.models import OneTimeToken
from backend.kit.time import utcnow
from tests.auth.helpers import PASSWORD, execute, latest_token, outbox, register


async def test_unverified_account_cannot_sign_in_and_is_told_how_to_fix_it(
    client: httpx.AsyncClient,
) -> None:
    await register(client, "ivy@example.com")
    response = await client.post(
        "/api/auth/login", json={"email": "ivy@example.com", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert response.json()["error"] == "email_not_verified"
    assert "resend-verification" in response.json()["message"]


async def test_verification_token_is_stored_hashed(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register(client, "hash@example.com")
    token = await latest_token(client, "hash@example.com", "verification")
    async with app.state.db.session(read_only=True) as session:
        stored = list(await session.scalars(select(OneTimeToken.token_hash)))
    assert token not in stored
    assert len(stored) == 1
    assert len(stored[0]) == 64


async def test_verification_link_works_once(client: httpx.AsyncClient) -> None:
    await register(client, "once@example.com")
    token = await latest_token(client, "once@example.com", "verification")
    assert (await client.get("/api/auth/verify-email", params={"token": token})).status_code == 200
    again = await client.get("/api/auth/verify-email", params={"token": token})
    assert again.status_code == 400
    assert again.json()["error"] == "token_used"


async def test_verification_link_expires_after_its_lifetime(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await register(client, "late@example.com")
    token = await latest_token(client, "late@example.com", "verification")
    async with app.state.db.session(read_only=True) as session:
        row = await session.scalar(select(OneTimeToken))
        assert row is not None
        assert timedelta(hours=23, minutes=59) < row.expires_at - utcnow() <= timedelta(hours=24)
    await execute(app, update(OneTimeToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    response = await client.get("/api/auth/verify-email", params={"token": token})
    assert response.status_code == 400
    assert response.json()["error"] == "token_expired"


async def test_unknown_verification_token_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/auth/verify-email", params={"token": "nope"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_token"


async def test_missing_token_names_the_token_field(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/auth/verify-email")
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "token"


async def test_resend_sends_a_new_link_and_retires_the_old_one(client: httpx.AsyncClient) -> None:
    await register(client, "again@example.com")
    first = await latest_token(client, "again@example.com", "verification")
    response = await client.post(
        "/api/auth/resend-verification", json={"email": "again@example.com"}
    )
    assert response.status_code == 202
    second = await latest_token(client, "again@example.com", "verification")
    assert second != first
    old = await client.get("/api/auth/verify-email", params={"token": first})
    assert old.status_code == 400
    new = await client.get("/api/auth/verify-email", params={"token": second})
    assert new.status_code == 200


async def test_resend_for_unknown_or_verified_address_answers_the_same_and_sends_nothing(
    client: httpx.AsyncClient,
) -> None:
    unknown = await client.post(
        "/api/auth/resend-verification", json={"email": "ghost@example.com"}
    )
    assert unknown.status_code == 202
    assert await outbox(client, "ghost@example.com") == []

    await register(client, "done@example.com")
    token = await latest_token(client, "done@example.com", "verification")
    await client.get("/api/auth/verify-email", params={"token": token})
    before = len(await outbox(client, "done@example.com"))
    verified = await client.post(
        "/api/auth/resend-verification", json={"email": "done@example.com"}
    )
    assert verified.status_code == 202
    assert verified.json() == unknown.json()
    assert len(await outbox(client, "done@example.com")) == before
