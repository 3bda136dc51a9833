"""Custom fields of a project's cases (text, number, select, multi-select, user, date;
required or not): defined by admins, every value checked with a 422 naming the field."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cases.models import CustomField
from backend.kit.errors import Conflict, NotFound, Unprocessable
from backend.orgs.models import Membership
from backend.projects.models import Project

MAX_TEXT = 10_000
KINDS_WITH_OPTIONS = ("select", "multi_select")


async def list_fields(session: AsyncSession, project_id: uuid.UUID) -> list[CustomField]:
    rows = await session.scalars(
        select(CustomField)
        .where(CustomField.project_id == project_id)
        .order_by(CustomField.position, CustomField.name)
    )
    return list(rows)


async def get_field(session: AsyncSession, field_id: uuid.UUID) -> CustomField:
    field = await session.get(CustomField, field_id)
    if field is None:
        raise NotFound("No such custom field.")
    return field


def _check_options(kind: str, options: list[str]) -> list[str]:
    if kind in KINDS_WITH_OPTIONS:
        cleaned = [o.strip() for o in options]
        if not cleaned:
            raise Unprocessable(
                f"A {kind} field needs at least one option.",
                details=[{"field": "options", "message": "at least one option"}],
            )
        if len(set(cleaned)) != len(cleaned):
            raise Unprocessable(
                "Options must differ.", details=[{"field": "options", "message": "duplicate"}]
            )
        return cleaned
    if options:
        raise Unprocessable(
            f"A {kind} field has no options.",
            details=[{"field": "options", "message": f"not allowed for {kind}"}],
        )
    return []


async def _check_name_free(
    session: AsyncSession, project_id: uuid.UUID, name: str, other_than: uuid.UUID | None = None
) -> None:
    found = await session.scalar(
        select(CustomField.id).where(CustomField.project_id == project_id, CustomField.name == name)
    )
    if found is not None and found != other_than:
        raise Conflict(f"A custom field named {name!r} already exists.", code="field_exists")


async def create_field(
    session: AsyncSession,
    project_id: uuid.UUID,
    *,
    name: str,
    kind: str,
    options: list[str],
    required: bool,
    position: int,
) -> CustomField:
    await _check_name_free(session, project_id, name)
    field = CustomField(
        id=uuid.uuid4(),
        project_id=project_id,
        name=name,
        kind=kind,
        options=_check_options(kind, options),
        required=required,
        position=position,
    )
    session.add(field)
    await session.flush()
    return field


async def update_field(
    session: AsyncSession,
    field: CustomField,
    *,
    name: str | None,
    options: list[str] | None,
    required: bool | None,
    position: int | None,
) -> CustomField:
    if name is not None and name.strip() != field.name:
        await _check_name_free(session, field.project_id, name.strip(), field.id)
        field.name = name.strip()
    if options is not None:
        field.options = _check_options(field.kind, options)
    if required is not None:
        field.required = required
    if position is not None:
        field.position = position
    await session.flush()
    return field


def resolve_keys(fields: list[CustomField], values: dict[str, Any]) -> dict[uuid.UUID, Any]:
    """Values named by field name or id -> by field id; 422 for a field that does not exist."""
    by_name = {f.name.casefold(): f for f in fields}
    by_id = {str(f.id): f for f in fields}
    resolved: dict[uuid.UUID, Any] = {}
    for key, value in values.items():
        field = by_id.get(key) or by_name.get(key.strip().casefold())
        if field is None:
            raise Unprocessable(
                f"No custom field named {key!r} in this project.",
                code="unknown_field",
                details=[{"field": f"custom.{key}", "message": "no such custom field"}],
            )
        resolved[field.id] = value
    return resolved


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


async def project_members(session: AsyncSession, project: Project) -> set[uuid.UUID]:
    rows = await session.scalars(
        select(Membership.user_id).where(Membership.org_id == project.org_id)
    )
    return set(rows)


def check_value(field: CustomField, value: Any, members: set[uuid.UUID]) -> Any:
    """The value as stored, or a ``ValueError`` saying what is wrong with it."""
    kind = field.kind
    if kind == "text":
        if not isinstance(value, str):
            raise ValueError("must be text")
        if len(value) > MAX_TEXT:
            raise ValueError(f"must be at most {MAX_TEXT} characters")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a number")
        return value
    if kind == "select":
        if not isinstance(value, str) or value not in field.options:
            raise ValueError(f"must be one of: {', '.join(field.options)}")
        return value
    if kind == "multi_select":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("must be a list of options")
        wrong = [v for v in value if v not in field.options]
        if wrong:
            raise ValueError(
                f"{', '.join(repr(w) for w in wrong)} not among: {', '.join(field.options)}"
            )
        return list(dict.fromkeys(value))
    if kind == "user":
        try:
            user_id = uuid.UUID(str(value))
        except ValueError:
            raise ValueError("must be a user id") from None
        if user_id not in members:
            raise ValueError("must be a member of the organisation")
        return str(user_id)
    if kind == "date":
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError("must be a date (YYYY-MM-DD)") from None
    raise ValueError(f"unknown field kind {kind}")  # pragma: no cover - kinds are a Literal


def apply_values(
    fields: list[CustomField],
    stored: dict[str, Any],
    changes: dict[uuid.UUID, Any] | None,
    members: set[uuid.UUID],
    *,
    enforce_required: bool = True,
) -> dict[str, Any]:
    """The case's custom values after ``changes``; 422 naming the first wrong field, and
    for a required field left empty (not for cases created from a run: nobody is there
    to fill them in)."""
    values = dict(stored)
    by_id = {f.id: f for f in fields}
    for field_id, value in (changes or {}).items():
        field = by_id[field_id]
        if _empty(value):
            values.pop(str(field_id), None)
            continue
        try:
            values[str(field_id)] = check_value(field, value, members)
        except ValueError as exc:
            raise Unprocessable(
                f"Custom field {field.name!r} {exc}.",
                code="invalid_field",
                details=[{"field": f"custom.{field.name}", "message": str(exc)}],
            ) from None
    for field in fields if enforce_required else ():
        if field.required and _empty(values.get(str(field.id))):
            raise Unprocessable(
                f"Custom field {field.name!r} is required.",
                code="field_required",
                details=[{"field": f"custom.{field.name}", "message": "required"}],
            )
    # Values of deleted fields are dropped.
    return {k: v for k, v in values.items() if uuid.UUID(k) in by_id}


def named(fields: list[CustomField], values: dict[str, Any]) -> dict[str, Any]:
    """Values by field name (what a person reads in a version's diff or a CSV)."""
    names = {str(f.id): f.name for f in fields}
    return {names[k]: v for k, v in sorted(values.items()) if k in names}
