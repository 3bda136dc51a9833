"""The audit log as a person reads it: each event with its actor, project creation and run
starts recorded, successful token refreshes not (they drowned everything else), and a
filter by action (or family), actor and period; bad filters are specific 422s and another
organisation's log is a 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.auth.helpers import PASSWORD
from tests.runs.helpers import MIXED_SUITE, make_git_repo, signed_in_api


async def _log(
    api_client: httpx.AsyncClient, org_id: str, headers: dict[str, str], **query: Any
) -> list[dict[str, Any]]:
    response = await api_client.get(f"/api/orgs/{org_id}/audit-log", params=query, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_actor_project_creation_run_start_and_its_starter_and_no_refresh_flood(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "auditor@example.com")
    login = await client.post(
        "/api/auth/login", json={"email": "auditor@example.com", "password": PASSWORD}
    )
    refresh_token = login.json()["refresh_token"]
    for _ in range(3):  # a dashboard refreshes on every page load
        answer = await client.post("/api/auth/refresh", json={"refresh_token": refresh_token})
        assert answer.status_code == 200, answer.text
        refresh_token = answer.json()["refresh_token"]
    project = await api.project(make_git_repo(tmp_path, MIXED_SUITE))
    run = await api.start(project["id"])
    await api.wait(run["id"])

    # The run page's "Started by" comes with the run.
    assert (await api.run(run["id"]))["started_by"] == "auditor@example.com"

    items = await _log(client, api.org_id, api.headers)
    actions = [e["action"] for e in items]
    assert "refresh" not in actions
    assert actions[:2] == ["run.start", "project.create"]
    assert {e["actor"] for e in items} == {"auditor@example.com"}
    started = items[0]
    assert started["details"]["run_id"] == run["id"]
    assert started["details"]["trigger"] == "manual"
    assert items[1]["details"]["name"] == "shop"

    # A re-run of the failures is a run start too.
    rerun = await client.post(f"/api/runs/{run['id']}/rerun-failed", headers=api.headers)
    assert rerun.status_code == 201, rerun.text
    again = await _log(client, api.org_id, api.headers, action="run.start")
    assert [e["details"]["rerun_of"] for e in again] == [run["id"], None]
    await api.wait(rerun.json()["id"])


async def test_the_filter_by_action_actor_and_period(client: httpx.AsyncClient) -> None:
    owner = await signed_in_api(client, "filter-owner@example.com")
    await client.post(
        "/api/auth/login", json={"email": "filter-owner@example.com", "password": "wrong-one-1"}
    )
    await client.post(
        "/api/auth/login", json={"email": "nobody@example.com", "password": "wrong-one-1"}
    )
    await client.post(
        f"/api/orgs/{owner.org_id}/invitations",
        json={"email": "hire@example.com", "role": "member"},
        headers=owner.headers,
    )
    org, h = owner.org_id, owner.headers

    logins = await _log(client, org, h, action="login")
    assert [(e["action"], e["outcome"]) for e in logins] == [
        ("login", "failure"),
        ("login", "success"),
    ]
    family = await _log(client, org, h, action="org")
    assert family
    assert all(e["action"].startswith("org.") for e in family)
    mine = await _log(client, org, h, actor="FILTER-OWNER@example.com")
    assert mine
    assert {e["actor"] for e in mine} == {"filter-owner@example.com"}
    assert await _log(client, org, h, actor="someone-else@example.com") == []
    # The unknown account's failed login is not this organisation's business.
    assert await _log(client, org, h, actor="nobody@example.com") == []

    now = datetime.now(UTC)
    everything = await _log(client, org, h)
    recent = await _log(client, org, h, since=(now - timedelta(hours=1)).isoformat())
    assert [e["id"] for e in recent] == [e["id"] for e in everything]
    assert await _log(client, org, h, until=(now - timedelta(hours=1)).isoformat()) == []
    assert await _log(client, org, h, since=(now + timedelta(hours=1)).isoformat()) == []

    url = f"/api/orgs/{org}/audit-log"
    backwards = await client.get(
        url,
        params={"since": now.isoformat(), "until": (now - timedelta(days=1)).isoformat()},
        headers=h,
    )
    assert backwards.status_code == 422
    assert backwards.json()["details"][0]["field"] == "until"
    for bad in ({"action": "DROP TABLE"}, {"since": "yesterday"}, {"actor": ""}):
        answer = await client.get(url, params=bad, headers=h)
        assert answer.status_code == 422, (bad, answer.text)

    stranger = await signed_in_api(client, "filter-stranger@example.com")
    hidden = await client.get(url, params={"action": "login"}, headers=stranger.headers)
    assert hidden.status_code == 404
