"""``/api/projects/{project_id}/analytics/...``: viewers read; members quarantine and
triage; admins change the monitors. Another organisation's project (or its runs and
clusters) is a 404. A test is named by the ``test`` query parameter (node ids contain
``::`` and ``[...]``)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import AfterValidator
from sqlalchemy.ext.asyncio import AsyncSession

from backend.analytics import quarantine as quarantine_service
from backend.analytics import service
from backend.analytics.schemas import (
    ClusterDecisionIn,
    ClusterDetail,
    ClusterPage,
    Comparison,
    Cost,
    FlakyPage,
    HistoryPage,
    MonitorSettingsIn,
    QuarantineIn,
    QuarantineItem,
    QuarantinePage,
    TestPage,
    TestStatus,
    Trends,
)
from backend.auth.audit import AuditedSessionDep, AuditTrailDep
from backend.auth.deps import CurrentUser
from backend.auth.models import User
from backend.db.deps import DatabaseDep
from backend.kit.errors import Forbidden, NotFound
from backend.kit.text import refuse_control_characters
from backend.orgs.models import Role
from backend.orgs.service import find_membership
from backend.projects.access import project_for
from backend.projects.models import Project
from backend.projects.service import get_project


def _no_controls(value: str | None) -> str | None:
    return refuse_control_characters(value) if value is not None else None


router = APIRouter(prefix="/api/projects/{project_id}/analytics", tags=["analytics"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
# Control characters (a NUL byte above all) are refused with a 422 naming the parameter:
# PostgreSQL cannot compare them, and a CSV stream could only break off half-way.
TestParam = Annotated[
    str, Query(min_length=1, max_length=2000), AfterValidator(refuse_control_characters)
]
Text = Annotated[str | None, Query(max_length=500), AfterValidator(_no_controls)]


async def _project(
    database: DatabaseDep, user: CurrentUser, project_id: uuid.UUID, role: Role = Role.VIEWER
) -> Project:
    return await project_for(database, user, project_id, role)


async def _access(
    session: AsyncSession, user: User, project_id: uuid.UUID, minimum: Role = Role.VIEWER
) -> Project:
    """``project_for``'s answers (404 outside the organisation, 403 below ``minimum``) in
    the session the endpoint then reads with: one connection per request, not three."""
    project = await get_project(session, project_id)
    found = await find_membership(session, project.org_id, user.id)
    if found is None:
        raise NotFound("No such project.")
    membership = found[1]
    if not membership.role_enum.at_least(minimum):
        raise Forbidden(
            f"This needs the {minimum.value} role or higher in this organisation; "
            f"you are {membership.role}.",
            code="insufficient_role",
            details={"required": minimum.value, "role": membership.role},
        )
    return project


@router.get("/tests", response_model=TestPage)
async def search_tests(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    q: Text = None,
    file: Text = None,
    marker: Text = None,
    outcome: Text = None,
    owner: Text = None,
    status: Literal["healthy", "flaky", "broken"] | None = None,
    quarantined: bool | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> TestPage:
    async with database.session(read_only=True) as session:
        project = await _access(session, user, project_id)
        return await service.search_tests(
            session,
            project.id,
            q=q,
            file=file,
            marker=marker,
            outcome=outcome,
            owner=owner,
            status=status,
            quarantined=quarantined,
            limit=limit,
            offset=offset,
        )


@router.get("/tests/history", response_model=HistoryPage)
async def get_test_history(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    test: TestParam,
    branch: Text = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> HistoryPage:
    async with database.session(read_only=True) as session:
        project = await _access(session, user, project_id)
        return await service.history(
            session,
            project.id,
            test,
            branch=branch,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )


@router.get("/tests/status", response_model=TestStatus)
async def get_test_status(
    project_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, test: TestParam
) -> TestStatus:
    async with database.session(read_only=True) as session:
        project = await _access(session, user, project_id)
        return await service.test_status(session, project.id, test)


@router.get("/compare", response_model=Comparison)
async def compare_runs(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    base: uuid.UUID,
    head: uuid.UUID,
) -> Comparison:
    async with database.session(read_only=True) as session:
        project = await _access(session, user, project_id)
        return await service.compare(session, project.id, base, head)


@router.get("/trends", response_model=Trends)
async def trends(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    test: Annotated[
        str | None, Query(min_length=1, max_length=2000), AfterValidator(_no_controls)
    ] = None,
    since: datetime | None = None,
    bucket: Literal["day", "week"] = "day",
) -> Trends:
    async with database.session(read_only=True) as session:
        project = await _access(session, user, project_id)
        return await service.trends(session, project.id, test=test, since=since, bucket=bucket)


@router.get("/flaky", response_model=FlakyPage)
async def flaky(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> FlakyPage:
    async with database.session(read_only=True) as session:
        project = await _access(session, user, project_id)
        return await service.flaky_tests(session, project.id, limit=limit, offset=offset)


@router.get("/settings", response_model=MonitorSettingsIn)
async def get_settings(
    project_id: uuid.UUID, user: CurrentUser, database: DatabaseDep
) -> MonitorSettingsIn:
    async with database.session(read_only=True) as session:
        project = await _access(session, user, project_id)
        return await service.get_settings(session, project.id)


@router.put("/settings", response_model=MonitorSettingsIn)
async def put_settings(
    project_id: uuid.UUID,
    body: MonitorSettingsIn,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> MonitorSettingsIn:
    project = await _access(session, user, project_id, Role.ADMIN)
    saved = await service.put_settings(session, project.id, body, user.id)
    audit.record(
        "analytics.settings",
        user_id=user.id,
        org_id=project.org_id,
        details={"project_id": str(project.id), **body.model_dump()},
    )
    return saved


@router.get("/quarantine", response_model=QuarantinePage)
async def list_quarantine(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> QuarantinePage:
    async with database.session(read_only=True) as session:
        project = await _access(session, user, project_id)
        return await service.quarantine_list(session, project.id, limit=limit, offset=offset)


@router.post("/quarantine", response_model=QuarantineItem, status_code=201)
async def add_quarantine(
    project_id: uuid.UUID,
    body: QuarantineIn,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> QuarantineItem:
    project = await _access(session, user, project_id, Role.MEMBER)
    row = await quarantine_service.quarantine(
        session, project.id, body.test, reason=body.reason, by="user", by_user_id=user.id
    )
    audit.record(
        "analytics.quarantine",
        user_id=user.id,
        org_id=project.org_id,
        details={"project_id": str(project.id), "test": body.test, "reason": body.reason},
    )
    return await service.quarantine_item(session, row)


@router.delete("/quarantine", status_code=204)
async def release_quarantine(
    project_id: uuid.UUID,
    test: TestParam,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> None:
    project = await _access(session, user, project_id, Role.MEMBER)
    await quarantine_service.release(session, project.id, test, reason=f"released by {user.email}")
    audit.record(
        "analytics.release",
        user_id=user.id,
        org_id=project.org_id,
        details={"project_id": str(project.id), "test": test},
    )


@router.get("/clusters", response_model=ClusterPage)
async def list_clusters(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    decision: Literal["none", "product_bug", "automation_bug", "environment", "to_investigate"]
    | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ClusterPage:
    async with database.session(read_only=True) as session:
        project = await _access(session, user, project_id)
        return await service.clusters(
            session, project.id, decision=decision, limit=limit, offset=offset
        )


@router.get("/clusters/{cluster_id}", response_model=ClusterDetail)
async def get_cluster(
    project_id: uuid.UUID, cluster_id: uuid.UUID, user: CurrentUser, database: DatabaseDep
) -> ClusterDetail:
    async with database.session(read_only=True) as session:
        project = await _access(session, user, project_id)
        return await service.cluster_detail(session, project.id, cluster_id)


@router.put("/clusters/{cluster_id}", response_model=ClusterDetail)
async def decide_cluster(
    project_id: uuid.UUID,
    cluster_id: uuid.UUID,
    body: ClusterDecisionIn,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> ClusterDetail:
    project = await _access(session, user, project_id, Role.MEMBER)
    detail = await service.decide_cluster(
        session,
        project.id,
        cluster_id,
        decision=body.decision,
        note=body.note,
        defect_id=body.defect_id,
        user_id=user.id,
    )
    audit.record(
        "analytics.triage",
        user_id=user.id,
        org_id=project.org_id,
        details={
            "project_id": str(project.id),
            "cluster_id": str(cluster_id),
            "decision": body.decision,
        },
    )
    return detail


@router.get("/cost", response_model=Cost)
async def cost(
    project_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, since: datetime | None = None
) -> Cost:
    async with database.session(read_only=True) as session:
        project = await _access(session, user, project_id)
        return await service.cost(session, project.id, since)


def _csv(request: Request, query: Any, header: tuple[str, ...], name: str) -> StreamingResponse:
    database = request.app.state.db

    async def lines() -> AsyncIterator[str]:
        async with database.session(read_only=True) as session:
            async for chunk in service.export_rows(session, query, header):
                yield chunk

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/export/runs.csv", response_class=StreamingResponse)
async def export_runs(
    project_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, request: Request
) -> StreamingResponse:
    project = await _project(database, user, project_id)
    return _csv(request, service.runs_query(project.id), service.RUN_COLUMNS, "runs.csv")


@router.get("/export/results.csv", response_class=StreamingResponse)
async def export_results(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    request: Request,
    since: datetime | None = None,
) -> StreamingResponse:
    project = await _project(database, user, project_id)
    query = service.results_query(project.id, since=since)
    return _csv(request, query, service.RESULT_COLUMNS, "results.csv")


@router.get("/export/history.csv", response_class=StreamingResponse)
async def export_history(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    request: Request,
    test: TestParam,
) -> StreamingResponse:
    project = await _project(database, user, project_id)
    query = service.results_query(project.id, test=test)
    return _csv(request, query, service.RESULT_COLUMNS, "history.csv")
