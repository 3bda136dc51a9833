"""Roles inside one organisation: viewers read, members change workflows and start runs,
only admins connect or disconnect repositories (credentials are involved)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.github.fake_github import FakeGitHub
from tests.orgs.helpers import join
from tests.repositories.helpers import PAT, github_repository
from tests.runs.helpers import signed_in_api
from tests.workflows.helpers import create_workflow


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_viewers_read_members_change_admins_connect(
    client: httpx.AsyncClient, github: FakeGitHub, tmp_path: Path
) -> None:
    owner = await signed_in_api(client, "roles-owner@example.com")
    repository = await github_repository(owner, tmp_path)
    workflow = await create_workflow(owner, repository["id"])
    viewer = await join(client, owner.org_id, owner.headers, "viewer@example.com", "viewer")
    member = await join(client, owner.org_id, owner.headers, "member@example.com", "member")
    rid, wid = repository["id"], workflow["id"]
    connect = {"provider": "github", "full_name": "octo/shop", "token": PAT}

    reads = [
        await client.get(f"/api/repositories/{rid}", headers=viewer),
        await client.get(f"/api/repositories/{rid}/workflows", headers=viewer),
        await client.get(f"/api/workflows/{wid}/versions", headers=viewer),
    ]
    assert [r.status_code for r in reads] == [200, 200, 200]

    viewer_writes = [
        await client.post(f"/api/repositories/{rid}/workflows", json={"name": "v"}, headers=viewer),
        await client.patch(f"/api/workflows/{wid}", json={"enabled": False}, headers=viewer),
        await client.post(f"/api/workflows/{wid}/runs", json={}, headers=viewer),
    ]
    assert [r.status_code for r in viewer_writes] == [403, 403, 403]
    assert all(r.json()["error"] == "insufficient_role" for r in viewer_writes)

    changed = await client.patch(f"/api/workflows/{wid}", json={"enabled": False}, headers=member)
    assert changed.status_code == 200
    member_admin_only = [
        await client.delete(f"/api/repositories/{rid}", headers=member),
        await client.post(
            f"/api/projects/{repository['project_id']}/repository", json=connect, headers=member
        ),
    ]
    assert [r.status_code for r in member_admin_only] == [403, 403]
