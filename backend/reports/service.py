"""Reports for the api: delivery records, re-delivery, share links (request sessions;
never commits). Building reports is ``report.py``, delivering them ``delivery.py``; both
are re-exported here for callers that think of "the reports service".
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kit.errors import NotFound
from backend.kit.time import utcnow
from backend.reports.delivery import Phase, deliver_reports
from backend.reports.models import ReportDelivery, ReportShare, ReportStatus
from backend.reports.report import build_report, location_of, report_url, run_secrets

__all__ = [
    "Phase",
    "active_shares",
    "build_report",
    "create_share",
    "deliver_reports",
    "get_delivery",
    "list_deliveries",
    "location_of",
    "report_url",
    "reset_for_redelivery",
    "revoke_shares",
    "run_for_share",
    "run_secrets",
]

# --- API helpers (request sessions; never commit) --------------------------------------


async def list_deliveries(session: AsyncSession, run_id: uuid.UUID) -> list[ReportDelivery]:
    return list(
        await session.scalars(
            select(ReportDelivery)
            .where(ReportDelivery.run_id == run_id)
            .order_by(ReportDelivery.created_at, ReportDelivery.key)
        )
    )


async def get_delivery(
    session: AsyncSession, run_id: uuid.UUID, delivery_id: uuid.UUID
) -> ReportDelivery:
    row = await session.get(ReportDelivery, delivery_id)
    if row is None or row.run_id != run_id:
        raise NotFound("No such delivery.")
    return row


async def reset_for_redelivery(session: AsyncSession, row: ReportDelivery) -> ReportDelivery:
    """Queue one destination again; its ``external_id`` is kept, so it updates in place."""
    row.status = ReportStatus.PENDING
    row.updated_at = utcnow()
    return row


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_share(
    session: AsyncSession, run_id: uuid.UUID, user_id: uuid.UUID | None
) -> tuple[ReportShare, str]:
    """A new share link's row and its token (shown once; only the hash is stored)."""
    token = secrets.token_urlsafe(32)
    share = ReportShare(run_id=run_id, token_hash=_token_hash(token), created_by_id=user_id)
    session.add(share)
    await session.flush()
    return share, token


async def revoke_shares(session: AsyncSession, run_id: uuid.UUID) -> int:
    result = await session.execute(
        update(ReportShare)
        .where(ReportShare.run_id == run_id, ReportShare.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def active_shares(session: AsyncSession, run_id: uuid.UUID) -> list[ReportShare]:
    return list(
        await session.scalars(
            select(ReportShare).where(
                ReportShare.run_id == run_id, ReportShare.revoked_at.is_(None)
            )
        )
    )


async def run_for_share(session: AsyncSession, token: str) -> uuid.UUID:
    """The run a share token opens; 404 for unknown or revoked tokens (same answer)."""
    if not token or len(token) > 200:
        raise NotFound("No such report.")
    share = (
        await session.execute(
            select(ReportShare).where(ReportShare.token_hash == _token_hash(token))
        )
    ).scalar_one_or_none()
    if share is None or share.revoked_at is not None:
        raise NotFound("No such report.")
    return share.run_id
