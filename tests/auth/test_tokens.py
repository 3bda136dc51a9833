"""Access and refresh tokens: RS256 only, rotation, reuse detection, logout, sessions."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from sqlalchemy import select, update

from backend.auth.models import AuthSession, RefreshToken
from backend.auth.security import AUDIENCE, ISSUER
from backend.kit.time import utcnow
from tests.auth.helpers import PASSWORD, bearer, execute, login, register_verified


async def _me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})


def _claims(access_token: str) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(access_token, options={"verify_signature": False})
    return claims


async def test_access_token_is_rs256_with_a_known_kid_and_lasts_15_minutes(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await register_verified(client, "kid@example.com")
    tokens = await login(client, "kid@example.com")
    header = jwt.get_unverified_header(tokens["access_token"])
    assert header["alg"] == "RS256"
    assert header["kid"] == app.state.keyring.active_signing_key.kid
    claims = _claims(tokens["access_token"])
    assert isinstance(claims["exp"], int)
    assert isinstance(claims["iat"], int)
    assert claims["exp"] - claims["iat"] == 900


async def test_token_signed_with_alg_none_is_refused(client: httpx.AsyncClient) -> None:
    await register_verified(client, "none@example.com")
    claims = _claims((await login(client, "none@example.com"))["access_token"])
    forged = jwt.encode(claims, None, algorithm="none")  # type: ignore[arg-type]
    response = await _me(client, forged)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


async def test_token_signed_with_hs256_using_the_public_key_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await register_verified(client, "hs@example.com")
    tokens = await login(client, "hs@example.com")
    claims = _claims(tokens["access_token"])
    key = app.state.keyring.active_signing_key
    # The classic confusion attack: HMAC keyed with the (public) verification key. PyJWT
    # refuses to sign with a PEM as HMAC secret, so build the token by hand.
    header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    import hashlib
    import hmac

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(key.public_pem, signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{b64(signature)}"
    response = await _me(client, forged)
    assert response.status_code == 401
    assert "HS256" in response.json()["details"]["reason"]


async def test_token_signed_with_an_unknown_key_is_refused(client: httpx.AsyncClient) -> None:
    await register_verified(client, "stranger@example.com")
    claims = _claims((await login(client, "stranger@example.com"))["access_token"])
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    unknown_kid = jwt.encode(claims, pem, algorithm="RS256", headers={"kid": "not-ours"})
    response = await _me(client, unknown_kid)
    assert response.status_code == 401
    assert response.json()["details"]["reason"] == "unknown signing key"


async def test_token_signed_by_another_key_under_our_kid_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await register_verified(client, "mallory@example.com")
    claims = _claims((await login(client, "mallory@example.com"))["access_token"])
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    kid = app.state.keyring.active_signing_key.kid
    forged = jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid})
    assert (await _me(client, forged)).status_code == 401


async def test_expired_access_token_is_refused(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register_verified(client, "old@example.com")
    claims = _claims((await login(client, "old@example.com"))["access_token"])
    claims["exp"] = int((utcnow() - timedelta(seconds=5)).timestamp())
    key = app.state.keyring.active_signing_key
    expired = jwt.encode(claims, key.private_pem, algorithm="RS256", headers={"kid": key.kid})
    response = await _me(client, expired)
    assert response.status_code == 401
    assert "expired" in response.json()["details"]["reason"]


async def test_token_for_another_audience_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await register_verified(client, "aud@example.com")
    claims = _claims((await login(client, "aud@example.com"))["access_token"])
    assert claims["aud"] == AUDIENCE
    assert claims["iss"] == ISSUER
    claims["aud"] = "somebody-else"
    key = app.state.keyring.active_signing_key
    token = jwt.encode(claims, key.private_pem, algorithm="RS256", headers={"kid": key.kid})
    assert (await _me(client, token)).status_code == 401


async def test_missing_or_garbage_authorization_is_401(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/auth/me")
    assert missing.status_code == 401
    assert missing.json()["error"] == "not_authenticated"
    assert missing.headers["www-authenticate"] == "Bearer"
    assert (await _me(client, "not.a.jwt")).status_code == 401


async def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: httpx.AsyncClient,
) -> None:
    await register_verified(client, "same@example.com")
    wrong = await client.post(
        "/api/auth/login", json={"email": "same@example.com", "password": "wrong-password-1"}
    )
    unknown = await client.post(
        "/api/auth/login", json={"email": "nobody@example.com", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_refresh_tokens_are_stored_hashed(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register_verified(client, "hashed@example.com")
    tokens = await login(client, "hashed@example.com")
    async with app.state.db.session(read_only=True) as session:
        stored = list(await session.scalars(select(RefreshToken.token_hash)))
    assert tokens["refresh_token"] not in stored
    assert len(stored[0]) == 64


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(
    client: httpx.AsyncClient,
) -> None:
    await register_verified(client, "family@example.com")
    first = await login(client, "family@example.com")
    second = (
        await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    ).json()

    stolen = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert stolen.status_code == 401
    assert stolen.json()["error"] == "refresh_token_reused"

    # The legitimate holder's newer tokens died with the family.
    newer = await client.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert newer.status_code == 401
    assert newer.json()["error"] == "session_revoked"
    assert (await _me(client, second["access_token"])).status_code == 401


async def test_reuse_revokes_only_that_family(client: httpx.AsyncClient) -> None:
    await register_verified(client, "two@example.com")
    laptop = await login(client, "two@example.com")
    phone = await login(client, "two@example.com")
    await client.post("/api/auth/refresh", json={"refresh_token": laptop["refresh_token"]})
    await client.post("/api/auth/refresh", json={"refresh_token": laptop["refresh_token"]})
    assert (await _me(client, phone["access_token"])).status_code == 200


async def test_refresh_accepts_the_cookie(client: httpx.AsyncClient) -> None:
    await register_verified(client, "cookie@example.com")
    await login(client, "cookie@example.com")  # the client keeps the httpOnly cookie
    # httpx sends the cookie only on its path (/api/auth), as a browser would.
    response = await client.post("/api/auth/refresh")
    assert response.status_code == 200
    assert response.json()["access_token"]
    assert client.cookies.get("testable_refresh") == response.json()["refresh_token"]


async def test_refresh_without_any_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/refresh", json={})
    assert response.status_code == 401
    assert response.json()["error"] == "missing_refresh_token"


async def test_expired_refresh_token_is_refused(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register_verified(client, "stale@example.com")
    tokens = await login(client, "stale@example.com")
    async with app.state.db.session(read_only=True) as session:
        row = await session.scalar(select(RefreshToken))
        assert row is not None
        assert timedelta(days=29, hours=23) < row.expires_at - utcnow() <= timedelta(days=30)
    await execute(app, update(RefreshToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    response = await client.post(
        "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "refresh_token_expired"


async def test_logout_with_the_refresh_token_ends_the_session(client: httpx.AsyncClient) -> None:
    await register_verified(client, "bye@example.com")
    tokens = await login(client, "bye@example.com")
    client.cookies.clear()
    response = await client.post(
        "/api/auth/logout", json={"refresh_token": tokens["refresh_token"]}
    )
    assert response.status_code == 204
    assert (await _me(client, tokens["access_token"])).status_code == 401


async def test_logout_without_credentials_is_401(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/auth/logout")).status_code == 401


async def test_sessions_are_listed_and_can_be_revoked_one_by_one(client: httpx.AsyncClient) -> None:
    await register_verified(client, "many@example.com")
    laptop = await login(client, "many@example.com")
    phone = await login(client, "many@example.com")
    listed = await client.get(
        "/api/auth/sessions", headers={**bearer(laptop), "User-Agent": "laptop-browser"}
    )
    assert listed.status_code == 200
    sessions = listed.json()
    assert len(sessions) == 2
    assert sum(s["current"] for s in sessions) == 1
    assert all(s["ip"] == "203.0.113.7" for s in sessions)

    phone_sid = _claims(phone["access_token"])["sid"]
    revoked = await client.delete(f"/api/auth/sessions/{phone_sid}", headers=bearer(laptop))
    assert revoked.status_code == 204
    assert (await _me(client, phone["access_token"])).status_code == 401
    assert (await _me(client, laptop["access_token"])).status_code == 200
    remaining = (await client.get("/api/auth/sessions", headers=bearer(laptop))).json()
    assert [s["id"] for s in remaining] == [_claims(laptop["access_token"])["sid"]]


async def test_another_users_session_cannot_be_revoked(client: httpx.AsyncClient) -> None:
    await register_verified(client, "alice@example.com")
    await register_verified(client, "bob@example.com")
    alice = await login(client, "alice@example.com")
    bob = await login(client, "bob@example.com")
    bob_sid = _claims(bob["access_token"])["sid"]
    response = await client.delete(f"/api/auth/sessions/{bob_sid}", headers=bearer(alice))
    assert response.status_code == 404
    assert (await _me(client, bob["access_token"])).status_code == 200
    random = await client.delete(f"/api/auth/sessions/{uuid.uuid4()}", headers=bearer(alice))
    assert random.status_code == 404


async def test_session_remembers_the_user_agent(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register_verified(client, "ua@example.com")
    await client.post(
        "/api/auth/login",
        json={"email": "ua@example.com", "password": PASSWORD},
        headers={"User-Agent": "curl/8.0"},
    )
    async with app.state.db.session(read_only=True) as session:
        agents = list(await session.scalars(select(AuthSession.user_agent)))
    assert agents == ["curl/8.0"]
