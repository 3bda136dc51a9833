"""Issue #13: inputs that reached the database unchecked and answered 500 are refused
with a 422 naming the field: integers past what a database column holds, and control
characters (a NUL byte breaks PostgreSQL text) in names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.reports.helpers import finished_run
from tests.runs.helpers import PASSING_SUITE, make_git_repo, signed_in_api


def _fields(response: httpx.Response) -> list[str]:
    body: dict[str, Any] = response.json()
    return [str(d.get("field", "")) for d in body.get("details") or []]


@pytest.mark.parametrize("value", ["100000000000000000000", "9223372036854775808", "-1"])
async def test_a_huge_offset_on_the_runs_list_is_a_422(
    client: httpx.AsyncClient, tmp_path: Path, value: str
) -> None:
    api = await signed_in_api(client, "offset@example.com")
    project = await api.project(make_git_repo(tmp_path, PASSING_SUITE))

    response = await client.get(
        f"/api/projects/{project['id']}/runs", params={"offset": value}, headers=api.headers
    )

    assert response.status_code == 422, response.text
    assert any("offset" in field for field in _fields(response)), response.text


@pytest.mark.parametrize("value", ["99999999999999999999", "2147483648"])
async def test_a_huge_after_on_the_events_of_a_run_is_a_422(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path, value: str
) -> None:
    api = await signed_in_api(client, "after@example.com")
    project = await api.project(make_git_repo(tmp_path, PASSING_SUITE))
    run = {"id": str(await finished_run(app, project["id"]))}

    response = await client.get(
        f"/api/runs/{run['id']}/events", params={"after": value}, headers=api.headers
    )
    largest = await client.get(
        f"/api/runs/{run['id']}/events", params={"after": 2147483647}, headers=api.headers
    )

    assert response.status_code == 422, response.text
    assert any("after" in field for field in _fields(response)), response.text
    assert largest.status_code == 200
    assert largest.json() == []


@pytest.mark.parametrize("name", ["shop\x00", "a\x07b", "tab\there", "line\nbreak", "\x7f"])
async def test_control_characters_in_names_are_a_422(
    client: httpx.AsyncClient, tmp_path: Path, name: str
) -> None:
    api = await signed_in_api(client, "names@example.com")

    project = await client.post(
        f"/api/orgs/{api.org_id}/projects",
        json={"name": name, "repository": make_git_repo(tmp_path, PASSING_SUITE)},
        headers=api.headers,
    )
    org = await client.post("/api/orgs", json={"name": name}, headers=api.headers)
    user = await client.post(
        "/api/auth/register",
        json={"email": "nul@example.com", "password": "violet-Anchor-42-river", "full_name": name},
    )

    for response, field in ((project, "name"), (org, "name"), (user, "full_name")):
        assert response.status_code == 422, response.text
        assert any(f.endswith(field) for f in _fields(response)), response.text
