"""``POST /api/webhooks/github`` (GitHub's deliveries) and the org admins' view of them.

The receiver answers fast: it checks size, signature, headers and JSON, stores the
delivery, and hands processing to the worker through the outbox (``backend.outbox``),
which sends the job once the delivery is committed. Every refusal is stored too, as
a ``rejected`` delivery with the reason (and without the untrusted body).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from loguru import logger
from pydantic import BaseModel, ConfigDict

from backend.auth.audit import client_ip
from backend.config import Settings
from backend.db.deps import DatabaseDep, ReadSessionDep, SessionDep
from backend.github import service, tasks
from backend.github.models import DeliveryStatus, WebhookDelivery
from backend.github.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    PayloadError,
    decode_payload,
    header_value,
    is_handled,
    signature_matches,
    subject_of,
)
from backend.kit.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    PayloadTooLarge,
    ServiceUnavailable,
    TestableError,
    Unauthorized,
)
from backend.kit.pagination import Limit, Offset
from backend.kit.ratelimit import get_rate_limiter
from backend.kit.time import utcnow
from backend.orgs.deps import OrgAdmin
from backend.orgs.models import Role
from backend.orgs.service import find_membership
from backend.outbox import OutboxDep
from backend.repositories import github_installations as installations

router = APIRouter(tags=["github"])

# A delivery still ``received`` after this long may be sent to the worker again.
STALE_AFTER = timedelta(minutes=5)
# Refused requests stored per client address and rate-limit window (see ``_reject``).
REJECTIONS_STORED_PER_IP = 100


# --------------------------------------------------------------------------- shapes


class WebhookAccepted(BaseModel):
    id: uuid.UUID
    delivery_id: str
    event: str
    status: DeliveryStatus
    reason: str | None = None


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    delivery_id: str | None
    event: str | None
    action: str | None
    status: DeliveryStatus
    reason: str | None
    http_status: int
    repository_full_name: str | None
    github_repo_id: int | None
    installation_id: int | None
    received_at: datetime
    processed_at: datetime | None
    attempts: int
    run_ids: list[str]


class DeliveryDetail(DeliveryOut):
    payload: dict[str, Any] | None


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    total: int
    limit: int
    offset: int


# --------------------------------------------------------------------------- receiver


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _read_body(request: Request, limit: int) -> tuple[bytes | None, int]:
    """The body, or ``None`` once it is known to exceed ``limit`` (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None, int(declared)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None, size
        chunks.append(chunk)
    return b"".join(chunks), size


async def _reject(
    request: Request,
    database: Any,
    error: TestableError,
    *,
    claimed: str | None,
    event: str | None,
    size: int,
    signature_ok: bool = False,
) -> TestableError:
    """Store the refusal (committed), then hand back the error to raise. Unsigned
    requests cost an insert each: past ``REJECTIONS_STORED_PER_IP`` in a window, one
    address's refusals are only logged (same answer), so nobody can fill the table."""
    settings = _settings(request)
    ip = client_ip(request)
    counted = await get_rate_limiter(request).hit(
        "github_webhook_rejections:ip",
        ip,
        limit=REJECTIONS_STORED_PER_IP,
        window_seconds=settings.rate_limit_window_seconds,
    )
    if counted.allowed:
        async with database.session() as session:
            await service.record_rejection(
                session,
                claimed_delivery_id=claimed,
                event=event,
                reason=error.message,
                http_status=error.status_code,
                size_bytes=size,
                signature_ok=signature_ok,
            )
    logger.warning(
        "GitHub webhook rejected ({}): {} delivery={} event={} ip={}{}",
        error.status_code,
        error.message,
        claimed,
        event,
        ip,
        "" if counted.allowed else " (not stored: too many refusals from this address)",
    )
    return error


@router.post(
    "/api/webhooks/github",
    status_code=202,
    response_model=WebhookAccepted,
    responses={
        200: {"description": "ping answered, or a duplicate delivery (ignored)"},
        400: {"description": "missing headers or a body that is not a JSON object"},
        401: {"description": "missing or wrong X-Hub-Signature-256"},
        413: {"description": "body over github_webhook_max_bytes"},
        503: {"description": "no webhook secret configured"},
    },
)
async def receive_github_webhook(
    request: Request, database: DatabaseDep, outbox: OutboxDep
) -> JSONResponse:
    settings = _settings(request)
    headers = request.headers
    claimed = header_value(headers, DELIVERY_HEADER)
    event = header_value(headers, EVENT_HEADER)
    body, size = await _read_body(request, settings.github_webhook_max_bytes)

    async def reject(error: TestableError, signature_ok: bool = False) -> TestableError:
        return await _reject(
            request,
            database,
            error,
            claimed=claimed,
            event=event,
            size=size,
            signature_ok=signature_ok,
        )

    if body is None:
        raise await reject(
            PayloadTooLarge(
                f"The delivery is larger than {settings.github_webhook_max_bytes} bytes.",
                details={"max_bytes": settings.github_webhook_max_bytes},
            )
        )
    secret = settings.github_webhook_secret
    if secret is None or not secret.get_secret_value():
        raise await reject(
            ServiceUnavailable(
                "GitHub webhooks are not configured: set TESTABLE_GITHUB_WEBHOOK_SECRET.",
                code="webhook_not_configured",
            )
        )
    signature = headers.get(SIGNATURE_HEADER)
    if not signature:
        raise await reject(
            Unauthorized(
                f"The {SIGNATURE_HEADER} header is missing.",
                code="signature_missing",
                details={"field": SIGNATURE_HEADER},
            )
        )
    if not signature_matches(secret.get_secret_value(), body, signature):
        raise await reject(
            Unauthorized(
                f"The {SIGNATURE_HEADER} signature does not match the body.",
                code="signature_mismatch",
                details={"field": SIGNATURE_HEADER},
            )
        )
    if event is None or claimed is None:
        missing = EVENT_HEADER if event is None else DELIVERY_HEADER
        raise await reject(
            BadRequest(
                f"The {missing} header is missing.",
                code="header_missing",
                details={"field": missing},
            ),
            signature_ok=True,
        )
    try:
        payload = decode_payload(body, headers.get("content-type"))
    except PayloadError as exc:
        raise await reject(
            BadRequest(
                f"The payload is malformed: {exc}.",
                code="malformed_payload",
                details={"field": "body"},
            ),
            signature_ok=True,
        ) from exc

    if event == "ping":
        status, reason, http_status = DeliveryStatus.PROCESSED, "pong", 200
    elif is_handled(event):
        status, reason, http_status = DeliveryStatus.RECEIVED, None, 202
    else:
        status, reason, http_status = (
            DeliveryStatus.IGNORED,
            f"the {event!r} event is not handled",
            202,
        )
    async with database.session() as session:
        delivery = await service.store_delivery(
            session,
            delivery_id=claimed,
            event=event,
            payload=payload,
            subject=subject_of(payload),
            size_bytes=size,
            status=status,
            reason=reason,
            http_status=http_status,
        )
        accepted = _accepted(delivery) if delivery is not None else None
        if delivery is not None and status is DeliveryStatus.RECEIVED:
            # Sent once this transaction committed (the outbox), so a worker finds the row.
            outbox.enqueue(session, tasks.delivery_job(delivery.id))
    if accepted is None:
        return JSONResponse({"duplicate": True, "delivery_id": claimed}, status_code=200)
    if event == "ping":
        content = {"pong": True, "zen": payload.get("zen"), **accepted.model_dump(mode="json")}
        return JSONResponse(content, status_code=200)
    return JSONResponse(accepted.model_dump(mode="json"), status_code=202)


def _accepted(delivery: WebhookDelivery) -> WebhookAccepted:
    return WebhookAccepted(
        id=delivery.id,
        delivery_id=delivery.delivery_id or "",
        event=delivery.event or "",
        status=DeliveryStatus(delivery.status),
        reason=delivery.reason,
    )


# --------------------------------------------------------------------------- org admins


@router.get("/api/orgs/{org_id}/github/deliveries", response_model=DeliveryPage)
async def list_deliveries(
    access: OrgAdmin,
    session: ReadSessionDep,
    status: DeliveryStatus | None = None,
    event: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> DeliveryPage:
    items, total = await service.list_org_deliveries(
        session, access.org.id, status=status, event=event, limit=limit, offset=offset
    )
    return DeliveryPage(
        items=[DeliveryOut.model_validate(d) for d in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/api/orgs/{org_id}/github/deliveries/{delivery_pk}", response_model=DeliveryDetail)
async def get_delivery(
    delivery_pk: uuid.UUID, access: OrgAdmin, session: ReadSessionDep
) -> DeliveryDetail:
    delivery = await service.get_org_delivery(session, access.org.id, delivery_pk)
    return DeliveryDetail.model_validate(delivery)


@router.post(
    "/api/orgs/{org_id}/github/deliveries/{delivery_pk}/redeliver",
    status_code=202,
    response_model=DeliveryOut,
)
async def redeliver(
    delivery_pk: uuid.UUID,
    access: OrgAdmin,
    session: SessionDep,
    outbox: OutboxDep,
) -> DeliveryOut:
    """Process a stored delivery again (after fixing a workflow, or when it failed)."""
    delivery = await service.get_org_delivery(session, access.org.id, delivery_pk)
    waiting_since = utcnow() - delivery.received_at
    if delivery.status == DeliveryStatus.RECEIVED.value and waiting_since < STALE_AFTER:
        # Older than that, its job was most likely lost (the broker was down): send again.
        raise Conflict("This delivery is still waiting for the worker.", code="not_processed")
    if delivery.event == "ping":
        raise Conflict("A ping has nothing to process again.", code="nothing_to_process")
    await service.requeue_delivery(session, delivery)
    outbox.enqueue(session, tasks.delivery_job(delivery.id))  # sent after the commit
    return DeliveryOut.model_validate(delivery)


# ------------------------------------------------------------- App installation flow


class InstallUrl(BaseModel):
    url: str


def _install_page(settings: Settings) -> str:
    if settings.github_app_install_url:
        return settings.github_app_install_url
    if settings.github_app_slug:
        return f"https://github.com/apps/{settings.github_app_slug}/installations/new"
    raise ServiceUnavailable(
        "The GitHub App is not configured on this server "
        "(TESTABLE_GITHUB_APP_SLUG or TESTABLE_GITHUB_APP_INSTALL_URL).",
        code="github_app_not_configured",
    )


@router.get("/api/orgs/{org_id}/github/install-url", response_model=InstallUrl)
async def github_install_url(access: OrgAdmin, request: Request) -> InstallUrl:
    """Where an admin installs the App; GitHub sends them back to the setup URL below with
    the signed state, which binds the installation to this organisation."""
    page = _install_page(request.app.state.settings)
    state = installations.sign_state(
        request.app.state.keyring, org_id=access.org.id, user_id=access.membership.user_id
    )
    separator = "&" if "?" in page else "?"
    return InstallUrl(url=f"{page}{separator}{urlencode({'state': state})}")


@router.get("/api/github/app/setup", status_code=303, response_class=RedirectResponse)
async def github_app_setup(
    request: Request,
    session: SessionDep,
    installation_id: Annotated[int, Query(gt=0)],
    state: Annotated[str, Query(min_length=1, max_length=2048)],
) -> RedirectResponse:
    """GitHub's "Setup URL" callback. The caller is the admin's browser, redirected by
    GitHub, so it carries no bearer token: the signed state says which organisation and
    user asked, and that user must still be an admin there."""
    claimed = installations.verify_state(request.app.state.keyring, state)
    found = await find_membership(session, claimed.org_id, claimed.user_id)
    if found is None or not found[1].role_enum.at_least(Role.ADMIN):
        raise Forbidden(
            "state: the user who started the installation is no longer an admin of it",
            details=[{"field": "state", "message": "no longer an admin of the organisation"}],
        )
    bound = await installations.bind(
        session,
        installation_id=installation_id,
        org_id=claimed.org_id,
        user_id=claimed.user_id,
    )
    if not bound:
        raise Conflict(
            "installation_id: this GitHub App installation belongs to another organisation",
            details=[{"field": "installation_id", "message": "bound to another organisation"}],
        )
    logger.info(
        "GitHub App installation {} bound to organisation {}", installation_id, claimed.org_id
    )
    settings: Settings = request.app.state.settings
    query = urlencode({"org": str(claimed.org_id), "installed": str(installation_id)})
    return RedirectResponse(f"{settings.public_url.rstrip('/')}/repositories/?{query}", 303)
