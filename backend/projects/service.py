"""Projects: create, list, find (scoped to an organisation)."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.kit.errors import Conflict, NotFound, Unprocessable
from backend.projects.models import Project

REMOTE_SCHEMES = ("https", "http")


def check_repository(source: str, settings: Settings) -> str:
    """The repository source as stored, or a 422 naming what is wrong with it."""
    source = source.strip()
    if source.startswith("-"):
        raise _bad_repository("a repository must be a URL or a path, not an option")
    scheme = urlsplit(source).scheme
    if scheme in REMOTE_SCHEMES:
        parts = urlsplit(source)
        if parts.username or parts.password:
            raise _bad_repository("credentials in the URL are refused; connect the repository")
        if not parts.hostname:
            raise _bad_repository("the URL has no host")
        return source
    if scheme not in ("", "file"):
        raise _bad_repository(f"unsupported URL scheme {scheme!r}; use https:// (or file://)")
    if not settings.local_repositories_allowed:
        raise _bad_repository(
            "local paths and file:// URLs are only accepted in embedded mode "
            "(TESTABLE_ALLOW_LOCAL_REPOSITORIES)"
        )
    if scheme == "":
        path = Path(source).expanduser()
        if not path.is_absolute():
            raise _bad_repository("a local repository path must be absolute")
        return str(path)
    return source


def _bad_repository(message: str) -> Unprocessable:
    return Unprocessable(
        f"repository: {message}", details=[{"field": "repository", "message": message}]
    )


async def create_project(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    name: str,
    repository: str,
    default_branch: str | None,
    settings: Settings,
) -> Project:
    source = check_repository(repository, settings)
    existing = await session.scalar(
        select(Project.id).where(Project.org_id == org_id, Project.name == name)
    )
    if existing is not None:
        raise Conflict(
            f"A project named {name!r} already exists in this organisation.",
            code="project_exists",
            details={"name": name},
        )
    project = Project(
        id=uuid.uuid4(),
        org_id=org_id,
        name=name,
        repository=source,
        default_branch=default_branch,
    )
    session.add(project)
    await session.flush()
    return project


async def list_projects(session: AsyncSession, org_id: uuid.UUID) -> list[Project]:
    rows = await session.scalars(
        select(Project).where(Project.org_id == org_id).order_by(Project.name)
    )
    return list(rows)


async def get_project(session: AsyncSession, project_id: uuid.UUID) -> Project:
    """The project, or 404 (callers then check the caller's role in ``project.org_id``)."""
    project = await session.get(Project, project_id)
    if project is None:
        raise NotFound("No such project.")
    return project
