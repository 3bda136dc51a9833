"""Who is calling: ``CurrentUser`` / ``CurrentPrincipal`` read ``Authorization: Bearer <jwt>``.

The token must be a valid RS256 access token *and* its session must still be alive, so a
logout or a revoked session takes effect at once, not when the token expires.

The user is loaded in a short read transaction of its own and handed over detached: read
its attributes freely; to change it, load it again in your session
(``await session.get(User, user.id)``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from backend.auth.models import AuthSession, User
from backend.auth.security import InvalidAccessToken, decode_access_token
from backend.db import Database
from backend.kit.errors import Unauthorized
from backend.kit.time import utcnow

bearer_scheme = HTTPBearer(auto_error=False, description="An access token from /api/auth/login.")

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Principal:
    user: User
    session_id: uuid.UUID


async def get_current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized(
            "Missing access token: send `Authorization: Bearer <access_token>`.",
            code="not_authenticated",
            headers=_CHALLENGE,
        )
    try:
        claims = decode_access_token(request.app.state.keyring, credentials.credentials)
    except InvalidAccessToken as exc:
        raise Unauthorized(
            "The access token is invalid or expired; refresh it or sign in again.",
            code="invalid_token",
            details={"reason": str(exc)},
            headers=_CHALLENGE,
        ) from exc

    database: Database = request.app.state.db
    async with database.session(read_only=True) as session:
        row = (
            await session.execute(
                select(User, AuthSession)
                .join(AuthSession, AuthSession.user_id == User.id)
                .where(User.id == claims.user_id, AuthSession.id == claims.session_id)
            )
        ).one_or_none()
        if row is not None:
            session.expunge_all()  # keep the loaded values after this transaction ends
    if row is None:
        raise Unauthorized(
            "The session no longer exists.", code="invalid_token", headers=_CHALLENGE
        )
    user, auth_session = row
    if auth_session.revoked_at is not None or auth_session.expires_at <= utcnow():
        raise Unauthorized(
            "This session has ended; sign in again.", code="session_revoked", headers=_CHALLENGE
        )
    if not user.is_active:
        raise Unauthorized("This account is disabled.", code="account_disabled")
    return Principal(user=user, session_id=auth_session.id)


CurrentPrincipal = Annotated[Principal, Depends(get_current_principal)]


async def get_current_user(principal: CurrentPrincipal) -> User:
    return principal.user


CurrentUser = Annotated[User, Depends(get_current_user)]
