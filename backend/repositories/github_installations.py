"""Which organisation a GitHub App installation belongs to, bound when it is installed.

The App mints a token for any installation id it is given and installation ids are small,
guessable numbers, so an organisation may only use an installation it has bound. Binding
happens on GitHub's "Setup URL" callback: the admin asks us for an install URL carrying a
signed, expiring ``state`` naming their organisation and themselves; GitHub sends the
browser back with that state and the new ``installation_id``; the state (not a bearer
token: the caller is a plain browser redirect) proves which organisation asked.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from sqlalchemy import BigInteger, ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base
from backend.kit.errors import BadRequest
from backend.kit.keys import KeyRing
from backend.kit.time import utcnow

STATE_LIFETIME = timedelta(minutes=30)
_STATE_AUDIENCE = "github-app-install"
# Separates this use of the encryption keys from any other derived key.
_KEY_LABEL = b"testable/github-install-state/v1"


class GitHubInstallation(Base):
    __tablename__ = "github_installations"

    installation_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    bound_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    bound_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class InstallState:
    org_id: uuid.UUID
    user_id: uuid.UUID


def _state_keys(keyring: KeyRing) -> list[bytes]:
    """One HMAC key per encryption key: the first signs, all verify (rotation-safe)."""
    return [hmac.new(key, _KEY_LABEL, hashlib.sha256).digest() for key in keyring.fernet_keys]


def sign_state(keyring: KeyRing, *, org_id: uuid.UUID, user_id: uuid.UUID) -> str:
    now = utcnow()
    claims = {
        "aud": _STATE_AUDIENCE,
        "org": str(org_id),
        "sub": str(user_id),
        "iat": now,
        "exp": now + STATE_LIFETIME,
    }
    return jwt.encode(claims, _state_keys(keyring)[0], algorithm="HS256")


def _invalid_state(message: str) -> BadRequest:
    return BadRequest(f"state: {message}", details=[{"field": "state", "message": message}])


def verify_state(keyring: KeyRing, state: str) -> InstallState:
    """The organisation and user a state was signed for; 400 naming ``state`` otherwise."""
    for key in _state_keys(keyring):
        try:
            claims = jwt.decode(
                state,
                key,
                algorithms=["HS256"],
                audience=_STATE_AUDIENCE,
                options={"require": ["exp", "org", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise _invalid_state("expired; start the installation again") from exc
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:
            raise _invalid_state("malformed") from exc
        try:
            return InstallState(org_id=uuid.UUID(claims["org"]), user_id=uuid.UUID(claims["sub"]))
        except (ValueError, TypeError) as exc:
            raise _invalid_state("malformed") from exc
    raise _invalid_state("signature does not verify")


async def owner_of(session: AsyncSession, installation_id: int) -> uuid.UUID | None:
    return await session.scalar(
        select(GitHubInstallation.org_id).where(
            GitHubInstallation.installation_id == installation_id
        )
    )


async def bind(
    session: AsyncSession, *, installation_id: int, org_id: uuid.UUID, user_id: uuid.UUID
) -> bool:
    """Record that the installation belongs to ``org_id``; False when another org holds it.

    Re-binding to the same organisation (GitHub calls the setup URL again when the
    installation's repositories change) is a no-op."""
    existing = await session.get(GitHubInstallation, installation_id)
    if existing is not None:
        return existing.org_id == org_id
    session.add(
        GitHubInstallation(installation_id=installation_id, org_id=org_id, bound_by_id=user_id)
    )
    await session.flush()
    return True
