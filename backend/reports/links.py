"""Signed report links: a Fernet token (the keyring's encryption key, so it cannot be
forged or read) naming the run and the user, with Fernet's own timestamp for expiry."""

from __future__ import annotations

import json
import uuid

from cryptography.fernet import InvalidToken

from backend.kit.keys import KeyRing


def issue_report_token(keyring: KeyRing, run_id: uuid.UUID, user_id: uuid.UUID) -> str:
    payload = json.dumps({"purpose": "report", "run": str(run_id), "user": str(user_id)})
    return keyring.fernet.encrypt(payload.encode()).decode()


def read_report_token(
    keyring: KeyRing, token: str, run_id: uuid.UUID, ttl_seconds: int
) -> uuid.UUID | None:
    """The user a valid, unexpired token for this run was issued to; None otherwise."""
    if not token or len(token) > 1000:
        return None
    try:
        raw = keyring.fernet.decrypt(token.encode(), ttl=ttl_seconds)
        payload = json.loads(raw)
    except (InvalidToken, ValueError):
        return None
    if payload.get("purpose") != "report" or payload.get("run") != str(run_id):
        return None
    try:
        return uuid.UUID(str(payload.get("user")))
    except ValueError:
        return None
