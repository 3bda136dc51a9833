"""Access to a project reached by its own id: 404 unless the caller belongs to its
organisation (same answers as ``backend.orgs.deps``), 403 below the required role."""

from __future__ import annotations

import uuid

from backend.auth.models import User
from backend.db import Database
from backend.orgs.deps import check_org_role
from backend.orgs.models import Role
from backend.projects.models import Project
from backend.projects.service import get_project


async def project_for(
    database: Database, user: User, project_id: uuid.UUID, minimum: Role | str = Role.VIEWER
) -> Project:
    async with database.session(read_only=True) as session:
        project = await get_project(session, project_id)
        session.expunge(project)
    await check_org_role(database, user, project.org_id, minimum)
    return project
