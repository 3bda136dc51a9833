"""``GET /api/outbox``: the e-mails TestAble would have sent, for local development.

Only in embedded mode, where the machine belongs to the developer and there is no mail
provider: a not-yet-verified user has no other way to reach their verification link. In
production mode the route answers 404 as if it did not exist. It answers only clients on
this machine (loopback, by the socket peer -- never by forwarded headers): with
``testable up --host 0.0.0.0`` anyone on the network could otherwise read password-reset
links, i.e. take over any account (issue #13).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from backend.config import Mode
from backend.db.deps import ReadSessionDep
from backend.email.models import OutboxMessage
from backend.email.schemas import OutboxMessageOut
from backend.kit.errors import Forbidden, NotFound
from backend.kit.proxies import is_loopback_host, socket_peer

router = APIRouter(prefix="/api/outbox", tags=["outbox"])


@router.get("", response_model=list[OutboxMessageOut])
async def list_outbox(
    request: Request,
    session: ReadSessionDep,
    to: Annotated[str | None, Query(description="Only messages to this address.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[OutboxMessage]:
    """Newest first."""
    if request.app.state.settings.mode != Mode.EMBEDDED:
        raise NotFound("Not Found")
    # Both the connection and the client a trusted proxy names must be local: a remote
    # client behind a proxy on this machine arrives from 127.0.0.1 too.
    client = request.client.host if request.client else None
    if not (is_loopback_host(socket_peer(request)) and is_loopback_host(client)):
        raise Forbidden("The local outbox answers only this machine (a loopback connection).")
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc()).limit(limit)
    if to:
        query = query.where(OutboxMessage.to_email == to.strip().lower())
    return list((await session.scalars(query)).all())
