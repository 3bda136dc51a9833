"""``/api/projects/{project_id}/repository``, ``/api/orgs/{org_id}/repositories`` and
``/api/repositories/{repository_id}``: connect, list, show, refresh, disconnect.

Connecting and disconnecting need the admin role (credentials are involved); reading
needs membership. Another organisation's repositories answer 404.
"""

from __future__ import annotations

import uuid

import httpx
from fastapi import APIRouter, Request, Response

from backend.auth.audit import AuditedSessionDep, AuditTrailDep
from backend.auth.deps import CurrentUser
from backend.config import Settings
from backend.db.deps import DatabaseDep, ReadSessionDep, SessionDep
from backend.kit.keys import KeyRing
from backend.orgs.deps import OrgViewer
from backend.orgs.models import Role
from backend.projects.access import project_for
from backend.projects.models import Project
from backend.repositories import service
from backend.repositories.access import repository_for
from backend.repositories.schemas import RepositoryConnect, RepositoryOut

router = APIRouter(tags=["repositories"])


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _keyring(request: Request) -> KeyRing:
    keyring: KeyRing = request.app.state.keyring
    return keyring


@router.post("/api/projects/{project_id}/repository", status_code=201, response_model=RepositoryOut)
async def connect_repository(
    project_id: uuid.UUID,
    body: RepositoryConnect,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
    request: Request,
) -> RepositoryOut:
    await project_for(database, user, project_id, Role.ADMIN)
    project = await session.get(Project, project_id, with_for_update=True)
    assert project is not None  # project_for found it; the cascade would take us too
    settings = _settings(request)
    if body.provider == "github":
        async with httpx.AsyncClient(timeout=settings.github_timeout_seconds) as http:
            repository = await service.connect_github(
                session, project, body, settings=settings, keyring=_keyring(request), http=http
            )
    else:
        repository = await service.connect_local(session, project, body, settings=settings)
    out = RepositoryOut.of(repository)
    audit.record(
        "repository.connect",
        user_id=user.id,
        org_id=repository.org_id,
        details={
            "repository_id": str(repository.id),
            "project_id": str(project_id),
            "provider": out.provider,
            "full_name": out.full_name,
            "auth": out.auth,
        },
    )
    return out


@router.get("/api/projects/{project_id}/repository", response_model=RepositoryOut)
async def project_repository(
    project_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> RepositoryOut:
    project = await project_for(database, user, project_id)
    # A project on a local git repository runs from that folder: it is its repository,
    # connected from the first look (the dashboard must not offer to connect it).
    await service.adopt_local_sources(database, [project])
    return RepositoryOut.of(await service.repository_of_project(session, project_id))


@router.get("/api/orgs/{org_id}/repositories", response_model=list[RepositoryOut])
async def list_repositories(
    access: OrgViewer,
    database: DatabaseDep,
    session: ReadSessionDep,
    include_disconnected: bool = False,
) -> list[RepositoryOut]:
    async with database.session(read_only=True) as read:
        unconnected = await service.projects_without_repository(read, access.org.id)
        read.expunge_all()
    await service.adopt_local_sources(database, unconnected)
    rows = await service.list_repositories(
        session, access.org.id, include_disconnected=include_disconnected
    )
    return [RepositoryOut.of(r) for r in rows]


@router.get("/api/repositories/{repository_id}", response_model=RepositoryOut)
async def get_repository(
    repository_id: uuid.UUID, user: CurrentUser, database: DatabaseDep
) -> RepositoryOut:
    return RepositoryOut.of(await repository_for(database, user, repository_id))


@router.post(
    "/api/repositories/{repository_id}/protected-branches/refresh", response_model=RepositoryOut
)
async def refresh_protected_branches(
    repository_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: SessionDep,
    request: Request,
) -> RepositoryOut:
    await repository_for(database, user, repository_id, Role.MEMBER)
    repository = await service.get_repository(session, repository_id)
    settings = _settings(request)
    async with httpx.AsyncClient(timeout=settings.github_timeout_seconds) as http:
        await service.refresh_protected_branches(
            repository, settings=settings, keyring=_keyring(request), http=http
        )
    await session.flush()
    return RepositoryOut.of(repository)


@router.delete("/api/repositories/{repository_id}", status_code=204)
async def disconnect_repository(
    repository_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> Response:
    await repository_for(database, user, repository_id, Role.ADMIN)
    repository = await service.disconnect(
        session, await service.get_repository(session, repository_id)
    )
    audit.record(
        "repository.disconnect",
        user_id=user.id,
        org_id=repository.org_id,
        details={"repository_id": str(repository.id), "full_name": repository.full_name},
    )
    return Response(status_code=204)
