"""Access to a repository reached by its own id: 404 unless the caller belongs to its
organisation (as ``backend.orgs.deps``), 403 below the required role."""

from __future__ import annotations

import uuid

from backend.auth.models import User
from backend.db import Database
from backend.orgs.deps import check_org_role
from backend.orgs.models import Role
from backend.repositories.models import Repository
from backend.repositories.service import get_repository


async def repository_for(
    database: Database, user: User, repository_id: uuid.UUID, minimum: Role = Role.VIEWER
) -> Repository:
    async with database.session(read_only=True) as session:
        repository = await get_repository(session, repository_id)
        session.expunge(repository)
    await check_org_role(database, user, repository.org_id, minimum)
    return repository
