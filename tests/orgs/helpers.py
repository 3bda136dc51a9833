"""Helpers for tests that need several members of one organisation."""

from __future__ import annotations

import httpx

from tests.auth.helpers import latest_token, signed_in


async def join(
    client: httpx.AsyncClient, org_id: str, owner: dict[str, str], email: str, role: str
) -> dict[str, str]:
    """Invite ``email`` with ``role`` and accept as that user; their auth headers."""
    invited = await client.post(
        f"/api/orgs/{org_id}/invitations", json={"email": email, "role": role}, headers=owner
    )
    assert invited.status_code == 201, invited.text
    headers = await signed_in(client, email)
    token = await latest_token(client, email, "invitation")
    accepted = await client.post(
        "/api/orgs/invitations/accept", json={"token": token}, headers=headers
    )
    assert accepted.status_code == 200, accepted.text
    return headers
