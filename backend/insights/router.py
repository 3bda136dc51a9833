"""``/api/projects/{project_id}/insights``: the dashboard home."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from backend.auth.deps import CurrentUser
from backend.db.deps import DatabaseDep
from backend.insights.service import ProjectInsights, project_insights
from backend.projects.access import project_for

router = APIRouter(tags=["projects"])


@router.get("/api/projects/{project_id}/insights", response_model=ProjectInsights)
async def get_project_insights(
    project_id: uuid.UUID, user: CurrentUser, database: DatabaseDep
) -> ProjectInsights:
    """The dashboard home: pass and cache hit rates per day, failing and flaky tests,
    upcoming schedules (viewers and up; another organisation's project is a 404)."""
    project = await project_for(database, user, project_id)
    async with database.session(read_only=True) as session:
        return await project_insights(session, project.id)
