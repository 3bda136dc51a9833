"""Invitations by e-mail: accept, expire, revoke, and only for the invited address."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from backend.kit.time import utcnow
from backend.orgs.models import Invitation
from tests.auth.helpers import execute, latest_token, outbox, signed_in


async def _setup(client: httpx.AsyncClient) -> tuple[dict[str, str], str]:
    owner = await signed_in(client, "inviter@example.com", full_name="Ines")
    org_id: str = (await client.get("/api/orgs", headers=owner)).json()[0]["id"]
    return owner, org_id


async def _invite(
    client: httpx.AsyncClient, org_id: str, owner: dict[str, str], email: str, role: str = "member"
) -> httpx.Response:
    return await client.post(
        f"/api/orgs/{org_id}/invitations", json={"email": email, "role": role}, headers=owner
    )


async def _accept(client: httpx.AsyncClient, token: str, headers: dict[str, str]) -> httpx.Response:
    return await client.post("/api/orgs/invitations/accept", json={"token": token}, headers=headers)


async def test_invitation_email_and_acceptance(client: httpx.AsyncClient, app: FastAPI) -> None:
    owner, org_id = await _setup(client)
    invited = await _invite(client, org_id, owner, "New.Hire@Example.com", "admin")
    assert invited.status_code == 201
    assert invited.json()["email"] == "new.hire@example.com"
    assert invited.json()["status"] == "pending"

    [mail] = await outbox(client, "new.hire@example.com")
    assert mail["template"] == "invitation"
    assert mail["subject"] == "Ines invited you to Ines's organisation on TestAble"
    assert "admin" in mail["text"]

    async with app.state.db.session(read_only=True) as session:
        expires = await session.scalar(select(Invitation.expires_at))
    assert expires is not None
    assert timedelta(days=6, hours=23) < expires - utcnow() <= timedelta(days=7)

    newcomer = await signed_in(client, "new.hire@example.com")
    token = await latest_token(client, "new.hire@example.com", "invitation")
    accepted = await _accept(client, token, newcomer)
    assert accepted.status_code == 200
    assert accepted.json()["id"] == org_id
    assert accepted.json()["role"] == "admin"
    invitations = (await client.get(f"/api/orgs/{org_id}/invitations", headers=owner)).json()
    assert invitations[0]["status"] == "accepted"
    again = await _accept(client, token, newcomer)
    assert again.status_code == 400
    assert again.json()["error"] == "invitation_accepted"


async def test_expired_invitation_cannot_be_accepted(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner, org_id = await _setup(client)
    await _invite(client, org_id, owner, "late@example.com")
    await execute(app, update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
    invitee = await signed_in(client, "late@example.com")
    token = await latest_token(client, "late@example.com", "invitation")
    response = await _accept(client, token, invitee)
    assert response.status_code == 400
    assert response.json()["error"] == "invitation_expired"
    assert (await client.get(f"/api/orgs/{org_id}", headers=invitee)).status_code == 404
    listed = (await client.get(f"/api/orgs/{org_id}/invitations", headers=owner)).json()
    assert listed[0]["status"] == "expired"


async def test_revoked_invitation_cannot_be_accepted(client: httpx.AsyncClient) -> None:
    owner, org_id = await _setup(client)
    invitation = (await _invite(client, org_id, owner, "maybe@example.com")).json()
    revoked = await client.delete(
        f"/api/orgs/{org_id}/invitations/{invitation['id']}", headers=owner
    )
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    invitee = await signed_in(client, "maybe@example.com")
    token = await latest_token(client, "maybe@example.com", "invitation")
    response = await _accept(client, token, invitee)
    assert response.status_code == 400
    assert response.json()["error"] == "invitation_revoked"


async def test_invitation_is_only_for_the_invited_address(client: httpx.AsyncClient) -> None:
    owner, org_id = await _setup(client)
    await _invite(client, org_id, owner, "intended@example.com")
    token = await latest_token(client, "intended@example.com", "invitation")
    intruder = await signed_in(client, "intruder@example.com")
    response = await _accept(client, token, intruder)
    assert response.status_code == 403
    assert response.json()["error"] == "invitation_email_mismatch"
    assert (await client.get(f"/api/orgs/{org_id}", headers=intruder)).status_code == 404


async def test_unknown_invitation_token_is_refused(client: httpx.AsyncClient) -> None:
    someone = await signed_in(client, "someone@example.com")
    response = await _accept(client, "made-up", someone)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_token"


async def test_a_new_invitation_replaces_the_pending_one(client: httpx.AsyncClient) -> None:
    owner, org_id = await _setup(client)
    await _invite(client, org_id, owner, "twice@example.com")
    first = await latest_token(client, "twice@example.com", "invitation")
    await _invite(client, org_id, owner, "twice@example.com", "viewer")
    invitee = await signed_in(client, "twice@example.com")
    assert (await _accept(client, first, invitee)).json()["error"] == "invitation_revoked"
    second = await latest_token(client, "twice@example.com", "invitation")
    assert (await _accept(client, second, invitee)).json()["role"] == "viewer"


async def test_existing_members_are_not_invited_again(client: httpx.AsyncClient) -> None:
    owner, org_id = await _setup(client)
    response = await _invite(client, org_id, owner, "inviter@example.com")
    assert response.status_code == 409
    assert response.json()["error"] == "already_member"
    assert response.json()["details"][0]["field"] == "email"


async def test_invitation_email_is_validated(client: httpx.AsyncClient) -> None:
    owner, org_id = await _setup(client)
    response = await _invite(client, org_id, owner, "not an address")
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "email"
