"""``/api/runs/{run_id}/deliveries`` (delivery records, re-delivery), ``/share`` (public
links) and ``/report-link`` (a signed link for the caller's browser); the report pages
themselves are in ``pages.py``.

Authorised like the run's detail: another organisation's runs answer 404.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import quote

from fastapi import APIRouter, Request

from backend.auth.deps import CurrentUser
from backend.auth.models import User
from backend.config import Settings
from backend.db import Database
from backend.db.deps import DatabaseDep, ReadSessionDep, SessionDep
from backend.kit.errors import Conflict, NotFound
from backend.kit.time import utcnow
from backend.orgs.deps import check_org_role
from backend.orgs.models import Role
from backend.outbox import OutboxDep
from backend.reports import service
from backend.reports.links import issue_report_token
from backend.reports.pages import router as pages_router
from backend.reports.schemas import (
    DeliveryOut,
    DeliveryQueued,
    ReportLinkOut,
    ShareOut,
    ShareRevoked,
)
from backend.reports.tasks import reports_job
from backend.runs.models import Run
from backend.runs.service import run_project
from backend.runs.states import RunState

router = APIRouter(tags=["reports"])
router.include_router(pages_router)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _check_run(
    database: Database, user: User, run_id: uuid.UUID, minimum: Role = Role.VIEWER
) -> None:
    async with database.session(read_only=True) as session:
        run = await session.get(Run, run_id)
        if run is None:
            raise NotFound("No such run.")
        org_id = (await run_project(session, run)).org_id
    await check_org_role(database, user, org_id, minimum)


@router.get("/api/runs/{run_id}/deliveries", response_model=list[DeliveryOut])
async def list_deliveries(
    run_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> list[DeliveryOut]:
    await _check_run(database, user, run_id)
    return [DeliveryOut.model_validate(d) for d in await service.list_deliveries(session, run_id)]


@router.post("/api/runs/{run_id}/deliver", status_code=202, response_model=DeliveryQueued)
async def deliver_all(
    run_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    outbox: OutboxDep,
) -> DeliveryQueued:
    """Send a finished run's report to every destination again (or for the first time, for
    a run that never reached a worker); existing objects are updated in place."""
    await _check_run(database, user, run_id, Role.MEMBER)
    async with database.session(read_only=True) as session:
        run = await session.get(Run, run_id)
        status = run.status if run is not None else None
    if status is None or not RunState(status).terminal:
        raise Conflict(
            "The run has not finished yet; its report is sent when it does.",
            code="run_not_finished",
            details={"status": status},
        )
    # Nothing to write: the finished run is committed already; sent after the response.
    outbox.enqueue_committed(reports_job(run_id, "finish"))
    return DeliveryQueued(run_id=run_id)


@router.post(
    "/api/runs/{run_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=DeliveryOut,
)
async def redeliver(
    run_id: uuid.UUID,
    delivery_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: SessionDep,
    outbox: OutboxDep,
) -> DeliveryOut:
    """Send this destination's report again; it updates the object made before (same
    check run, comment, message or page), never a second one."""
    await _check_run(database, user, run_id, Role.MEMBER)
    row = await service.get_delivery(session, run_id, delivery_id)
    await service.reset_for_redelivery(session, row)
    # Sent once the reset is committed (the outbox): the job must see it.
    outbox.enqueue(session, reports_job(run_id, "finish", key=row.key))
    return DeliveryOut.model_validate(row)


@router.post("/api/runs/{run_id}/share", status_code=201, response_model=ShareOut)
async def create_share(
    run_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: SessionDep,
    request: Request,
) -> ShareOut:
    """A public, unguessable link to this run's report page (revoke with DELETE)."""
    await _check_run(database, user, run_id, Role.MEMBER)
    share, token = await service.create_share(session, run_id, user.id)
    url = f"{_settings(request).public_url.rstrip('/')}/reports/s/{token}"
    return ShareOut(id=share.id, token=token, url=url, created_at=share.created_at)


@router.delete("/api/runs/{run_id}/share", response_model=ShareRevoked)
async def revoke_shares(
    run_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: SessionDep
) -> ShareRevoked:
    """Revoke every public link of this run at once."""
    await _check_run(database, user, run_id, Role.MEMBER)
    return ShareRevoked(revoked=await service.revoke_shares(session, run_id))


@router.post("/api/runs/{run_id}/report-link", response_model=ReportLinkOut)
async def report_link(
    run_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, request: Request
) -> ReportLinkOut:
    """A signed link for the caller's browser (the api's bearer tokens do not travel with a
    page navigation); it stays valid ``report_link_ttl_seconds`` and only while the caller
    is still a member."""
    await _check_run(database, user, run_id)
    settings = _settings(request)
    token = issue_report_token(request.app.state.keyring, run_id, user.id)
    return ReportLinkOut(
        url=f"{settings.public_url.rstrip('/')}/reports/{run_id}?t={quote(token, safe='')}",
        expires_at=utcnow() + timedelta(seconds=settings.report_link_ttl_seconds),
    )
