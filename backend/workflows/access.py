"""Access to a workflow reached by its own id: 404 unless the caller belongs to its
project's organisation, 403 below the required role."""

from __future__ import annotations

import uuid

from backend.auth.models import User
from backend.db import Database
from backend.orgs.deps import check_org_role
from backend.orgs.models import Role
from backend.projects.models import Project
from backend.workflows.models import Workflow
from backend.workflows.service import get_workflow


async def workflow_for(
    database: Database, user: User, workflow_id: uuid.UUID, minimum: Role = Role.VIEWER
) -> tuple[Workflow, Project]:
    async with database.session(read_only=True) as session:
        workflow = await get_workflow(session, workflow_id)
        project = await session.get(Project, workflow.project_id)
        assert project is not None  # the foreign key cascades
        session.expunge_all()
    await check_org_role(database, user, project.org_id, minimum)
    return workflow, project
