"""``/api/projects/{project_id}/defects`` and ``/api/defects/{defect_id}``: file a defect from
a failed result (or link the failure to the open defect with the same test and a similar
error), list, read with its runs, change, close and reopen; the project's tracker settings.

Viewers read, members file and change defects, admins choose the tracker. Another
organisation's project or defect answers 404. GitHub hears of a change only after the
transaction commits (the sync job on the outbox).
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request, Response

from backend.auth.audit import AuditedSessionDep, AuditTrailDep
from backend.auth.deps import CurrentUser
from backend.auth.models import User
from backend.config import Settings
from backend.db import Database
from backend.db.deps import DatabaseDep, ReadSessionDep
from backend.defects import service
from backend.defects.models import Defect, DefectStatus, Severity
from backend.defects.schemas import (
    DefectCreate,
    DefectDetail,
    DefectOut,
    DefectPage,
    DefectSettingsIn,
    DefectSettingsOut,
    DefectUpdate,
    FiledDefect,
    OccurrenceOut,
)
from backend.defects.tasks import sync_job
from backend.kit.errors import Conflict, Unprocessable
from backend.kit.pagination import Limit, Offset
from backend.orgs.models import Role
from backend.outbox import OutboxDep
from backend.projects.access import project_for
from backend.projects.models import Project

router = APIRouter(tags=["defects"])


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _out(defect: Defect, occurrences: int = 0) -> DefectOut:
    return DefectOut(
        id=defect.id,
        project_id=defect.project_id,
        key=service.defect_key(defect),
        number=defect.number,
        title=defect.title,
        body=defect.body,
        error_message=defect.error_message,
        test_node_id=defect.test_node_id,
        source=defect.source,
        severity=defect.severity,
        status=defect.status,
        assignee_id=defect.assignee_id,
        github_assignees=[str(x) for x in defect.github_assignees],
        labels=[str(x) for x in defect.labels],
        milestone_id=defect.milestone_id,
        tracker=defect.tracker,
        repository_full_name=defect.repository_full_name,
        issue_number=defect.issue_number,
        issue_url=defect.issue_url,
        sync_state=defect.sync_state,
        sync_error=defect.sync_error,
        first_run_id=defect.first_run_id,
        last_failed_run_id=defect.last_failed_run_id,
        last_failed_at=defect.last_failed_at,
        passing_since_run_id=defect.passing_since_run_id,
        passing_since_at=defect.passing_since_at,
        closed_at=defect.closed_at,
        closed_reason=defect.closed_reason,
        created_by_id=defect.created_by_id,
        created_at=defect.created_at,
        updated_at=defect.updated_at,
        occurrences=occurrences,
    )


async def _defect_for(
    database: Database, user: User, defect_id: uuid.UUID, minimum: Role
) -> tuple[Project, uuid.UUID]:
    """The defect's project when the user may act on it with ``minimum`` (404 otherwise)."""
    async with database.session(read_only=True) as session:
        defect = await service.get_defect(session, defect_id)
        project_id = defect.project_id
    return await project_for(database, user, project_id, minimum), defect_id


def _actor(user: User) -> str:
    return getattr(user, "email", None) or str(user.id)


@router.get("/api/projects/{project_id}/defects", response_model=DefectPage)
async def list_defects(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: ReadSessionDep,
    limit: Limit = 50,
    offset: Offset = 0,
    status: DefectStatus | None = None,
    severity: Severity | None = None,
    assignee_id: uuid.UUID | None = None,
    milestone_id: uuid.UUID | None = None,
    test: str | None = Query(default=None, max_length=500),
) -> DefectPage:
    await project_for(database, user, project_id, Role.VIEWER)
    items, total = await service.list_defects(
        session,
        project_id,
        status=status.value if status else None,
        severity=severity.value if severity else None,
        assignee_id=assignee_id,
        milestone_id=milestone_id,
        test=test,
        limit=limit,
        offset=offset,
    )
    counts = await service.occurrence_counts(session, [d.id for d in items])
    return DefectPage(items=[_out(d, counts.get(d.id, 0)) for d in items], total=total)


