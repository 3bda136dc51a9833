"""The audit log: every auth event, with who/what/where/when/outcome, readable by admins."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from backend.auth.models import AuditLog
from tests.auth.helpers import PASSWORD, latest_token, signed_in


async def _org(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    org_id: str = (await client.get("/api/orgs", headers=headers)).json()[0]["id"]
    return org_id


async def test_failed_login_is_recorded_although_the_request_failed(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    response = await client.post(
        "/api/auth/login",
        json={"email": "who@example.com", "password": "wrong-password"},
        headers={"User-Agent": "pytest-agent"},
    )
    assert response.status_code == 401
    async with app.state.db.session(read_only=True) as session:
        rows = [
            (e.action, e.outcome, e.email, e.ip, e.user_agent, e.details, e.created_at is not None)
            for e in await session.scalars(select(AuditLog))
        ]
    assert rows == [
        (
            "login",
            "failure",
            "who@example.com",
            "203.0.113.7",
            "pytest-agent",
            {"reason": "unknown_email"},
            True,
        )
    ]


async def test_admins_read_their_members_auth_events(client: httpx.AsyncClient) -> None:
    owner = await signed_in(client, "audit-owner@example.com")
    org_id = await _org(client, owner)
    await client.post(
        "/api/auth/login", json={"email": "audit-owner@example.com", "password": "bad-password"}
    )
    response = await client.get(f"/api/orgs/{org_id}/audit-log", headers=owner)
    assert response.status_code == 200
    events = [(e["action"], e["outcome"]) for e in response.json()["items"]]
    # Newest first.
    assert events == [
        ("login", "failure"),
        ("login", "success"),
        ("verify_email", "success"),
        ("register", "success"),
    ]
    assert all(e["ip"] == "203.0.113.7" for e in response.json()["items"])


async def test_organisation_events_stay_in_their_organisation(client: httpx.AsyncClient) -> None:
    alice = await signed_in(client, "alice@example.com")
    bob = await signed_in(client, "bob@example.com")
    alice_org = await _org(client, alice)
    bob_org = await _org(client, bob)
    # Bob joins Alice's organisation; then invites someone to his own.
    await client.post(
        f"/api/orgs/{alice_org}/invitations",
        json={"email": "bob@example.com", "role": "member"},
        headers=alice,
    )
    token = await latest_token(client, "bob@example.com", "invitation")
    await client.post("/api/orgs/invitations/accept", json={"token": token}, headers=bob)
    await client.post(
        f"/api/orgs/{bob_org}/invitations",
        json={"email": "secret-hire@example.com", "role": "member"},
        headers=bob,
    )

    alice_view = (await client.get(f"/api/orgs/{alice_org}/audit-log", headers=alice)).json()
    actions = [e["action"] for e in alice_view["items"]]
    assert "org.invitation_accept" in actions
    assert "login" in actions  # Bob's account events: he is a member now
    assert all(e["org_id"] in (None, alice_org) for e in alice_view["items"])
    assert "secret-hire@example.com" not in str(alice_view)

    # Bob is a plain member of Alice's organisation: no audit log for him there.
    assert (await client.get(f"/api/orgs/{alice_org}/audit-log", headers=bob)).status_code == 403


async def test_audit_log_pages(client: httpx.AsyncClient) -> None:
    owner = await signed_in(client, "pages@example.com")
    org_id = await _org(client, owner)
    for _ in range(3):
        await client.post(
            "/api/auth/login", json={"email": "pages@example.com", "password": PASSWORD}
        )
    first = (
        await client.get(f"/api/orgs/{org_id}/audit-log", params={"limit": 2}, headers=owner)
    ).json()
    assert len(first["items"]) == 2
    assert first["next_before"] == first["items"][-1]["id"]
    second = (
        await client.get(
            f"/api/orgs/{org_id}/audit-log",
            params={"limit": 2, "before": first["next_before"]},
            headers=owner,
        )
    ).json()
    assert not {e["id"] for e in first["items"]} & {e["id"] for e in second["items"]}
