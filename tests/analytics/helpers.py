"""Finished runs written as the executor leaves them (run row + its results), then the
analytics hook applied, as the registered after-finish hook does."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from backend.analytics.quarantine import after_run_finished
from backend.runs.models import Run, RunTest
from tests.runs.helpers import Api, make_git_repo, signed_in_api

Result = str | dict[str, Any]


@dataclass
class Project:
    api: Api
    id: str

    @property
    def base(self) -> str:
        return f"/api/projects/{self.id}/analytics"

    async def get(self, path: str, **params: Any) -> Any:
        response = await self.api.client.get(
            self.base + path, params=params, headers=self.api.headers
        )
        assert response.status_code == 200, response.text
        return response.json()


async def new_project(
    client: httpx.AsyncClient, tmp_path: Path, email: str = "owner@example.com"
) -> Project:
    api = await signed_in_api(client, email)
    project = await api.project(make_git_repo(tmp_path / email, {"tests/test_a.py": ""}))
    return Project(api=api, id=project["id"])


async def finished_run(
    app: FastAPI,
    project_id: str,
    results: Mapping[str, Result],
    *,
    at: datetime,
    commit: str | None = "c0ffee01",
    branch: str = "main",
    cache_stats: dict[str, Any] | None = None,
    hook: bool = True,
) -> str:
    rows = []
    for node, result in results.items():
        spec = {"outcome": result} if isinstance(result, str) else dict(result)
        rows.append((node, spec))
    outcomes = [spec["outcome"] for _, spec in rows]
    failed = outcomes.count("failed")
    errors = outcomes.count("error")
    async with app.state.db.session() as session:
        run = Run(
            project_id=uuid.UUID(project_id),
            trigger="manual",
            branch=branch,
            commit_sha=commit,
            status="failed" if failed or errors else "passed",
            finished_at=at,
            total=len(outcomes),
            passed=outcomes.count("passed"),
            failed=failed,
            errors=errors,
            skipped=outcomes.count("skipped"),
            flaky=sum(1 for _, s in rows if s.get("flaky")),
            cache_stats=cache_stats or {},
        )
        session.add(run)
        await session.flush()
        for node, spec in rows:
            session.add(
                RunTest(
                    run_id=run.id,
                    node_id=node,
                    outcome=spec["outcome"],
                    duration=spec.get("duration", 0.1),
                    error_message=spec.get("error"),
                    traceback=spec.get("traceback"),
                    retries=spec.get("retries", 0),
                    flaky=spec.get("flaky", False),
                    steps=spec.get("steps", []),
                    meta=spec.get("meta", {}),
                )
            )
        run_id = run.id
    if hook:
        async with app.state.db.session() as session:
            stored = await session.get(Run, run_id)
            assert stored is not None
            await after_run_finished(session, stored)
    return str(run_id)
