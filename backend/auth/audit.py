"""The audit trail of a request: events are collected while the request runs and written in
their own transaction once the request's transaction has ended.

Why not in the request's transaction: a failed login raises, the request rolls back, and
the one event that matters most would vanish with it. So failures are always written;
successes only when the request did not fail (a rolled-back "success" did not happen).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.models import AuditLog
from backend.db import Database
from backend.kit.time import utcnow

SUCCESS = "success"
FAILURE = "failure"


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@dataclass
class AuditTrail:
    ip: str | None
    user_agent: str | None
    events: list[AuditLog] = field(default_factory=list)

    def record(
        self,
        action: str,
        *,
        outcome: str = SUCCESS,
        user_id: uuid.UUID | None = None,
        org_id: uuid.UUID | None = None,
        email: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.events.append(
            AuditLog(
                id=uuid.uuid4(),
                created_at=utcnow(),
                action=action,
                outcome=outcome,
                user_id=user_id,
                org_id=org_id,
                email=email,
                ip=self.ip,
                user_agent=self.user_agent,
                details=details,
            )
        )

    def failure(self, action: str, **kwargs: Any) -> None:
        self.record(action, outcome=FAILURE, **kwargs)

    async def flush(self, database: Database, *, request_failed: bool) -> None:
        keep = [e for e in self.events if e.outcome == FAILURE or not request_failed]
        self.events = []
        if not keep:
            return
        try:
            async with database.session() as session:
                session.add_all(keep)
        except Exception:
            # Losing an audit line must not turn a finished request into an error.
            logger.exception("could not write {} audit events", len(keep))


async def get_audit_trail(request: Request) -> AsyncIterator[AuditTrail]:
    user_agent = request.headers.get("user-agent")
    trail = AuditTrail(ip=client_ip(request), user_agent=user_agent[:400] if user_agent else None)
    failed = False
    try:
        yield trail
    except BaseException:
        failed = True
        raise
    finally:
        await trail.flush(request.app.state.db, request_failed=failed)


AuditTrailDep = Annotated[AuditTrail, Depends(get_audit_trail, scope="function")]


async def get_audited_session(
    request: Request, trail: AuditTrailDep
) -> AsyncIterator[AsyncSession]:
    """The request's unit of work (commits at the end of the endpoint, like ``SessionDep``).
    It depends on the audit trail so that it always ends *before* the trail is written."""
    del trail  # only here to order the two dependencies
    async with request.app.state.db.session() as session:
        yield session


AuditedSessionDep = Annotated[AsyncSession, Depends(get_audited_session, scope="function")]
