"""Registration rules: password policy, e-mail format, duplicates; errors name the field."""

from __future__ import annotations

import httpx
import pytest

from tests.auth.helpers import PASSWORD, register


def _fields(response: httpx.Response) -> list[str]:
    return [d["field"] for d in response.json()["details"]]


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-1A", "at least 10 characters"),
        ("password123", "too common"),
        ("QWERTYUIOP", "too common"),
        ("lin@example.com", "e-mail"),
        ("LIN@EXAMPLE.COM", "e-mail"),
    ],
)
async def test_weak_passwords_are_refused_naming_the_password_field(
    client: httpx.AsyncClient, password: str, reason: str
) -> None:
    response = await register(client, "lin@example.com", password)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    assert _fields(response) == ["password"]
    assert reason in body["details"][0]["message"]
    assert body["message"].startswith("password:")


async def test_password_equal_to_the_local_part_is_refused(client: httpx.AsyncClient) -> None:
    response = await register(client, "longusername@example.com", "LongUserName")
    assert response.status_code == 422
    assert "e-mail" in response.json()["details"][0]["message"]


async def test_invalid_email_is_refused_naming_the_email_field(client: httpx.AsyncClient) -> None:
    response = await register(client, "not-an-address")
    assert response.status_code == 422
    assert _fields(response) == ["email"]


async def test_missing_fields_are_each_named(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/register", json={})
    assert response.status_code == 422
    assert sorted(_fields(response)) == ["email", "password"]


async def test_the_same_email_cannot_register_twice_whatever_its_case(
    client: httpx.AsyncClient,
) -> None:
    assert (await register(client, "Mia@Example.com")).status_code == 201
    again = await register(client, "mia@example.COM", PASSWORD)
    assert again.status_code == 409
    assert again.json()["error"] == "email_taken"
    assert again.json()["details"][0]["field"] == "email"


async def test_email_is_stored_lower_case(client: httpx.AsyncClient) -> None:
    response = await register(client, "Noor@Example.COM")
    assert response.json()["user"]["email"] == "noor@example.com"
