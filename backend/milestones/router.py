"""``/api/projects/{project_id}/milestones`` and ``/api/milestones/{milestone_id}``: plan a
milestone, attach runs, cases and defects, read its progress, burndown, workload, coverage
and report (JSON or CSV), close it with a summary.

Viewers read; members plan, attach, set capacities, close and reopen; admins delete.
Another organisation's milestone answers 404.
"""

from __future__ import annotations

import csv
import io
import uuid

from fastapi import APIRouter, Response

from backend.auth.audit import AuditedSessionDep, AuditTrailDep
from backend.auth.deps import CurrentUser
from backend.auth.models import User
from backend.db import Database
from backend.db.deps import DatabaseDep, ReadSessionDep
from backend.kit.errors import Unprocessable
from backend.milestones import service
from backend.milestones.models import Milestone, MilestoneStatus
from backend.milestones.schemas import (
    Attach,
    Burndown,
    CapacityList,
    Coverage,
    MilestoneClose,
    MilestoneCreate,
    MilestoneOut,
    MilestoneProgress,
    MilestoneReport,
    MilestoneUpdate,
    TrendPoint,
    Workload,
)
from backend.orgs.models import Role
from backend.projects.access import project_for
from backend.projects.models import Project

router = APIRouter(tags=["milestones"])


def _out(milestone: Milestone) -> MilestoneOut:
    return MilestoneOut(
        id=milestone.id,
        project_id=milestone.project_id,
        name=milestone.name,
        goal=milestone.goal,
        start_date=milestone.start_date,
        due_date=milestone.due_date,
        status=milestone.status,
        summary=milestone.summary,
        closed_at=milestone.closed_at,
        created_at=milestone.created_at,
        updated_at=milestone.updated_at,
    )


async def _milestone_for(
    database: Database, user: User, milestone_id: uuid.UUID, minimum: Role
) -> Project:
    async with database.session(read_only=True) as session:
        project_id = (await service.get_milestone(session, milestone_id)).project_id
    return await project_for(database, user, project_id, minimum)


def _audit(
    audit: AuditTrailDep, action: str, user: User, project: Project, **details: object
) -> None:
    audit.record(
        action,
        user_id=user.id,
        org_id=project.org_id,
        details={"project_id": str(project.id), **details},
    )


@router.get("/api/projects/{project_id}/milestones", response_model=list[MilestoneOut])
async def list_milestones(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: ReadSessionDep,
    status: MilestoneStatus | None = None,
) -> list[MilestoneOut]:
    await project_for(database, user, project_id, Role.VIEWER)
    found = await service.list_milestones(session, project_id, status.value if status else None)
    return [_out(m) for m in found]


