"""Access to a case, suite, section, custom field, saved filter, plan or plan run reached
by its own id: 404 unless the caller belongs to its project's organisation (the same
answer as an id that does not exist), 403 below the required role."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from backend.auth.models import User
from backend.cases.models import (
    CustomField,
    PlanRun,
    SavedFilter,
    Section,
    Suite,
    TestCase,
    TestPlan,
)
from backend.db import Database
from backend.kit.errors import NotFound
from backend.orgs.deps import check_org_role
from backend.orgs.models import Role
from backend.projects.models import Project

T = TypeVar("T")

_NAMES: dict[type[Any], str] = {
    TestCase: "test case",
    Suite: "suite",
    Section: "section",
    CustomField: "custom field",
    SavedFilter: "saved filter",
    TestPlan: "test plan",
    PlanRun: "plan run",
}


async def object_for(
    database: Database, user: User, model: type[T], object_id: uuid.UUID, minimum: Role
) -> tuple[T, Project]:
    """The object (detached) and its project, after the organisation and role checks."""
    async with database.session(read_only=True) as session:
        found: Any = await session.get(model, object_id)
        project_id = None
        if isinstance(found, Section):
            suite = await session.get(Suite, found.suite_id)
            project_id = suite.project_id if suite else None
        elif found is not None:
            project_id = found.project_id
        project = await session.get(Project, project_id) if project_id else None
        session.expunge_all()
    if found is None or project is None:
        raise NotFound(f"No such {_NAMES.get(model, 'object')}.")
    await check_org_role(database, user, project.org_id, minimum)
    return found, project
