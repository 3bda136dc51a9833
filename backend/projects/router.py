"""``/api/orgs/{org_id}/projects`` and ``/api/projects/{project_id}``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from backend.auth.audit import AuditedSessionDep, AuditTrailDep
from backend.auth.deps import CurrentUser
from backend.db.deps import DatabaseDep, ReadSessionDep
from backend.orgs.deps import OrgMember, OrgViewer
from backend.projects import service
from backend.projects.access import project_for
from backend.projects.schemas import ProjectCreate, ProjectOut

router = APIRouter(tags=["projects"])


@router.post("/api/orgs/{org_id}/projects", status_code=201, response_model=ProjectOut)
async def create_project(
    body: ProjectCreate,
    access: OrgMember,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
    request: Request,
) -> ProjectOut:
    project = await service.create_project(
        session,
        access.org.id,
        name=body.name,
        repository=body.repository,
        default_branch=body.default_branch,
        settings=request.app.state.settings,
    )
    audit.record(
        "project.create",
        user_id=access.membership.user_id,
        org_id=project.org_id,
        details={
            "project_id": str(project.id),
            "name": project.name,
            "repository": project.repository,
        },
    )
    return ProjectOut.model_validate(project)


@router.get("/api/orgs/{org_id}/projects", response_model=list[ProjectOut])
async def list_projects(access: OrgViewer, session: ReadSessionDep) -> list[ProjectOut]:
    return [
        ProjectOut.model_validate(p) for p in await service.list_projects(session, access.org.id)
    ]


@router.get("/api/projects/{project_id}", response_model=ProjectOut)
async def get_project(
    project_id: uuid.UUID, user: CurrentUser, database: DatabaseDep
) -> ProjectOut:
    return ProjectOut.model_validate(await project_for(database, user, project_id))
