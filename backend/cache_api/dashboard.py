"""``/api/projects/{project_id}/cache/…``: the element cache as the dashboard sees it.

The store routes in ``backend.cache_api.router`` take only run tokens (test processes); people
read the same data here with their session, checked against the project's organisation
(viewer to read, member to invalidate; another organisation's project answers 404).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.deps import CurrentUser
from backend.cache.store.common import STATUSES, UnknownElement, policy_from_settings
from backend.cache.store.postgres import DatabaseStore
from backend.db.deps import DatabaseDep, ReadSessionDep, SessionDep
from backend.kit.errors import NotFound
from backend.orgs.models import Role
from backend.projects.access import project_for

router = APIRouter(prefix="/api/projects/{project_id}/cache", tags=["cache"])

KeyQuery = Annotated[str, Query(min_length=1, max_length=255)]
MAX_DECISIONS = 500


class DashboardInvalidate(BaseModel):
    key: str = Field(min_length=1, max_length=255)
    reason: str = Field(default="", max_length=2000)


def _store(request: Request, session: AsyncSession) -> DatabaseStore:
    return DatabaseStore.in_session(session, policy_from_settings(request.app.state.settings))


@router.get("/elements", response_model=None)
async def list_elements(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: ReadSessionDep,
    request: Request,
    route: Annotated[str | None, Query(max_length=2000)] = None,
    status: Annotated[str | None, Query(pattern="^(" + "|".join(STATUSES) + ")$")] = None,
) -> dict[str, Any]:
    await project_for(database, user, project_id)
    elements = await _store(request, session).list_elements(
        str(project_id), route=route, status=status
    )
    return {"elements": [dict(e) for e in elements]}


@router.get("/element/versions", response_model=None)
async def element_versions(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: ReadSessionDep,
    request: Request,
    key: KeyQuery,
) -> dict[str, Any]:
    await project_for(database, user, project_id)
    versions = await _store(request, session).versions(str(project_id), key)
    return {"versions": [dict(v) for v in versions]}


@router.get("/decisions", response_model=None)
async def list_decisions(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: ReadSessionDep,
    request: Request,
    key: Annotated[str | None, Query(max_length=255)] = None,
) -> dict[str, Any]:
    await project_for(database, user, project_id)
    decisions = await _store(request, session).decisions(str(project_id), key)
    # Newest first, and only the latest ones: the audit trail grows with every lookup.
    return {"decisions": [dict(d) for d in reversed(decisions[-MAX_DECISIONS:])]}


@router.get("/stats", response_model=None)
async def cache_stats(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: ReadSessionDep,
    request: Request,
) -> dict[str, Any]:
    await project_for(database, user, project_id)
    return dict(await _store(request, session).stats(str(project_id)))


@router.post("/element/invalidate", status_code=204)
async def invalidate_element(
    project_id: uuid.UUID,
    body: DashboardInvalidate,
    user: CurrentUser,
    database: DatabaseDep,
    session: SessionDep,
    request: Request,
) -> Response:
    await project_for(database, user, project_id, Role.MEMBER)
    try:
        await _store(request, session).invalidate(
            str(project_id), body.key, actor="person", reason=body.reason or f"by {user.email}"
        )
    except UnknownElement as exc:
        raise NotFound(
            f"No cached element {exc.key!r} in this project.",
            code="unknown_element",
            details={"key": exc.key},
        ) from exc
    return Response(status_code=204)
