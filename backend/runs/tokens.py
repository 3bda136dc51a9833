"""Per-run tokens: the only credential a test process gets. A token belongs to ONE project
(and optionally one run), expires, and can be revoked when the run ends.

Only the token's SHA-256 is stored. The token carries 256 random bits, so a plain hash is
enough (no slow hash needed: there is nothing to guess), and a database leak yields nothing
usable. The comparison after the indexed lookup is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kit.time import utcnow
from backend.runs.models import RunToken

TOKEN_PREFIX = "tbr_"  # noqa: S105 - recognisable in logs and by secret scanners


@dataclass(frozen=True)
class RunTokenInfo:
    project: str
    run_id: str | None
    expires_at: datetime


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_run_token(
    session: AsyncSession, project: str, run_id: str | None, ttl: timedelta
) -> str:
    """A new token for ``project``; the caller's unit of work commits it."""
    if ttl <= timedelta(0):
        raise ValueError("ttl must be positive")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        RunToken(
            token_hash=hash_token(token),
            project=project,
            run_id=run_id,
            expires_at=utcnow() + ttl,
        )
    )
    await session.flush()
    return token


async def resolve_run_token(session: AsyncSession, token: str) -> RunTokenInfo | None:
    """The project (and run) of a valid token; None when unknown, expired or revoked."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    digest = hash_token(token)
    row = (
        await session.execute(select(RunToken).where(RunToken.token_hash == digest))
    ).scalar_one_or_none()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    if row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return RunTokenInfo(project=row.project, run_id=row.run_id, expires_at=row.expires_at)


async def revoke_run_tokens(session: AsyncSession, run_id: str) -> int:
    """Revoke every token of a run (when it finishes); returns how many were live."""
    result = await session.execute(
        update(RunToken)
        .where(RunToken.run_id == run_id, RunToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)
