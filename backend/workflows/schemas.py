"""Request and response shapes of the workflows api."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from backend.kit.text import Name
from backend.runs.schemas import RunOptions


class WorkflowCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(min_length=1, max_length=120)
    enabled: bool = True
    # Validated by backend.workflows.config.parse_config, so errors name the field.
    config: dict[str, Any] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class WorkflowUpdate(BaseModel):
    """Fields to change; ``config`` replaces the whole configuration."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = Field(default=None, min_length=1, max_length=120)
    enabled: bool | None = None
    config: dict[str, Any] | None = None


class WorkflowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    repository_id: uuid.UUID
    project_id: uuid.UUID
    name: str
    enabled: bool
    config: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime


class WorkflowVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    config: dict[str, Any]
    diff: list[dict[str, Any]]
    changed_by_id: uuid.UUID | None
    changed_at: datetime


class ManualRunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    branch: str | None = Field(default=None, max_length=255)
    commit: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{7,40}$")
    env: dict[str, str] = Field(
        default_factory=dict,
        max_length=100,
        description="One-off, NON-SECRET variables for this run (stored in clear).",
    )

    @field_validator("env")
    @classmethod
    def _env(cls, values: dict[str, str]) -> dict[str, str]:
        # The same rules as a run's options.env (names, reserved names, sizes).
        try:
            return RunOptions(env=values).env
        except ValidationError as exc:
            raise ValueError(str(exc.errors()[0]["msg"]).removeprefix("Value error, ")) from None

    @field_validator("branch")
    @classmethod
    def _branch(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or value.startswith("-")):
            raise ValueError("is not a branch name")
        return value


class SchedulePreview(BaseModel):
    cron: str
    timezone: str
    next_slots: list[datetime]  # UTC
