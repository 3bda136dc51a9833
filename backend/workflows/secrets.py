"""Secret values in a workflow's reporting destinations (e.g. a Slack ``webhook_url``, which
is itself the credential): encrypted at rest, never shown again after saving.

A destination's settings model marks such a field with ``json_schema_extra={"secret": True}``.
Stored, the value is ``{"$encrypted": "<Fernet token>"}`` (app keyring); shown by the api
and in version diffs, it is ``null`` plus ``"<field>_set": true``. When a configuration is
saved again, a secret field sent as ``null``, as the mask or left out keeps the stored
value (so the editor can send back what it was shown); ``"<field>_set": false`` clears it.

Which stored destination an incoming one continues is decided by type and order: the
k-th destination of a type inherits from the stored k-th of that type. When destinations
of that type were removed, that order no longer says which is which, so an omitted secret
is refused (422, send the value again) instead of possibly posting to another channel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from cryptography.fernet import InvalidToken, MultiFernet
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kit.errors import Unprocessable
from backend.kit.keys import KeyRing

ENCRYPTED = "$encrypted"
SET_SUFFIX = "_set"
MASK = "********"  # a bare secret in a diff entry's old/new

TypesLookup = Callable[[], Mapping[str, type[BaseModel] | None]]


def secret_fields(model: type[BaseModel] | None) -> frozenset[str]:
    """The settings model's top-level fields marked ``{"secret": True}``."""
    if model is None:
        return frozenset()
    return frozenset(
        name
        for name, field in model.model_fields.items()
        if isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get("secret")
    )


