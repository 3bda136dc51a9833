"""Account logic: registration, verification, login sessions, password changes.

Never commits: the request's unit of work does (``AuditedSessionDep``). Audit events go to
the request's :class:`~backend.auth.audit.AuditTrail`, e-mails through the ``Mailer``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth import hooks
from backend.auth.audit import AuditTrail
from backend.auth.models import AuthSession, OneTimeToken, RefreshToken, TokenPurpose, User
from backend.auth.passwords import password_problem
from backend.auth.schemas import RegisterRequest, TokenPair
from backend.auth.security import (
    burn_password_check,
    create_access_token,
    hash_password,
    hash_token,
    new_token,
    token_matches,
    verify_password,
)
from backend.config import Settings
from backend.email.sender import Mailer
from backend.email.templates import EmailTemplate
from backend.kit.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    Unprocessable,
)
from backend.kit.keys import KeyRing
from backend.kit.time import utcnow


@dataclass(frozen=True)
class Client:
    """Where a request comes from, remembered on the session it opens."""

    ip: str | None
    user_agent: str | None


@dataclass(frozen=True)
class RefreshOutcome:
    """``tokens`` on success. On reuse of a rotated token the family has been revoked and
    ``error`` must be *returned*, not raised: raising would roll the revocation back."""

    tokens: TokenPair | None = None
    error: Unauthorized | None = None


class AuthService:
    def __init__(
        self,
        session: AsyncSession,
        *,
        settings: Settings,
        keyring: KeyRing,
        audit: AuditTrail,
        mailer: Mailer,
    ) -> None:
        self.session = session
        self.settings = settings
        self.keyring = keyring
        self.audit = audit
        self.mailer = mailer

    # --- registration and verification ---------------------------------------------------

    async def get_user_by_email(self, email: str) -> User | None:
        return await self.session.scalar(select(User).where(User.email == email.strip().lower()))

    async def register(self, data: RegisterRequest) -> User:
        if await self.get_user_by_email(data.email) is not None:
            self.audit.failure("register", email=data.email, details={"reason": "email_taken"})
            raise Conflict(
                "An account with this e-mail already exists; sign in or reset the password.",
                code="email_taken",
                details=[{"field": "email", "message": "already registered"}],
            )
        user = User(
            id=uuid.uuid4(),
            email=data.email,
            full_name=(data.full_name or "").strip() or None,
            password_hash=await hash_password(data.password, self.settings.bcrypt_rounds),
        )
        self.session.add(user)
        await self.session.flush()
        details = await hooks.account_created(self.session, user)  # its organisation
        await self._send_verification(user)
        self.audit.record("register", user_id=user.id, email=user.email, details=details)
        return user

    async def _issue_one_time_token(self, user: User, purpose: TokenPurpose, ttl: timedelta) -> str:
        now = utcnow()
        # A new link replaces the earlier ones: only the latest e-mail works.
        await self.session.execute(
            update(OneTimeToken)
            .where(
                OneTimeToken.user_id == user.id,
                OneTimeToken.purpose == purpose.value,
                OneTimeToken.used_at.is_(None),
            )
            .values(used_at=now)
        )
        token = new_token()
        self.session.add(
            OneTimeToken(
                user_id=user.id,
                purpose=purpose.value,
                token_hash=hash_token(token),
                expires_at=now + ttl,
            )
        )
        return token

    async def _send_verification(self, user: User) -> None:
        ttl_hours = self.settings.verification_token_ttl_hours
        token = await self._issue_one_time_token(
            user, TokenPurpose.VERIFY_EMAIL, timedelta(hours=ttl_hours)
        )
        link = f"{self.settings.public_url.rstrip('/')}/api/auth/verify-email?token={token}"
        await self.mailer.send(
            self.session,
            to=user.email,
            template=EmailTemplate.VERIFICATION,
            context={"name": user.full_name, "link": link, "ttl_hours": ttl_hours},
            user_id=user.id,
        )

    async def _use_one_time_token(self, token: str, purpose: TokenPurpose, action: str) -> User:
        row = await self.session.scalar(
            select(OneTimeToken).where(
                OneTimeToken.token_hash == hash_token(token),
                OneTimeToken.purpose == purpose.value,
            )
        )
        if row is None or not token_matches(token, row.token_hash):
            self.audit.failure(action, details={"reason": "unknown_token"})
            raise BadRequest("This link is not valid.", code="invalid_token")
        if row.used_at is not None:
            self.audit.failure(action, user_id=row.user_id, details={"reason": "used"})
            raise BadRequest(
                "This link has already been used or replaced by a newer one.", code="token_used"
            )
        if row.expires_at <= utcnow():
            self.audit.failure(action, user_id=row.user_id, details={"reason": "expired"})
            raise BadRequest("This link has expired; ask for a new one.", code="token_expired")
        user = await self.session.get(User, row.user_id)
        if user is None:  # pragma: no cover - tokens are deleted with their user
            raise BadRequest("This link is not valid.", code="invalid_token")
        row.used_at = utcnow()
        return user

    async def verify_email(self, token: str) -> User:
        user = await self._use_one_time_token(token, TokenPurpose.VERIFY_EMAIL, "verify_email")
        if user.email_verified_at is None:
            user.email_verified_at = utcnow()
            await self.mailer.send(
                self.session,
                to=user.email,
                template=EmailTemplate.WELCOME,
                context={"name": user.full_name},
                user_id=user.id,
            )
        self.audit.record("verify_email", user_id=user.id, email=user.email)
        return user

    async def resend_verification(self, email: str) -> None:
        """Silent when there is nothing to send, so the answer never reveals an account."""
        user = await self.get_user_by_email(email)
        if user is None or user.email_verified_at is not None:
            self.audit.record("resend_verification", email=email, details={"sent": False})
            return
        await self._send_verification(user)
        self.audit.record(
            "resend_verification", user_id=user.id, email=email, details={"sent": True}
        )

    # --- login sessions ------------------------------------------------------------------

    async def login(self, email: str, password: str, client: Client) -> TokenPair:
        user = await self.get_user_by_email(email)
        if user is None:
            await burn_password_check(password, self.settings.bcrypt_rounds)
            self.audit.failure("login", email=email, details={"reason": "unknown_email"})
            raise self._bad_credentials()
        if not await verify_password(password, user.password_hash):
            self.audit.failure(
                "login", user_id=user.id, email=email, details={"reason": "bad_password"}
            )
            raise self._bad_credentials()
        if not user.is_active:
            self.audit.failure(
                "login", user_id=user.id, email=email, details={"reason": "disabled"}
            )
            raise Forbidden("This account is disabled.", code="account_disabled")
        if user.email_verified_at is None:
            self.audit.failure(
                "login", user_id=user.id, email=email, details={"reason": "unverified"}
            )
            raise Forbidden(
                "Confirm your e-mail address first: open the link we sent you, or ask for a new "
                "one with POST /api/auth/resend-verification.",
                code="email_not_verified",
            )
        now = utcnow()
        auth_session = AuthSession(
            id=uuid.uuid4(),
            user_id=user.id,
            created_at=now,
            last_used_at=now,
            expires_at=now + timedelta(days=self.settings.refresh_token_ttl_days),
            ip=client.ip,
            user_agent=client.user_agent,
        )
        self.session.add(auth_session)
        tokens = self._issue_tokens(auth_session)
        self.audit.record(
            "login", user_id=user.id, email=email, details={"session_id": str(auth_session.id)}
        )
        return tokens

    @staticmethod
    def _bad_credentials() -> Unauthorized:
        return Unauthorized("Wrong e-mail or password.", code="invalid_credentials")

    def _issue_tokens(self, auth_session: AuthSession) -> TokenPair:
        refresh = new_token()
        expires_at = utcnow() + timedelta(days=self.settings.refresh_token_ttl_days)
        auth_session.expires_at = expires_at
        self.session.add(
            RefreshToken(
                session_id=auth_session.id, token_hash=hash_token(refresh), expires_at=expires_at
            )
        )
        ttl = self.settings.access_token_ttl_seconds
        access = create_access_token(
            self.keyring, user_id=auth_session.user_id, session_id=auth_session.id, ttl_seconds=ttl
        )
        return TokenPair(access_token=access, refresh_token=refresh, expires_in=ttl)

    async def _find_refresh_token(self, token: str) -> tuple[RefreshToken, AuthSession] | None:
        row = (
            await self.session.execute(
                select(RefreshToken, AuthSession)
                .join(AuthSession, RefreshToken.session_id == AuthSession.id)
                .where(RefreshToken.token_hash == hash_token(token))
            )
        ).one_or_none()
        if row is None or not token_matches(token, row[0].token_hash):
            return None
        return row[0], row[1]

    async def refresh(self, token: str) -> RefreshOutcome:
        found = await self._find_refresh_token(token)
        if found is None:
            self.audit.failure("refresh", details={"reason": "unknown_token"})
            raise Unauthorized(
                "This refresh token is not valid; sign in again.", code="invalid_refresh_token"
            )
        refresh_row, auth_session = found
        now = utcnow()
        if refresh_row.used_at is not None:
            # A rotated token came back: whoever holds the family may be an attacker.
            if auth_session.revoked_at is None:
                self._revoke(auth_session, "refresh_token_reused")
            self.audit.failure(
                "refresh_reuse",
                user_id=auth_session.user_id,
                details={"session_id": str(auth_session.id)},
            )
            return RefreshOutcome(
                error=Unauthorized(
                    "This refresh token was already used; the session has been ended for safety. "
                    "Sign in again.",
                    code="refresh_token_reused",
                )
            )
        if auth_session.revoked_at is not None:
            self.audit.failure(
                "refresh", user_id=auth_session.user_id, details={"reason": "revoked"}
            )
            raise Unauthorized("This session has ended; sign in again.", code="session_revoked")
        if refresh_row.expires_at <= now or auth_session.expires_at <= now:
            self.audit.failure(
                "refresh", user_id=auth_session.user_id, details={"reason": "expired"}
            )
            raise Unauthorized(
                "This refresh token has expired; sign in again.", code="refresh_token_expired"
            )
        user = await self.session.get(User, auth_session.user_id)
        if user is None or not user.is_active:
            raise Unauthorized("This account is disabled.", code="account_disabled")
        refresh_row.used_at = now
        auth_session.last_used_at = now
        tokens = self._issue_tokens(auth_session)
        # A successful refresh is not audited: the dashboard refreshes on every page load, and
        # those lines drowned the audit log. Sign-ins and every failed refresh still are.
        return RefreshOutcome(tokens=tokens)

    def _revoke(self, auth_session: AuthSession, reason: str) -> None:
        auth_session.revoked_at = utcnow()
        auth_session.revoked_reason = reason

    async def logout(self, user_id: uuid.UUID, session_id: uuid.UUID) -> None:
        auth_session = await self.session.get(AuthSession, session_id)
        if (
            auth_session is not None
            and auth_session.user_id == user_id
            and auth_session.revoked_at is None
        ):
            self._revoke(auth_session, "logout")
        self.audit.record("logout", user_id=user_id, details={"session_id": str(session_id)})

    async def logout_with_refresh_token(self, token: str) -> None:
        found = await self._find_refresh_token(token)
        if found is None:
            self.audit.failure("logout", details={"reason": "unknown_token"})
            raise Unauthorized("This refresh token is not valid.", code="invalid_refresh_token")
        _, auth_session = found
        await self.logout(auth_session.user_id, auth_session.id)

    async def list_sessions(self, user_id: uuid.UUID) -> list[AuthSession]:
        rows = await self.session.scalars(
            select(AuthSession)
            .where(
                AuthSession.user_id == user_id,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > utcnow(),
            )
            .order_by(AuthSession.last_used_at.desc())
        )
        return list(rows.all())

    async def revoke_session(self, user_id: uuid.UUID, session_id: uuid.UUID) -> None:
        auth_session = await self.session.get(AuthSession, session_id)
        if auth_session is None or auth_session.user_id != user_id:
            raise NotFound("No such session.")
        if auth_session.revoked_at is None:
            self._revoke(auth_session, "revoked_by_user")
        self.audit.record(
            "session_revoke", user_id=user_id, details={"session_id": str(session_id)}
        )

    async def _revoke_all(
        self, user_id: uuid.UUID, reason: str, *, keep: uuid.UUID | None = None
    ) -> None:
        query = (
            update(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=utcnow(), revoked_reason=reason)
        )
        if keep is not None:
            query = query.where(AuthSession.id != keep)
        await self.session.execute(query)

    # --- passwords -----------------------------------------------------------------------

    async def forgot_password(self, email: str) -> None:
        """Sends a reset link when the account exists; says nothing either way."""
        user = await self.get_user_by_email(email)
        if user is None or not user.is_active:
            self.audit.record("forgot_password", email=email, details={"sent": False})
            return
        ttl_minutes = self.settings.reset_token_ttl_minutes
        token = await self._issue_one_time_token(
            user, TokenPurpose.RESET_PASSWORD, timedelta(minutes=ttl_minutes)
        )
        link = f"{self.settings.public_url.rstrip('/')}/reset-password?token={token}"
        await self.mailer.send(
            self.session,
            to=user.email,
            template=EmailTemplate.RESET,
            context={
                "name": user.full_name,
                "link": link,
                "token": token,
                "ttl_minutes": ttl_minutes,
            },
            user_id=user.id,
        )
        self.audit.record("forgot_password", user_id=user.id, email=email, details={"sent": True})

    def _check_new_password(self, user: User, password: str, action: str) -> None:
        problem = password_problem(password, user.email)
        if problem:
            self.audit.failure(action, user_id=user.id, details={"reason": "weak_password"})
            raise Unprocessable(
                f"new_password: password {problem}",
                details=[{"field": "new_password", "message": f"password {problem}"}],
            )

    async def reset_password(self, token: str, new_password: str) -> None:
        user = await self._use_one_time_token(token, TokenPurpose.RESET_PASSWORD, "reset_password")
        self._check_new_password(user, new_password, "reset_password")
        user.password_hash = await hash_password(new_password, self.settings.bcrypt_rounds)
        user.password_changed_at = utcnow()
        # Whoever could read the reset e-mail controls the address: that proves it too.
        user.email_verified_at = user.email_verified_at or utcnow()
        await self._revoke_all(user.id, "password_reset")
        self.audit.record("reset_password", user_id=user.id, email=user.email)

    async def change_password(
        self, user_id: uuid.UUID, session_id: uuid.UUID, current_password: str, new_password: str
    ) -> None:
        user = await self.session.get(User, user_id)
        if user is None:  # pragma: no cover - CurrentUser guarantees it
            raise Unauthorized("Unknown account.")
        if not await verify_password(current_password, user.password_hash):
            self.audit.failure(
                "change_password", user_id=user.id, details={"reason": "bad_password"}
            )
            raise BadRequest(
                "The current password is wrong.",
                code="invalid_current_password",
                details=[{"field": "current_password", "message": "does not match"}],
            )
        self._check_new_password(user, new_password, "change_password")
        user.password_hash = await hash_password(new_password, self.settings.bcrypt_rounds)
        user.password_changed_at = utcnow()
        await self._revoke_all(user.id, "password_changed", keep=session_id)
        self.audit.record("change_password", user_id=user.id)
