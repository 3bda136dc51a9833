"""``/api/projects/{id}/cache/…``: the element cache for people (the dashboard's explorer).
Members read and invalidate their project's cache; another organisation gets 404."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.cache.store.base import DecisionRecord
from backend.cache.store.postgres import DatabaseStore
from tests.cache.conftest import make_element
from tests.runs.helpers import make_git_repo, signed_in_api


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {}  # no runs here: the module conftest's run environment is not needed


async def _seed(app: FastAPI, project: str) -> None:
    """What a run leaves behind: an element found, then healed, and the decision."""
    async with app.state.db.session() as session:
        store = DatabaseStore.in_session(session)
        element = make_element(project, "buy-button", instruction="click the buy button")
        await store.put(element, change="created", actor="resolver", reason="first lookup")
        element["selectors"] = [{"kind": "css", "value": "#buy-now"}]
        await store.put(element, change="updated", actor="healing", reason="id changed")
        decision: DecisionRecord = {
            "project": project,
            "key": "buy-button",
            "instruction": "click the buy button",
            "decision": "healed",
            "confidence": 84.0,
            "scores": None,
            "reasons": ["id changed"],
            "selector": "#buy-now",
            "duration_ms": 12.0,
            "run_id": None,
            "at": "2026-11-24T00:00:01+00:00",
        }
        await store.record_decision(decision)


async def test_members_read_and_invalidate_their_projects_cache(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner = await signed_in_api(client, "owner@example.com")
    project = await owner.project(make_git_repo(tmp_path, {"tests/test_a.py": ""}))
    await _seed(app, project["id"])
    base = f"/api/projects/{project['id']}/cache"
    h = owner.headers

    elements = (await client.get(f"{base}/elements", headers=h)).json()["elements"]
    assert [(e["key"], e["version"], e["status"]) for e in elements] == [
        ("buy-button", 2, "active")
    ]
    versions = (
        await client.get(f"{base}/element/versions", params={"key": "buy-button"}, headers=h)
    ).json()["versions"]
    assert [(v["version"], v["actor"]) for v in versions] == [(1, "resolver"), (2, "healing")]
    assert "selectors" in versions[1]["diff"]
    decisions = (await client.get(f"{base}/decisions", headers=h)).json()["decisions"]
    assert [d["decision"] for d in decisions] == ["healed"]
    stats = (await client.get(f"{base}/stats", headers=h)).json()
    assert (stats["entries"], stats["heals"]) == (1, 1)

    invalidated = await client.post(
        f"{base}/element/invalidate", json={"key": "buy-button"}, headers=h
    )
    assert invalidated.status_code == 204, invalidated.text
    after = await client.get(f"{base}/elements", params={"status": "invalidated"}, headers=h)
    assert [e["key"] for e in after.json()["elements"]] == ["buy-button"]


async def test_the_cache_of_another_organisations_project_answers_404(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner = await signed_in_api(client, "owner@example.com")
    stranger = await signed_in_api(client, "stranger@example.com")
    project = await owner.project(make_git_repo(tmp_path, {"tests/test_a.py": ""}))
    await _seed(app, project["id"])
    base = f"/api/projects/{project['id']}/cache"
    h = stranger.headers

    responses = [
        await client.get(f"{base}/elements", headers=h),
        await client.get(f"{base}/element/versions", params={"key": "buy-button"}, headers=h),
        await client.get(f"{base}/decisions", headers=h),
        await client.get(f"{base}/stats", headers=h),
        await client.post(f"{base}/element/invalidate", json={"key": "buy-button"}, headers=h),
    ]

    assert [r.status_code for r in responses] == [404] * len(responses)
    assert all(r.json()["error"] == "not_found" for r in responses)
    still = (await client.get(f"{base}/elements", headers=owner.headers)).json()["elements"]
    assert still[0]["status"] == "active"


async def test_bad_cache_requests_get_specific_errors(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    owner = await signed_in_api(client, "owner@example.com")
    project = await owner.project(make_git_repo(tmp_path, {"tests/test_a.py": ""}))
    base = f"/api/projects/{project['id']}/cache"
    h = owner.headers

    unknown = await client.post(f"{base}/element/invalidate", json={"key": "nope"}, headers=h)
    assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown_element")
    bad_status = await client.get(f"{base}/elements", params={"status": "gone"}, headers=h)
    assert bad_status.status_code == 422
    assert bad_status.json()["details"][0]["field"] == "status"
    blank_key = await client.post(f"{base}/element/invalidate", json={"key": ""}, headers=h)
    assert blank_key.status_code == 422
    assert blank_key.json()["details"][0]["field"] == "key"
    signed_out = await client.get(f"{base}/elements")
    assert signed_out.status_code == 401
