"""``/api/projects/{project_id}/runs`` and ``/api/runs/{run_id}/…``: start, list, read,
cancel, re-run failures, pin, events, artifact download.

Every endpoint checks the caller's role in the run's organisation; another organisation's
runs answer 404, like ids that do not exist.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from backend.auth.audit import AuditedSessionDep, AuditTrailDep
from backend.auth.deps import CurrentUser
from backend.auth.models import User
from backend.config import Settings
from backend.db import Database
from backend.db.deps import DatabaseDep, ReadSessionDep, SessionDep
from backend.kit.errors import NotFound
from backend.kit.pagination import AfterSeq, Limit, Offset
from backend.orgs.deps import check_org_role
from backend.orgs.models import Role
from backend.outbox import OutboxDep
from backend.projects.access import project_for
from backend.runs import service
from backend.runs.jobs import run_job
from backend.runs.models import Run
from backend.runs.schemas import (
    ArtifactOut,
    EventOut,
    PinBody,
    RunCreate,
    RunDetail,
    RunOut,
    RunPage,
    TestResultOut,
    Trigger,
)
from backend.runs.states import RunState

router = APIRouter(tags=["runs"])


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _run_for(
    database: Database, user: User, run_id: uuid.UUID, minimum: Role = Role.VIEWER
) -> Run:
    async with database.session(read_only=True) as session:
        run = await session.get(Run, run_id)
        if run is None:
            raise NotFound("No such run.")
        project = await service.run_project(session, run)
        org_id = project.org_id
    await check_org_role(database, user, org_id, minimum)
    return run


@router.post("/api/projects/{project_id}/runs", status_code=201, response_model=RunOut)
async def start_run(
    project_id: uuid.UUID,
    body: RunCreate,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
    outbox: OutboxDep,
    request: Request,
) -> RunOut:
    project = await project_for(database, user, project_id, Role.MEMBER)
    run, messages = await service.create_run(
        session,
        project,
        settings=_settings(request),
        trigger=Trigger.MANUAL,
        branch=body.branch,
        commit=body.commit,
        selection=body.selection,
        options=body.options,
        created_by=user.id,
    )
    outbox.enqueue(session, await run_job(session, run, _settings(request)))
    outbox.publish(session, messages)
    _audit_run_start(audit, run, project.org_id, user.id)
    return RunOut.model_validate(run)


def _audit_run_start(audit: AuditTrailDep, run: Run, org_id: uuid.UUID, user_id: uuid.UUID) -> None:
    audit.record(
        "run.start",
        user_id=user_id,
        org_id=org_id,
        details={
            "run_id": str(run.id),
            "project_id": str(run.project_id),
            "trigger": run.trigger,
            "branch": run.branch,
            "rerun_of": str(run.rerun_of_id) if run.rerun_of_id else None,
        },
    )


@router.get("/api/projects/{project_id}/runs", response_model=RunPage)
async def list_runs(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: ReadSessionDep,
    status: RunState | None = None,
    branch: Annotated[str | None, Query(max_length=255)] = None,
    trigger: Trigger | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> RunPage:
    await project_for(database, user, project_id)
    runs, total = await service.list_runs(
        session,
        project_id,
        status=status,
        branch=branch,
        trigger=trigger,
        limit=limit,
        offset=offset,
    )
    return RunPage(
        items=[RunOut.model_validate(r) for r in runs], total=total, limit=limit, offset=offset
    )


@router.get("/api/runs/{run_id}", response_model=RunDetail)
async def get_run(
    run_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> RunDetail:
    await _run_for(database, user, run_id)
    run = await service.get_run(session, run_id)
    tests = await service.run_tests(session, run_id)
    artifacts = await service.run_artifacts(session, run_id)
    starter = await session.get(User, run.created_by_id) if run.created_by_id else None
    return RunDetail(
        **RunOut.model_validate(run).model_dump(),
        started_by=starter.email if starter else None,
        tests=[TestResultOut.model_validate(t) for t in tests],
        artifacts=[
            ArtifactOut.model_validate(a).model_copy(
                update={"download_url": f"/api/runs/{run_id}/artifacts/{a.id}"}
            )
            for a in artifacts
        ],
    )


@router.get("/api/runs/{run_id}/events", response_model=list[EventOut])
async def list_events(
    run_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: ReadSessionDep,
    after: AfterSeq = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[EventOut]:
    await _run_for(database, user, run_id)
    run = await service.get_run(session, run_id)
    return [
        EventOut.model_validate(m) for m in await service.events_after(session, run, after, limit)
    ]


@router.post("/api/runs/{run_id}/cancel", response_model=RunOut)
async def cancel_run(
    run_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: SessionDep,
    outbox: OutboxDep,
    request: Request,
) -> RunOut:
    await _run_for(database, user, run_id, Role.MEMBER)
    run = await service.get_run(session, run_id, lock=True)
    messages = await service.request_cancel(session, run)
    outbox.revoke(session, run.task_id)
    outbox.publish(session, messages)
    return RunOut.model_validate(run)


@router.post("/api/runs/{run_id}/rerun-failed", status_code=201, response_model=RunOut)
async def rerun_failed(
    run_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
    outbox: OutboxDep,
    request: Request,
) -> RunOut:
    await _run_for(database, user, run_id, Role.MEMBER)
    run = await service.get_run(session, run_id)
    project = await service.run_project(session, run)
    new_run, messages = await service.rerun_failed(
        session, run, project, settings=_settings(request), user_id=user.id
    )
    outbox.enqueue(session, await run_job(session, new_run, _settings(request)))
    outbox.publish(session, messages)
    _audit_run_start(audit, new_run, project.org_id, user.id)
    return RunOut.model_validate(new_run)


@router.put("/api/runs/{run_id}/pin", response_model=RunOut)
async def pin_run(
    run_id: uuid.UUID, body: PinBody, user: CurrentUser, database: DatabaseDep, session: SessionDep
) -> RunOut:
    await _run_for(database, user, run_id, Role.MEMBER)
    run = await service.set_pinned(session, await service.get_run(session, run_id), body.pinned)
    return RunOut.model_validate(run)


@router.get("/api/runs/{run_id}/artifacts/{artifact_id}", response_class=FileResponse)
async def download_artifact(
    run_id: uuid.UUID,
    artifact_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: ReadSessionDep,
    request: Request,
) -> FileResponse:
    await _run_for(database, user, run_id)
    artifact = await service.get_artifact(session, run_id, artifact_id)
    path = service.artifact_file(_settings(request).artifacts_dir, artifact)
    return FileResponse(
        path,
        media_type=artifact.content_type,
        filename=path.name,
        # HTML reports are the user's content: never rendered on the api's origin.
        content_disposition_type="attachment",
        headers={"content-security-policy": "sandbox"},
    )