@router.post("/api/projects/{project_id}/milestones", response_model=MilestoneOut, status_code=201)
async def create_milestone(
    project_id: uuid.UUID,
    body: MilestoneCreate,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> MilestoneOut:
    project = await project_for(database, user, project_id, Role.MEMBER)
    milestone = await service.create_milestone(
        session,
        project_id,
        name=body.name,
        goal=body.goal,
        start_date=body.start_date,
        due_date=body.due_date,
        user_id=user.id,
    )
    _audit(audit, "milestone.create", user, project, milestone=milestone.name)
    return _out(milestone)


@router.get("/api/projects/{project_id}/milestones/trend", response_model=list[TrendPoint])
async def milestones_trend(
    project_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> list[TrendPoint]:
    """Planned, executed, passing and automated share per milestone, oldest first."""
    await project_for(database, user, project_id, Role.VIEWER)
    return [TrendPoint.model_validate(p) for p in await service.trend(session, project_id)]


@router.get("/api/milestones/{milestone_id}", response_model=MilestoneProgress)
async def get_milestone(
    milestone_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> MilestoneProgress:
    await _milestone_for(database, user, milestone_id, Role.VIEWER)
    milestone = await service.get_milestone(session, milestone_id)
    figures = await service.gather(session, milestone)
    return MilestoneProgress(
        **_out(milestone).model_dump(),
        cases=figures.counts(),
        runs=figures.run_figures(),
        defects=figures.defect_figures(),
        run_ids=figures.run_ids,
        case_ids=figures.direct_case_ids,
        plan_run_ids=figures.plan_run_ids,
    )


@router.patch("/api/milestones/{milestone_id}", response_model=MilestoneOut)
async def update_milestone(
    milestone_id: uuid.UUID,
    body: MilestoneUpdate,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> MilestoneOut:
    project = await _milestone_for(database, user, milestone_id, Role.MEMBER)
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise Unprocessable("nothing to change: give name, goal, start_date or due_date")
    milestone = await service.get_milestone(session, milestone_id, lock=True)
    await service.update_milestone(session, milestone, changes)
    _audit(
        audit, "milestone.update", user, project, milestone=milestone.name, fields=sorted(changes)
    )
    return _out(milestone)


@router.delete("/api/milestones/{milestone_id}", status_code=204)
async def delete_milestone(
    milestone_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> Response:
    """Plans, plan runs and defects stay; they no longer name the milestone."""
    project = await _milestone_for(database, user, milestone_id, Role.ADMIN)
    milestone = await service.get_milestone(session, milestone_id, lock=True)
    name = milestone.name
    await service.delete_milestone(session, milestone)
    _audit(audit, "milestone.delete", user, project, milestone=name)
    return Response(status_code=204)


@router.post("/api/milestones/{milestone_id}/close", response_model=MilestoneOut)
async def close_milestone(
    milestone_id: uuid.UUID,
    body: MilestoneClose,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> MilestoneOut:
    project = await _milestone_for(database, user, milestone_id, Role.MEMBER)
    milestone = await service.get_milestone(session, milestone_id, lock=True)
    await service.close_milestone(session, milestone, body.summary, user.id)
    _audit(audit, "milestone.close", user, project, milestone=milestone.name)
    return _out(milestone)


@router.post("/api/milestones/{milestone_id}/reopen", response_model=MilestoneOut)
async def reopen_milestone(
    milestone_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> MilestoneOut:
    project = await _milestone_for(database, user, milestone_id, Role.MEMBER)
    milestone = await service.get_milestone(session, milestone_id, lock=True)
    await service.reopen_milestone(session, milestone)
    _audit(audit, "milestone.reopen", user, project, milestone=milestone.name)
    return _out(milestone)


@router.post("/api/milestones/{milestone_id}/attach", status_code=204)
async def attach(
    milestone_id: uuid.UUID,
    body: Attach,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
) -> Response:
    await _milestone_for(database, user, milestone_id, Role.MEMBER)
    milestone = await service.get_milestone(session, milestone_id, lock=True)
    await service.attach(
        session,
        milestone,
        run_ids=body.run_ids,
        case_ids=body.case_ids,
        defect_ids=body.defect_ids,
    )
    return Response(status_code=204)


@router.post("/api/milestones/{milestone_id}/detach", status_code=204)
async def detach(
    milestone_id: uuid.UUID,
    body: Attach,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
) -> Response:
    await _milestone_for(database, user, milestone_id, Role.MEMBER)
    milestone = await service.get_milestone(session, milestone_id, lock=True)
    await service.detach(
        session,
        milestone,
        run_ids=body.run_ids,
        case_ids=body.case_ids,
        defect_ids=body.defect_ids,
    )
    return Response(status_code=204)


@router.put("/api/milestones/{milestone_id}/capacity", response_model=Workload)
async def set_capacity(
    milestone_id: uuid.UUID,
    body: CapacityList,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
) -> Workload:
    project = await _milestone_for(database, user, milestone_id, Role.MEMBER)
    milestone = await service.get_milestone(session, milestone_id, lock=True)
    await service.set_capacity(session, milestone, project.org_id, body.people)
    figures = await service.gather(session, milestone)
    return Workload(people=await service.workload(session, figures))


@router.get("/api/milestones/{milestone_id}/burndown", response_model=Burndown)
async def burndown(
    milestone_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> Burndown:
    await _milestone_for(database, user, milestone_id, Role.VIEWER)
    figures = await service.gather(session, await service.get_milestone(session, milestone_id))
    return Burndown.model_validate(service.burndown(figures))


@router.get("/api/milestones/{milestone_id}/workload", response_model=Workload)
async def workload(
    milestone_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> Workload:
    await _milestone_for(database, user, milestone_id, Role.VIEWER)
    figures = await service.gather(session, await service.get_milestone(session, milestone_id))
    return Workload(people=await service.workload(session, figures))


@router.get("/api/milestones/{milestone_id}/coverage", response_model=Coverage)
async def coverage(
    milestone_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> Coverage:
    await _milestone_for(database, user, milestone_id, Role.VIEWER)
    figures = await service.gather(session, await service.get_milestone(session, milestone_id))
    return Coverage.model_validate(await service.coverage(session, figures))


@router.get("/api/milestones/{milestone_id}/report", response_model=MilestoneReport)
async def report(
    milestone_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> MilestoneReport:
    await _milestone_for(database, user, milestone_id, Role.VIEWER)
    milestone = await service.get_milestone(session, milestone_id)
    figures = await service.gather(session, milestone)
    body = await service.report(session, figures)
    return MilestoneReport.model_validate({"milestone": _out(milestone), **body})


@router.get("/api/milestones/{milestone_id}/report.csv", response_class=Response)
async def report_csv(
    milestone_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> Response:
    await _milestone_for(database, user, milestone_id, Role.VIEWER)
    milestone = await service.get_milestone(session, milestone_id)
    figures = await service.gather(session, milestone)
    body = await service.report(session, figures)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in service.report_csv_rows(milestone.name, body):
        writer.writerow([_csv_safe(cell) for cell in row])
    filename = "".join(c if c.isalnum() or c in "-_" else "-" for c in milestone.name)[:80]
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="milestone-{filename}.csv"'},
    )


def _csv_safe(cell: str) -> str:
    """A spreadsheet must not run a test's name as a formula (CSV injection)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
