"""Organisations: creation, membership roles, isolation between organisations (404)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.auth.helpers import login, signed_in
from tests.orgs.helpers import join


async def _personal_org(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    org_id: str = (await client.get("/api/orgs", headers=headers)).json()[0]["id"]
    return org_id


async def _user_id(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    user_id: str = (await client.get("/api/auth/me", headers=headers)).json()["id"]
    return user_id


async def test_create_list_and_read_an_organisation(client: httpx.AsyncClient) -> None:
    headers = await signed_in(client, "owner@example.com")
    created = await client.post("/api/orgs", json={"name": "  Acme QA "}, headers=headers)
    assert created.status_code == 201
    org = created.json()
    assert org["name"] == "Acme QA"
    assert org["role"] == "owner"
    assert org["slug"].startswith("acme-qa-")
    listed = await client.get("/api/orgs", headers=headers)
    assert {o["id"] for o in listed.json()} >= {org["id"]}
    assert len(listed.json()) == 2  # with the personal organisation
    read = await client.get(f"/api/orgs/{org['id']}", headers=headers)
    assert read.status_code == 200
    assert read.json()["name"] == "Acme QA"


async def test_blank_organisation_name_names_the_field(client: httpx.AsyncClient) -> None:
    headers = await signed_in(client, "blank@example.com")
    response = await client.post("/api/orgs", json={"name": "   "}, headers=headers)
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "name"


async def test_organisations_need_authentication(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/orgs")).status_code == 401
    assert (await client.get(f"/api/orgs/{uuid.uuid4()}")).status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/orgs/{org}", None),
        ("GET", "/api/orgs/{org}/members", None),
        ("GET", "/api/orgs/{org}/invitations", None),
        ("GET", "/api/orgs/{org}/audit-log", None),
        ("PATCH", "/api/orgs/{org}/members/{owner}", {"role": "viewer"}),
        ("DELETE", "/api/orgs/{org}/members/{owner}", None),
        ("POST", "/api/orgs/{org}/invitations", {"email": "x@example.com", "role": "admin"}),
        ("DELETE", "/api/orgs/{org}/invitations/{invitation}", None),
    ],
)
async def test_another_organisation_is_invisible_for_read_and_write(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, str] | None
) -> None:
    alice = await signed_in(client, "alice@example.com")
    bob = await signed_in(client, "bob@example.com")
    alice_org = await _personal_org(client, alice)
    alice_id = await _user_id(client, alice)
    invitation = await client.post(
        f"/api/orgs/{alice_org}/invitations",
        json={"email": "carol@example.com", "role": "member"},
        headers=alice,
    )
    url = path.format(org=alice_org, owner=alice_id, invitation=invitation.json()["id"])

    response = await client.request(method, url, json=body, headers=bob)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    # The same answer as for an organisation that does not exist at all.
    missing = await client.request(
        method,
        path.format(org=uuid.uuid4(), owner=alice_id, invitation=uuid.uuid4()),
        json=body,
        headers=bob,
    )
    assert missing.status_code == 404
    assert missing.json() == response.json()

    # Nothing changed on Alice's side.
    members = (await client.get(f"/api/orgs/{alice_org}/members", headers=alice)).json()
    assert [(m["email"], m["role"]) for m in members] == [("alice@example.com", "owner")]
    invitations = (await client.get(f"/api/orgs/{alice_org}/invitations", headers=alice)).json()
    assert [i["status"] for i in invitations] == ["pending"]


async def test_viewer_reads_but_cannot_manage(client: httpx.AsyncClient) -> None:
    owner = await signed_in(client, "boss@example.com")
    org = await _personal_org(client, owner)
    viewer = await join(client, org, owner, "viewer@example.com", "viewer")
    assert (await client.get(f"/api/orgs/{org}", headers=viewer)).json()["role"] == "viewer"
    assert (await client.get(f"/api/orgs/{org}/members", headers=viewer)).status_code == 200
    denied = await client.post(
        f"/api/orgs/{org}/invitations", json={"email": "z@example.com"}, headers=viewer
    )
    assert denied.status_code == 403
    assert denied.json()["error"] == "insufficient_role"
    assert denied.json()["details"] == {"required": "admin", "role": "viewer"}
    assert (await client.get(f"/api/orgs/{org}/audit-log", headers=viewer)).status_code == 403


async def test_member_cannot_change_roles_or_remove_others(client: httpx.AsyncClient) -> None:
    owner = await signed_in(client, "chief@example.com")
    org = await _personal_org(client, owner)
    member = await join(client, org, owner, "member@example.com", "member")
    owner_id = await _user_id(client, owner)
    patch = await client.patch(
        f"/api/orgs/{org}/members/{owner_id}", json={"role": "viewer"}, headers=member
    )
    assert patch.status_code == 403
    remove = await client.delete(f"/api/orgs/{org}/members/{owner_id}", headers=member)
    assert remove.status_code == 403


async def test_admin_manages_members_but_not_owners(client: httpx.AsyncClient) -> None:
    owner = await signed_in(client, "founder@example.com")
    org = await _personal_org(client, owner)
    admin = await join(client, org, owner, "admin@example.com", "admin")
    member = await join(client, org, owner, "dev@example.com", "member")
    member_id = await _user_id(client, member)
    owner_id = await _user_id(client, owner)

    promoted = await client.patch(
        f"/api/orgs/{org}/members/{member_id}", json={"role": "admin"}, headers=admin
    )
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "admin"

    make_owner = await client.patch(
        f"/api/orgs/{org}/members/{member_id}", json={"role": "owner"}, headers=admin
    )
    assert make_owner.status_code == 403
    demote_owner = await client.patch(
        f"/api/orgs/{org}/members/{owner_id}", json={"role": "member"}, headers=admin
    )
    assert demote_owner.status_code == 403
    invite_owner = await client.post(
        f"/api/orgs/{org}/invitations",
        json={"email": "o@example.com", "role": "owner"},
        headers=admin,
    )
    assert invite_owner.status_code == 403

    removed = await client.delete(f"/api/orgs/{org}/members/{member_id}", headers=admin)
    assert removed.status_code == 204
    # The removed user no longer sees the organisation at all.
    assert (await client.get(f"/api/orgs/{org}", headers=member)).status_code == 404


async def test_invalid_role_names_the_role_field(client: httpx.AsyncClient) -> None:
    owner = await signed_in(client, "roles@example.com")
    org = await _personal_org(client, owner)
    owner_id = await _user_id(client, owner)
    response = await client.patch(
        f"/api/orgs/{org}/members/{owner_id}", json={"role": "emperor"}, headers=owner
    )
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "role"


async def test_the_last_owner_cannot_leave_or_be_demoted(client: httpx.AsyncClient) -> None:
    owner = await signed_in(client, "last@example.com")
    org = await _personal_org(client, owner)
    owner_id = await _user_id(client, owner)
    demote = await client.patch(
        f"/api/orgs/{org}/members/{owner_id}", json={"role": "admin"}, headers=owner
    )
    assert demote.status_code == 409
    assert demote.json()["error"] == "last_owner"
    leave = await client.delete(f"/api/orgs/{org}/members/{owner_id}", headers=owner)
    assert leave.status_code == 409

    second = await join(client, org, owner, "heir@example.com", "owner")
    assert (await client.get(f"/api/orgs/{org}", headers=second)).json()["role"] == "owner"
    assert (
        await client.delete(f"/api/orgs/{org}/members/{owner_id}", headers=owner)
    ).status_code == 204


async def test_a_member_may_leave(client: httpx.AsyncClient) -> None:
    owner = await signed_in(client, "host@example.com")
    org = await _personal_org(client, owner)
    viewer = await join(client, org, owner, "guest@example.com", "viewer")
    viewer_id = await _user_id(client, viewer)
    assert (
        await client.delete(f"/api/orgs/{org}/members/{viewer_id}", headers=viewer)
    ).status_code == 204
    assert (await client.get(f"/api/orgs/{org}", headers=viewer)).status_code == 404


async def test_members_list_shows_everyone_with_roles(client: httpx.AsyncClient) -> None:
    owner = await signed_in(client, "team@example.com", full_name="Team Lead")
    org = await _personal_org(client, owner)
    await join(client, org, owner, "mate@example.com", "member")
    members = (await client.get(f"/api/orgs/{org}/members", headers=owner)).json()
    assert [(m["email"], m["role"]) for m in members] == [
        ("team@example.com", "owner"),
        ("mate@example.com", "member"),
    ]
    assert members[0]["full_name"] == "Team Lead"


async def test_login_helper_still_works_after_joining(client: httpx.AsyncClient) -> None:
    owner = await signed_in(client, "x1@example.com")
    org = await _personal_org(client, owner)
    await join(client, org, owner, "x2@example.com", "member")
    tokens = await login(client, "x2@example.com")
    orgs = (
        await client.get("/api/orgs", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    ).json()
    assert {o["role"] for o in orgs} == {"owner", "member"}
