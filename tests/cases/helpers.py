"""A signed-in owner with a project, and a few calls the cases tests share."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from backend.kit.time import utcnow
from backend.runs.models import Run, RunTest
from tests.orgs.helpers import join
from tests.runs.helpers import Api, make_git_repo, signed_in_api


@dataclass
class Project:
    client: httpx.AsyncClient
    owner: Api
    id: str
    org_id: str

    @property
    def headers(self) -> dict[str, str]:
        return self.owner.headers

    async def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
        response = await self.client.post(path, json=body, headers=headers or self.headers)
        assert response.status_code in (200, 201), response.text
        return response.json()

    async def get(self, path: str, **params: Any) -> Any:
        response = await self.client.get(path, params=params, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def case(self, title: str, **fields: Any) -> dict[str, Any]:
        created: dict[str, Any] = await self.post(
            f"/api/projects/{self.id}/cases", {"title": title, **fields}
        )
        return created

    async def member(self, email: str, role: str = "member") -> dict[str, str]:
        return await join(self.client, self.org_id, self.headers, email, role)


async def a_project(
    client: httpx.AsyncClient, tmp_path: Path, email: str = "qa@example.com"
) -> Project:
    owner = await signed_in_api(client, email)
    repo = make_git_repo(
        tmp_path / f"repo-{uuid.uuid4().hex[:6]}", {"tests/test_a.py": "def test_a():\n    pass\n"}
    )
    project = await owner.project(repo, "shop")
    return Project(client=client, owner=owner, id=project["id"], org_id=owner.org_id)


async def user_id(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    me = await client.get("/api/auth/me", headers=headers)
    assert me.status_code == 200, me.text
    return str(me.json()["id"])


async def finished_run_with(
    app: FastAPI, project_id: str, tests: list[tuple[str, str, dict[str, Any]]]
) -> uuid.UUID:
    """A finished run whose results are ``(node_id, outcome, meta)`` as the plugin reports
    them, then the run-finished hook as the executor calls it."""
    from backend.cases.hooks import CASE_RUN_HOOKS

    async with app.state.db.session() as session:
        run = Run(
            project_id=uuid.UUID(project_id),
            trigger="manual",
            status="failed" if any(o != "passed" for _, o, _ in tests) else "passed",
            selection={},
            options={},
            finished_at=utcnow(),
            total=len(tests),
        )
        session.add(run)
        await session.flush()
        for node_id, outcome, meta in tests:
            session.add(
                RunTest(
                    run_id=run.id,
                    node_id=node_id,
                    outcome=outcome,
                    duration=0.5,
                    error_message="assert 1 == 2" if outcome == "failed" else None,
                    meta=meta,
                )
            )
        run_id = run.id
    await CASE_RUN_HOOKS.finished(run_id, app.state.settings)
    return run_id
