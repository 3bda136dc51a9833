"""``/api/repositories/{repository_id}/workflows`` and ``/api/workflows/{workflow_id}/…``:
create, list, read, change (versioned), delete, version history, schedule preview and
manual runs. Reading needs membership; changing and running need the member role.
Another organisation's workflows answer 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response

from backend.auth.audit import AuditedSessionDep, AuditTrail, AuditTrailDep
from backend.auth.deps import CurrentUser
from backend.auth.models import User
from backend.config import Settings
from backend.db.deps import DatabaseDep, ReadSessionDep, SessionDep
from backend.kit.errors import Conflict
from backend.kit.time import utcnow
from backend.orgs.models import Role
from backend.outbox import OutboxDep
from backend.repositories.access import repository_for
from backend.repositories.service import get_repository
from backend.runs.jobs import run_job
from backend.runs.schemas import RunOut
from backend.runs.states import RunState
from backend.workflows import service
from backend.workflows.access import workflow_for
from backend.workflows.config import config_of, dump_config, parse_config
from backend.workflows.models import Workflow, WorkflowVersion
from backend.workflows.schedule import next_slots
from backend.workflows.schemas import (
    ManualRunCreate,
    SchedulePreview,
    WorkflowCreate,
    WorkflowOut,
    WorkflowUpdate,
    WorkflowVersionOut,
)
from backend.workflows.secrets import mask_diff, mask_secrets

router = APIRouter(tags=["workflows"])


def _shown(workflow: Workflow) -> WorkflowOut:
    """The workflow as the api shows it: secret destination settings masked."""
    out = WorkflowOut.model_validate(workflow)
    return out.model_copy(update={"config": mask_secrets(out.config)})


def _shown_version(version: WorkflowVersion) -> WorkflowVersionOut:
    out = WorkflowVersionOut.model_validate(version)
    return out.model_copy(update={"config": mask_secrets(out.config), "diff": mask_diff(out.diff)})


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _audit(
    audit: AuditTrail, action: str, user: User, org_id: uuid.UUID, workflow: Workflow
) -> None:
    audit.record(
        action,
        user_id=user.id,
        org_id=org_id,
        details={
            "workflow_id": str(workflow.id),
            "name": workflow.name,
            "version": workflow.version,
            "project_id": str(workflow.project_id),
        },
    )


@router.post(
    "/api/repositories/{repository_id}/workflows", status_code=201, response_model=WorkflowOut
)
async def create_workflow(
    repository_id: uuid.UUID,
    body: WorkflowCreate,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
    request: Request,
) -> WorkflowOut:
    repository = await repository_for(database, user, repository_id, Role.MEMBER)
    workflow = await service.create_workflow(
        session,
        await get_repository(session, repository_id),
        name=body.name,
        config=body.config,
        enabled=body.enabled,
        user_id=user.id,
        settings=_settings(request),
        keyring=request.app.state.keyring,
    )
    _audit(audit, "workflow.create", user, repository.org_id, workflow)
    return _shown(workflow)


@router.get("/api/repositories/{repository_id}/workflows", response_model=list[WorkflowOut])
async def list_workflows(
    repository_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> list[WorkflowOut]:
    await repository_for(database, user, repository_id)
    return [_shown(w) for w in await service.list_workflows(session, repository_id)]


@router.post("/api/workflows/validate", response_model=dict[str, Any])
async def validate_config(
    body: dict[str, Any], user: CurrentUser, request: Request
) -> dict[str, Any]:
    """The configuration with its defaults filled in, or a 422 naming each bad field."""
    parsed = parse_config(body, max_timeout=_settings(request).run_max_timeout_seconds)
    return dump_config(parsed)


@router.get("/api/workflows/{workflow_id}", response_model=WorkflowOut)
async def get_workflow(
    workflow_id: uuid.UUID, user: CurrentUser, database: DatabaseDep
) -> WorkflowOut:
    workflow, _ = await workflow_for(database, user, workflow_id)
    return _shown(workflow)


@router.patch("/api/workflows/{workflow_id}", response_model=WorkflowOut)
async def update_workflow(
    workflow_id: uuid.UUID,
    body: WorkflowUpdate,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
    request: Request,
) -> WorkflowOut:
    _, project = await workflow_for(database, user, workflow_id, Role.MEMBER)
    workflow = await session.get(
        Workflow, workflow_id, with_for_update=True, populate_existing=True
    )
    if workflow is None:  # deleted meanwhile
        raise Conflict("The workflow was deleted.", code="workflow_deleted")
    before = workflow.version
    workflow = await service.update_workflow(
        session,
        workflow,
        name=body.name,
        config=body.config,
        enabled=body.enabled,
        user_id=user.id,
        settings=_settings(request),
        keyring=request.app.state.keyring,
    )
    if workflow.version != before:
        _audit(audit, "workflow.update", user, project.org_id, workflow)
    return _shown(workflow)


@router.delete("/api/workflows/{workflow_id}", status_code=204)
async def delete_workflow(
    workflow_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> Response:
    workflow, project = await workflow_for(database, user, workflow_id, Role.MEMBER)
    await service.delete_workflow(session, await service.get_workflow(session, workflow_id))
    _audit(audit, "workflow.delete", user, project.org_id, workflow)
    return Response(status_code=204)


@router.get("/api/workflows/{workflow_id}/versions", response_model=list[WorkflowVersionOut])
async def list_versions(
    workflow_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> list[WorkflowVersionOut]:
    await workflow_for(database, user, workflow_id)
    return [_shown_version(v) for v in await service.list_versions(session, workflow_id)]


@router.get("/api/workflows/{workflow_id}/schedule", response_model=SchedulePreview)
async def schedule_preview(
    workflow_id: uuid.UUID, user: CurrentUser, database: DatabaseDep
) -> SchedulePreview:
    workflow, _ = await workflow_for(database, user, workflow_id)
    schedule = config_of(workflow).triggers.schedule
    if schedule is None:
        raise Conflict("This workflow has no schedule.", code="no_schedule")
    return SchedulePreview(
        cron=schedule.cron,
        timezone=schedule.timezone,
        next_slots=next_slots(schedule.cron, schedule.timezone, utcnow(), 5),
    )


@router.post("/api/workflows/{workflow_id}/runs", status_code=201, response_model=RunOut)
async def start_run(
    workflow_id: uuid.UUID,
    body: ManualRunCreate,
    user: CurrentUser,
    database: DatabaseDep,
    session: SessionDep,
    outbox: OutboxDep,
    request: Request,
) -> RunOut:
    _, project = await workflow_for(database, user, workflow_id, Role.MEMBER)
    workflow = await service.get_workflow(session, workflow_id)
    run, messages = await service.start_manual_run(
        session,
        workflow,
        project,
        branch=body.branch,
        commit=body.commit,
        env=body.env,
        user_id=user.id,
        settings=_settings(request),
    )
    if run.status == RunState.QUEUED.value:
        outbox.enqueue(session, await run_job(session, run, _settings(request)))
    outbox.publish(session, messages)
    return RunOut.model_validate(run)
