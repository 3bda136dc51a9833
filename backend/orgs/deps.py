"""The one dependency that guards everything belonging to an organisation.

Use it on every endpoint whose path has an ``{org_id}``::

    from backend.orgs.deps import OrgAdmin, OrgMember, OrgViewer, require_org_role

    @router.get("/api/orgs/{org_id}/projects")
    async def list_projects(access: OrgViewer, session: ReadSessionDep) -> ...:
        org, membership = access          # or access.org / access.membership
        ... query with .where(Project.org_id == org.id) ...

    @router.post("/api/orgs/{org_id}/projects")
    async def create_project(access: OrgMember, session: SessionDep) -> ...

Answers:

* 401 without a valid access token (see :mod:`backend.auth.deps`);
* **404** when the organisation does not exist *or the caller is not a member*: the two
  cases look the same, so nobody learns which ids exist;
* 403 ``insufficient_role`` when the caller is a member with a lower role than required.

Roles, lowest first: viewer < member < admin < owner. ``require_org_role("member")``
admits members, admins and owners.

For resources reached by their own id (``/api/projects/{project_id}``), load the resource,
then call :func:`check_org_role` with its ``org_id`` — same answers, same rules.

The organisation and membership are loaded in a short read transaction of their own and
handed over detached (read them freely; to change them, ``session.get`` them again).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, NamedTuple

from fastapi import Depends, Request

from backend.auth.deps import CurrentUser
from backend.auth.models import User
from backend.db import Database
from backend.kit.errors import Forbidden, NotFound
from backend.orgs.models import Membership, Organization, Role
from backend.orgs.service import find_membership


class OrgAccess(NamedTuple):
    org: Organization
    membership: Membership

    @property
    def role(self) -> Role:
        return self.membership.role_enum


async def check_org_role(
    database: Database, user: User, org_id: uuid.UUID, minimum: Role | str
) -> OrgAccess:
    """404 unless ``user`` belongs to ``org_id``; 403 unless their role is ≥ ``minimum``."""
    required = Role(minimum)
    async with database.session(read_only=True) as session:
        found = await find_membership(session, org_id, user.id)
        if found is not None:
            session.expunge_all()
    if found is None:
        raise NotFound("No such organisation.")
    org, membership = found
    if not membership.role_enum.at_least(required):
        raise Forbidden(
            f"This needs the {required.value} role or higher in this organisation; "
            f"you are {membership.role}.",
            code="insufficient_role",
            details={"required": required.value, "role": membership.role},
        )
    return OrgAccess(org=org, membership=membership)


def require_org_role(minimum: Role | str) -> Callable[..., Awaitable[OrgAccess]]:
    """A FastAPI dependency for paths with ``{org_id}``: the caller's access to it, or 404/403."""
    required = Role(minimum)

    async def dependency(org_id: uuid.UUID, request: Request, user: CurrentUser) -> OrgAccess:
        return await check_org_role(request.app.state.db, user, org_id, required)

    dependency.__name__ = f"require_org_{required.value}"
    return dependency


OrgViewer = Annotated[OrgAccess, Depends(require_org_role(Role.VIEWER))]
OrgMember = Annotated[OrgAccess, Depends(require_org_role(Role.MEMBER))]
OrgAdmin = Annotated[OrgAccess, Depends(require_org_role(Role.ADMIN))]
OrgOwner = Annotated[OrgAccess, Depends(require_org_role(Role.OWNER))]
