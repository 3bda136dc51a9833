"""The whole account life cycle through the public API, as a user (or curl) would do it."""

from __future__ import annotations

import httpx

from tests.auth.helpers import PASSWORD, bearer, latest_token, outbox, register, signed_in


async def test_register_verify_login_refresh_logout(client: httpx.AsyncClient) -> None:
    email = "ada@example.com"
    created = await register(client, email, full_name="Ada Lovelace")
    assert created.status_code == 201
    assert created.json()["user"]["email"] == email
    assert created.json()["user"]["email_verified"] is False

    messages = await outbox(client, email)
    assert [m["template"] for m in messages] == ["verification"]
    assert messages[0]["status"] == "outbox"
    assert "http://127.0.0.1:8000/api/auth/verify-email?token=" in messages[0]["text"]
    assert "/api/auth/verify-email?token=" in messages[0]["html"]

    token = await latest_token(client, email, "verification")
    verified = await client.get("/api/auth/verify-email", params={"token": token})
    assert verified.status_code == 200
    assert verified.json()["status"] == "verified"
    assert "welcome" in [m["template"] for m in await outbox(client, email)]

    login_response = await client.post(
        "/api/auth/login", json={"email": email, "password": PASSWORD}
    )
    assert login_response.status_code == 200
    tokens = login_response.json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 900
    cookie = login_response.headers["set-cookie"]
    assert "testable_refresh=" in cookie
    assert "HttpOnly" in cookie
    assert "Path=/api/auth" in cookie
    assert "SameSite=strict" in cookie

    me = await client.get("/api/auth/me", headers=bearer(tokens))
    assert me.status_code == 200
    assert me.json()["email"] == email
    assert me.json()["full_name"] == "Ada Lovelace"
    assert me.json()["email_verified"] is True

    refreshed = await client.post(
        "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200
    new_tokens = refreshed.json()
    assert new_tokens["refresh_token"] != tokens["refresh_token"]
    assert (await client.get("/api/auth/me", headers=bearer(new_tokens))).status_code == 200

    logged_out = await client.post("/api/auth/logout", headers=bearer(new_tokens))
    assert logged_out.status_code == 204
    after = await client.get("/api/auth/me", headers=bearer(new_tokens))
    assert after.status_code == 401
    assert after.json()["error"] == "session_revoked"
    again = await client.post(
        "/api/auth/refresh", json={"refresh_token": new_tokens["refresh_token"]}
    )
    assert again.status_code == 401


async def test_registration_creates_a_personal_organisation_owned_by_the_user(
    client: httpx.AsyncClient,
) -> None:
    headers = await signed_in(client, "grace@example.com", full_name="Grace")
    orgs = (await client.get("/api/orgs", headers=headers)).json()
    assert len(orgs) == 1
    assert orgs[0]["personal"] is True
    assert orgs[0]["role"] == "owner"
    assert orgs[0]["name"] == "Grace's organisation"


async def test_auth_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/auth/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
