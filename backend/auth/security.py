"""Passwords (bcrypt), secret tokens (random, stored as SHA-256) and access tokens (RS256 JWT).

Access tokens are verified only with RS256 and only with a key whose ``kid`` is in the
key ring: ``alg: none``, HS256 (the classic "public key used as HMAC secret" attack) and
unknown keys are refused before any signature check.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import bcrypt
import jwt
from starlette.concurrency import run_in_threadpool

from backend.kit.keys import KeyRing
from backend.kit.time import utcnow

ACCESS_TOKEN_ALGORITHM = "RS256"  # noqa: S105 - an algorithm name
ISSUER = "testable"
AUDIENCE = "testable-api"
BCRYPT_MAX_BYTES = 72  # bcrypt ignores (bcrypt>=5: refuses) anything longer


# --- passwords ---------------------------------------------------------------------------


def _hash_password_sync(password: str, rounds: int) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


def _verify_password_sync(password: str, password_hash: str) -> bool:
    encoded = password.encode()
    if len(encoded) > BCRYPT_MAX_BYTES:
        return False
    return bcrypt.checkpw(encoded, password_hash.encode())


async def hash_password(password: str, rounds: int) -> str:
    # bcrypt costs ~0.25 s at 12 rounds: off the event loop so other requests keep flowing.
    return await run_in_threadpool(_hash_password_sync, password, rounds)


async def verify_password(password: str, password_hash: str) -> bool:
    """Constant-time inside bcrypt."""
    return await run_in_threadpool(_verify_password_sync, password, password_hash)


@lru_cache(maxsize=8)
def _dummy_hash(rounds: int) -> str:
    return _hash_password_sync(secrets.token_urlsafe(16), rounds)


async def burn_password_check(password: str, rounds: int) -> None:
    """Spend the time of a real check when the account does not exist, so response times
    don't tell which e-mails are registered."""
    await verify_password(password, _dummy_hash(rounds))


def password_cost(password_hash: str) -> int:
    """The bcrypt cost factor stored in a hash (``$2b$12$...`` -> 12)."""
    return int(password_hash.split("$")[2])


# --- opaque tokens (refresh, verification, reset, invitation) ----------------------------


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, token_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), token_hash)


# --- access tokens -----------------------------------------------------------------------


class InvalidAccessToken(Exception):
    """The token is malformed, expired, forged or signed with a key we don't accept."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    expires_at: datetime


def create_access_token(
    keyring: KeyRing, *, user_id: uuid.UUID, session_id: uuid.UUID, ttl_seconds: int
) -> str:
    key = keyring.active_signing_key
    now = utcnow()
    claims = {
        "sub": str(user_id),
        "sid": str(session_id),
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=ttl_seconds),
        "jti": secrets.token_hex(8),
        "typ": "access",
    }
    return jwt.encode(
        claims, key.private_pem, algorithm=ACCESS_TOKEN_ALGORITHM, headers={"kid": key.kid}
    )


def decode_access_token(keyring: KeyRing, token: str) -> AccessClaims:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidAccessToken("malformed token") from exc
    if header.get("alg") != ACCESS_TOKEN_ALGORITHM:
        raise InvalidAccessToken(f"algorithm {header.get('alg')!r} is not accepted")
    kid = header.get("kid")
    public_pem = keyring.public_key(kid) if isinstance(kid, str) else None
    if public_pem is None:
        raise InvalidAccessToken("unknown signing key")
    try:
        claims = jwt.decode(
            token,
            public_pem,
            algorithms=[ACCESS_TOKEN_ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "sid", "aud", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidAccessToken(str(exc)) from exc
    if claims.get("typ") != "access":
        raise InvalidAccessToken("not an access token")
    try:
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            session_id=uuid.UUID(claims["sid"]),
            expires_at=datetime.fromtimestamp(claims["exp"], tz=utcnow().tzinfo),
        )
    except (ValueError, TypeError) as exc:
        raise InvalidAccessToken("malformed claims") from exc
