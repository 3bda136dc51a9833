"""Forgot / reset / change password, and how passwords are stored."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from backend.auth.models import OneTimeToken, User
from backend.auth.security import hash_password, password_cost
from backend.config import Settings
from backend.kit.time import utcnow
from tests.auth.helpers import (
    NEW_PASSWORD,
    PASSWORD,
    bearer,
    execute,
    latest_token,
    login,
    outbox,
    register_verified,
)


async def test_default_bcrypt_cost_is_12() -> None:
    settings = Settings(_env_file=None)
    assert settings.bcrypt_rounds == 12
    stored = await hash_password(PASSWORD, settings.bcrypt_rounds)
    assert stored.startswith("$2b$12$")
    assert password_cost(stored) == 12


async def test_passwords_are_stored_as_bcrypt_hashes_with_the_configured_cost(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    await register_verified(client, "bcrypt@example.com")
    async with app.state.db.session(read_only=True) as session:
        stored = await session.scalar(select(User.password_hash))
    assert stored is not None
    assert PASSWORD not in stored
    assert stored.startswith("$2b$")
    assert password_cost(stored) == settings.bcrypt_rounds


async def test_forgot_password_answers_the_same_for_unknown_addresses(
    client: httpx.AsyncClient,
) -> None:
    await register_verified(client, "known@example.com")
    known = await client.post("/api/auth/forgot-password", json={"email": "known@example.com"})
    unknown = await client.post("/api/auth/forgot-password", json={"email": "nope@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert "reset" in [m["template"] for m in await outbox(client, "known@example.com")]
    assert await outbox(client, "nope@example.com") == []


async def test_reset_password_changes_it_once_and_ends_every_session(
    client: httpx.AsyncClient,
) -> None:
    await register_verified(client, "reset@example.com")
    session_before = await login(client, "reset@example.com")
    await client.post("/api/auth/forgot-password", json={"email": "reset@example.com"})
    token = await latest_token(client, "reset@example.com", "reset")

    response = await client.post(
        "/api/auth/reset-password", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 200
    assert (await client.get("/api/auth/me", headers=bearer(session_before))).status_code == 401

    old = await client.post(
        "/api/auth/login", json={"email": "reset@example.com", "password": PASSWORD}
    )
    assert old.status_code == 401
    await login(client, "reset@example.com", NEW_PASSWORD)

    reused = await client.post(
        "/api/auth/reset-password", json={"token": token, "new_password": "another-Good-pass-9"}
    )
    assert reused.status_code == 400
    assert reused.json()["error"] == "token_used"


async def test_reset_link_expires_after_an_hour(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register_verified(client, "slow@example.com")
    await client.post("/api/auth/forgot-password", json={"email": "slow@example.com"})
    token = await latest_token(client, "slow@example.com", "reset")
    async with app.state.db.session(read_only=True) as session:
        expires = await session.scalar(
            select(OneTimeToken.expires_at).where(OneTimeToken.purpose == "reset_password")
        )
    assert expires is not None
    assert timedelta(minutes=59) < expires - utcnow() <= timedelta(hours=1)
    await execute(
        app,
        update(OneTimeToken)
        .where(OneTimeToken.purpose == "reset_password")
        .values(expires_at=utcnow() - timedelta(seconds=1)),
    )
    response = await client.post(
        "/api/auth/reset-password", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "token_expired"


async def test_reset_refuses_a_weak_password_and_keeps_the_link_usable(
    client: httpx.AsyncClient,
) -> None:
    await register_verified(client, "weak@example.com")
    await client.post("/api/auth/forgot-password", json={"email": "weak@example.com"})
    token = await latest_token(client, "weak@example.com", "reset")
    as_email = await client.post(
        "/api/auth/reset-password", json={"token": token, "new_password": "weak@example.com"}
    )
    assert as_email.status_code == 422
    assert as_email.json()["details"][0]["field"] == "new_password"
    common = await client.post(
        "/api/auth/reset-password", json={"token": token, "new_password": "password123"}
    )
    assert common.status_code == 422
    assert common.json()["details"][0]["field"] == "new_password"
    ok = await client.post(
        "/api/auth/reset-password", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert ok.status_code == 200


async def test_change_password_keeps_this_session_and_ends_the_others(
    client: httpx.AsyncClient,
) -> None:
    await register_verified(client, "change@example.com")
    here = await login(client, "change@example.com")
    elsewhere = await login(client, "change@example.com")
    response = await client.post(
        "/api/auth/change-password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(here),
    )
    assert response.status_code == 200
    assert (await client.get("/api/auth/me", headers=bearer(here))).status_code == 200
    assert (await client.get("/api/auth/me", headers=bearer(elsewhere))).status_code == 401
    refresh_elsewhere = await client.post(
        "/api/auth/refresh", json={"refresh_token": elsewhere["refresh_token"]}
    )
    assert refresh_elsewhere.status_code == 401
    await login(client, "change@example.com", NEW_PASSWORD)


async def test_change_password_needs_the_current_password(client: httpx.AsyncClient) -> None:
    await register_verified(client, "guard@example.com")
    tokens = await login(client, "guard@example.com")
    response = await client.post(
        "/api/auth/change-password",
        json={"current_password": "not-my-password", "new_password": NEW_PASSWORD},
        headers=bearer(tokens),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_current_password"
    assert response.json()["details"][0]["field"] == "current_password"
    await login(client, "guard@example.com", PASSWORD)


async def test_change_password_applies_the_password_rules(client: httpx.AsyncClient) -> None:
    await register_verified(client, "rules@example.com")
    tokens = await login(client, "rules@example.com")
    response = await client.post(
        "/api/auth/change-password",
        json={"current_password": PASSWORD, "new_password": "tooshort"},
        headers=bearer(tokens),
    )
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "new_password"