def is_encrypted(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {ENCRYPTED}


def _types() -> Mapping[str, type[BaseModel] | None]:
    from backend.workflows.config import destination_types

    return destination_types()


def _destinations(config: Mapping[str, Any] | None) -> list[Any]:
    reporting = (config or {}).get("reporting") or {}
    found = reporting.get("destinations") if isinstance(reporting, dict) else None
    return list(found) if isinstance(found, list) else []


def _of_type(destinations: list[Any], kind: str) -> list[dict[str, Any]]:
    return [
        d.get("settings") or {}
        for d in destinations
        if isinstance(d, dict) and d.get("type") == kind
    ]


# --------------------------------------------------------------------------- saving


def merge_kept_secrets(
    incoming: dict[str, Any] | None,
    stored: Mapping[str, Any] | None,
    keyring: KeyRing | None,
    *,
    prefix: str = "config",
    types: TypesLookup = _types,
) -> dict[str, Any] | None:
    """``incoming`` with each omitted/``null`` secret replaced by the stored (decrypted)
    value and the ``<field>_set`` markers removed, ready for validation. Not mutated."""
    if not isinstance(incoming, dict):
        return incoming
    new_list = _destinations(incoming)
    if not new_list:
        return incoming
    old_list = _destinations(stored)
    known = types()
    seen: dict[str, int] = {}
    merged: list[Any] = []
    for index, destination in enumerate(new_list):
        if not isinstance(destination, dict) or not isinstance(destination.get("settings"), dict):
            merged.append(destination)
            continue
        kind = str(destination.get("type"))
        position = seen.get(kind, 0)
        seen[kind] = position + 1
        fields = secret_fields(known.get(kind))
        if not fields:
            merged.append(destination)
            continue
        settings = dict(destination["settings"])
        previous_of_type = _of_type(old_list, kind)
        previous = previous_of_type[position] if position < len(previous_of_type) else {}
        removed_some = len(_of_type(new_list, kind)) < len(previous_of_type)
        for name in sorted(fields):
            flag = settings.pop(name + SET_SUFFIX, None)
            if settings.get(name) == MASK:  # the diff's mask sent back: the stored value
                settings[name] = None
            if settings.get(name) is not None or flag is False:
                continue
            kept = previous.get(name)
            if not is_encrypted(kept):
                continue
            if removed_some:
                path = f"{prefix}.reporting.destinations[{index}].settings.{name}"
                raise Unprocessable(
                    f"{path}: send this secret again (a {kind} destination was removed, so "
                    "the stored values cannot be matched to the remaining ones)",
                    code="secret_not_matched",
                    details=[{"field": path, "message": "send this secret again"}],
                )
            settings[name] = _decrypt(kept, keyring)
        merged.append({**destination, "settings": settings})
    reporting = dict(incoming.get("reporting") or {})
    reporting["destinations"] = merged
    return {**incoming, "reporting": reporting}


def seal_config(
    config: dict[str, Any],
    stored: Mapping[str, Any] | None,
    keyring: KeyRing | None,
    *,
    types: TypesLookup = _types,
) -> dict[str, Any]:
    """The validated, dumped config with its secret values encrypted. A value equal to the
    one stored keeps its token, so saving unchanged settings adds no version."""
    destinations = _destinations(config)
    if not destinations:
        return config
    old_list = _destinations(stored)
    known = types()
    seen: dict[str, int] = {}
    sealed: list[Any] = []
    for destination in destinations:
        kind = str(destination.get("type"))
        position = seen.get(kind, 0)
        seen[kind] = position + 1
        fields = secret_fields(known.get(kind))
        settings = dict(destination.get("settings") or {})
        previous_of_type = _of_type(old_list, kind)
        previous = previous_of_type[position] if position < len(previous_of_type) else {}
        for name in fields:
            value = settings.get(name)
            if value is None or is_encrypted(value):
                continue
            if keyring is None:
                raise RuntimeError("saving a secret destination setting needs the keyring")
            kept = previous.get(name)
            if is_encrypted(kept) and _decrypt(kept, keyring) == str(value):
                settings[name] = kept
            else:
                token = keyring.fernet.encrypt(str(value).encode()).decode()
                settings[name] = {ENCRYPTED: token}
        sealed.append({**destination, "settings": settings})
    reporting = dict(config.get("reporting") or {})
    reporting["destinations"] = sealed
    return {**config, "reporting": reporting}


def _decrypt(value: Any, keyring: KeyRing | None) -> str:
    if keyring is None:
        raise RuntimeError("reading a secret destination setting needs the keyring")
    return keyring.fernet.decrypt(str(value[ENCRYPTED]).encode()).decode()


# --------------------------------------------------------------------------- reading


def reveal_destination_settings(
    settings: Mapping[str, Any], keyring: KeyRing | None
) -> dict[str, Any]:
    """A destination's settings with its encrypted values decrypted (for the reporter only).
    Without a keyring, or with a value no key decrypts, the value is left encrypted, so the
    destination fails validation and is recorded as failed instead of leaking anything."""
    revealed: dict[str, Any] = {}
    for name, value in settings.items():
        if is_encrypted(value) and keyring is not None:
            try:
                revealed[name] = _decrypt(value, keyring)
            except InvalidToken:
                revealed[name] = value
        else:
            revealed[name] = value
    return revealed


def mask_secrets(document: Any) -> Any:
    """A copy fit to show: each encrypted value becomes ``null`` with ``"<key>_set": true``
    beside it (or ``MASK`` where it stands alone, e.g. a diff entry's old/new)."""
    if is_encrypted(document):
        return MASK
    if isinstance(document, dict):
        shown: dict[str, Any] = {}
        for key, value in document.items():
            if is_encrypted(value):
                shown[key] = None
                shown[f"{key}{SET_SUFFIX}"] = True
            else:
                shown[key] = mask_secrets(value)
        return shown
    if isinstance(document, list):
        return [mask_secrets(item) for item in document]
    return document


def reencrypt_secrets(document: Any, fernet: MultiFernet) -> tuple[Any, int]:
    """A copy with every encrypted value re-encrypted with the primary key; how many."""
    if is_encrypted(document):
        token = fernet.rotate(str(document[ENCRYPTED]).encode()).decode()
        return {ENCRYPTED: token}, 1
    if isinstance(document, dict):
        count = 0
        out: dict[str, Any] = {}
        for key, value in document.items():
            out[key], n = reencrypt_secrets(value, fernet)
            count += n
        return out, count
    if isinstance(document, list):
        count = 0
        items = []
        for item in document:
            rotated, n = reencrypt_secrets(item, fernet)
            items.append(rotated)
            count += n
        return items, count
    return document, 0


def mask_diff(diff: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A version diff fit to show: encrypted old/new values as ``MASK``."""
    shown = []
    for change in diff:
        entry = dict(change)
        for side in ("old", "new"):
            if side in entry:
                entry[side] = mask_secrets(entry[side])
        shown.append(entry)
    return shown


async def reencrypt_workflow_secrets(session: AsyncSession, fernet: MultiFernet) -> int:
    """Re-encrypt the secret destination settings of every workflow and stored version
    (their configs and diffs) with the primary key; the number of values."""
    from backend.workflows.models import Workflow, WorkflowVersion

    count = 0
    for workflow in await session.scalars(select(Workflow)):
        workflow.config, n = reencrypt_secrets(workflow.config, fernet)
        count += n
    for version in await session.scalars(select(WorkflowVersion)):
        version.config, n = reencrypt_secrets(version.config, fernet)
        version.diff, m = reencrypt_secrets(version.diff, fernet)
        count += n + m
    await session.flush()
    return count
