"""The door of the webhook receiver: signatures, headers, body size and payload decoding.

Pure functions (no database, no HTTP framework) so each rule is tested on its own.
GitHub's contract: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
— ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the secret>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from backend.github.handlers import registered_events

SIGNATURE_HEADER = "X-Hub-Signature-256"
EVENT_HEADER = "X-GitHub-Event"
DELIVERY_HEADER = "X-GitHub-Delivery"
SIGNATURE_PREFIX = "sha256="

# Events the worker acts on (and those other domains registered handlers for:
# ``is_handled``); any other signed event is stored as ignored.
HANDLED_EVENTS = frozenset(
    {"push", "pull_request", "ping", "installation", "installation_repositories"}
)
# Longest header values we store (GitHub's are far shorter: a UUID, an event name).
MAX_HEADER_CHARS = 64


class PayloadError(ValueError):
    """The body is not a JSON object GitHub would send; the message says why."""


def is_handled(event: str) -> bool:
    return event in HANDLED_EVENTS or event in registered_events()


def sign(secret: str | bytes, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value GitHub sends for ``body`` (tests, docs)."""
    key = secret.encode() if isinstance(secret, str) else secret
    return SIGNATURE_PREFIX + hmac.new(key, body, hashlib.sha256).hexdigest()


def signature_matches(secret: str | bytes, body: bytes, header: str) -> bool:
    """Constant-time comparison of the received signature with the expected one."""
    expected = sign(secret, body)
    # compare_digest needs ASCII on both sides for str; bytes accept anything.
    return hmac.compare_digest(expected.encode(), header.strip().encode("utf-8", "replace"))


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        return None
    value = value.strip()
    return value[:MAX_HEADER_CHARS] if value else None


def decode_payload(body: bytes, content_type: str | None) -> dict[str, Any]:
    """A webhook body as a dict: ``application/json`` or, when the hook was created with
    the form content type, the JSON in its ``payload`` field."""
    media_type = (content_type or "application/json").split(";", 1)[0].strip().lower()
    if media_type == "application/x-www-form-urlencoded":
        try:
            fields = parse_qs(body.decode("utf-8"), strict_parsing=True)
        except (UnicodeDecodeError, ValueError) as exc:
            raise PayloadError("the form body cannot be decoded") from exc
        values = fields.get("payload")
        if not values:
            raise PayloadError("the form body has no 'payload' field")
        text = values[0]
    else:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PayloadError("the body is not UTF-8") from exc
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PayloadError(f"the body is not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    except RecursionError as exc:
        raise PayloadError("the body's JSON is nested too deeply") from exc
    if not isinstance(payload, dict):
        raise PayloadError("the body is JSON but not an object")
    if "\\u0000" in text:
        # PostgreSQL's JSONB cannot hold NUL characters; keep the rest of the payload.
        try:
            cleaned: dict[str, Any] = _without_nul(payload)
        except RecursionError as exc:
            raise PayloadError("the body's JSON is nested too deeply") from exc
        return cleaned
    return payload


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class DeliverySubject:
    """Whom a delivery concerns, copied out of the payload for listing and access checks."""

    action: str | None
    repository_full_name: str | None
    github_repo_id: int | None
    installation_id: int | None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def subject_of(payload: Mapping[str, Any]) -> DeliverySubject:
    action = payload.get("action")
    repository = payload.get("repository")
    installation = payload.get("installation")
    full_name = repository.get("full_name") if isinstance(repository, dict) else None
    return DeliverySubject(
        action=action[:MAX_HEADER_CHARS] if isinstance(action, str) else None,
        repository_full_name=full_name[:255] if isinstance(full_name, str) else None,
        github_repo_id=_int_or_none(repository.get("id")) if isinstance(repository, dict) else None,
        installation_id=(
            _int_or_none(installation.get("id")) if isinstance(installation, dict) else None
        ),
    )