@router.post("/api/projects/{project_id}/defects", response_model=FiledDefect)
async def file_defect(
    project_id: uuid.UUID,
    body: DefectCreate,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
    outbox: OutboxDep,
    request: Request,
    response: Response,
) -> FiledDefect:
    """201: a new defect (a GitHub issue follows when the project tracks them there);
    200: the failure was linked to the open defect with the same test and similar error."""
    project = await project_for(database, user, project_id, Role.MEMBER)
    failure = None
    if body.run_test_id is not None:
        failure = await service.failure_of_run_test(session, project_id, body.run_test_id)
    elif body.manual_result_id is not None:
        failure = await service.failure_of_manual_result(session, project_id, body.manual_result_id)
    filed = await service.file_defect(
        session,
        project,
        failure,
        title=body.title,
        description=body.description,
        severity=body.severity.value,
        assignee_id=body.assignee_id,
        labels=list(body.labels),
        user_id=user.id,
        settings=_settings(request),
    )
    if filed.needs_sync:
        outbox.enqueue(session, sync_job(filed.defect.id))
    response.status_code = 201 if filed.created else 200
    audit.record(
        "defect.file" if filed.created else "defect.link",
        user_id=user.id,
        org_id=project.org_id,
        details={
            "project_id": str(project.id),
            "defect": service.defect_key(filed.defect),
            "run_test_id": str(body.run_test_id) if body.run_test_id else None,
        },
    )
    counts = await service.occurrence_counts(session, [filed.defect.id])
    out = _out(filed.defect, counts.get(filed.defect.id, 0))
    return FiledDefect(**out.model_dump(), linked=not filed.created)


@router.get("/api/defects/{defect_id}", response_model=DefectDetail)
async def get_defect(
    defect_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> DefectDetail:
    await _defect_for(database, user, defect_id, Role.VIEWER)
    defect = await service.get_defect(session, defect_id)
    rows = await service.occurrences(session, defect_id)
    runs = [
        OccurrenceOut(
            run_id=o.run_id,
            run_test_id=o.run_test_id,
            outcome=o.outcome,
            error_message=o.error_message,
            at=o.at,
            run_status=run.status if run is not None else None,
            branch=run.branch if run is not None else None,
            commit_sha=run.commit_sha if run is not None else None,
        )
        for o, run in rows
    ]
    return DefectDetail(**_out(defect, len(runs)).model_dump(), runs=runs)


@router.patch("/api/defects/{defect_id}", response_model=DefectOut)
async def update_defect(
    defect_id: uuid.UUID,
    body: DefectUpdate,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
    outbox: OutboxDep,
) -> DefectOut:
    """Closing a GitHub-tracked defect closes its issue (after the commit)."""
    project, _ = await _defect_for(database, user, defect_id, Role.MEMBER)
    defect = await service.get_defect(session, defect_id, lock=True)
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise Unprocessable(
            "nothing to change: give title, severity, assignee_id, labels or status"
        )
    if await service.update_defect(session, project, defect, changes, actor=_actor(user)):
        outbox.enqueue(session, sync_job(defect.id))
    audit.record(
        "defect.update",
        user_id=user.id,
        org_id=project.org_id,
        details={
            "project_id": str(project.id),
            "defect": service.defect_key(defect),
            "fields": sorted(changes),
        },
    )
    counts = await service.occurrence_counts(session, [defect.id])
    return _out(defect, counts.get(defect.id, 0))


@router.post("/api/defects/{defect_id}/sync", response_model=DefectOut, status_code=202)
async def sync_defect(
    defect_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    outbox: OutboxDep,
) -> DefectOut:
    """Try GitHub again (after a failed sync, e.g. a revoked token now replaced)."""
    await _defect_for(database, user, defect_id, Role.MEMBER)
    defect = await service.get_defect(session, defect_id, lock=True)
    if defect.tracker != "github":
        raise Conflict("a local defect has no GitHub issue to sync", code="not_tracked")
    defect.sync_state = "pending"
    defect.sync_error = None
    outbox.enqueue(session, sync_job(defect.id))
    return _out(defect)


@router.get("/api/projects/{project_id}/defect-settings", response_model=DefectSettingsOut)
async def get_defect_settings(
    project_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> DefectSettingsOut:
    await project_for(database, user, project_id, Role.VIEWER)
    return await _settings_out(session, project_id)


@router.put("/api/projects/{project_id}/defect-settings", response_model=DefectSettingsOut)
async def put_defect_settings(
    project_id: uuid.UUID,
    body: DefectSettingsIn,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> DefectSettingsOut:
    project = await project_for(database, user, project_id, Role.ADMIN)
    await service.save_settings(
        session, project_id, tracker=body.tracker, labels=list(body.default_labels)
    )
    audit.record(
        "defect.settings",
        user_id=user.id,
        org_id=project.org_id,
        details={"project_id": str(project_id), "tracker": body.tracker.value},
    )
    return await _settings_out(session, project_id)


async def _settings_out(session: ReadSessionDep, project_id: uuid.UUID) -> DefectSettingsOut:
    saved = await service.project_settings(session, project_id)
    repository = await service.repository_of(session, project_id)
    return DefectSettingsOut(
        tracker=saved.tracker,
        default_labels=[str(x) for x in saved.default_labels or []],
        github_available=service.has_github_access(repository),
        repository_full_name=repository.full_name if repository is not None else None,
    )
