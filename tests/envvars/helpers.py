"""Helpers for environment variable tests: members with a role, workflows in the database."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI

from backend.projects.models import Project
from backend.repositories.models import Repository
from backend.workflows.models import Workflow


async def add_repository(
    app: FastAPI,
    project_id: str,
    *,
    full_name: str = "acme/shop",
    token_encrypted: bytes | None = None,
) -> uuid.UUID:
    """A connected GitHub repository row for the project (the repositories api is tested
    elsewhere; these tests need only the row)."""
    async with app.state.db.session() as session:
        project_uuid = uuid.UUID(project_id)
        project = await session.get(Project, project_uuid)
        assert project is not None
        repository = Repository(
            org_id=project.org_id,
            project_id=project_uuid,
            provider="github",
            full_name=full_name,
            clone_url=f"https://github.com/{full_name}.git",
            default_branch="main",
            token_encrypted=token_encrypted,
            protected_branches=[],
        )
        session.add(repository)
        await session.flush()
        return repository.id


async def add_workflow(
    app: FastAPI,
    project_id: str,
    repository_id: uuid.UUID,
    *,
    name: str = "e2e",
    environment: dict[str, Any] | None = None,
) -> uuid.UUID:
    async with app.state.db.session() as session:
        workflow = Workflow(
            repository_id=repository_id,
            project_id=uuid.UUID(project_id),
            name=name,
            enabled=True,
            config={"environment": environment or {"name": "default", "required": []}},
            version=1,
        )
        session.add(workflow)
        await session.flush()
        return workflow.id
