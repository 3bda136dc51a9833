"""API shapes of environment variables. A secret's value is never in a response."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from backend.envvars.models import DEFAULT_ENVIRONMENT

ENVIRONMENT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
MAX_IMPORT_TEXT = 256 * 1024
MAX_IMPORT_VARIABLES = 500


class EnvVarOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    workflow_id: uuid.UUID | None
    environment: str
    key: str
    value: str | None = Field(description="None for a secret: its value is never returned.")
    secret: bool
    created_at: datetime
    updated_at: datetime


class EnvVarCreate(BaseModel):
    key: str = Field(min_length=1, max_length=255)
    value: str = Field(max_length=64 * 1024)
    secret: bool | None = Field(
        default=None, description="None: guessed from the name and the value."
    )
    workflow_id: uuid.UUID | None = None
    environment: str = Field(default=DEFAULT_ENVIRONMENT, pattern=ENVIRONMENT_PATTERN)


class EnvVarUpdate(BaseModel):
    value: str | None = Field(default=None, max_length=64 * 1024)
    secret: bool | None = None

    @model_validator(mode="after")
    def _something(self) -> EnvVarUpdate:
        if self.value is None and self.secret is None:
            raise ValueError("give a new value, a secret flag, or both")
        return self


class ImportBody(BaseModel):
    """Either ``text`` (pasted ``.env``) or ``variables`` (names and values entered one by
    one, e.g. after listing GitHub Actions secret names)."""

    text: str | None = Field(default=None, max_length=MAX_IMPORT_TEXT)
    variables: dict[str, str] | None = Field(default=None, max_length=MAX_IMPORT_VARIABLES)
    workflow_id: uuid.UUID | None = None
    environment: str = Field(default=DEFAULT_ENVIRONMENT, pattern=ENVIRONMENT_PATTERN)
    secrets: dict[str, bool] = Field(
        default_factory=dict, description="Secret flag per key, overriding the guess."
    )
    overwrite: bool = Field(default=True, description="False keeps existing keys unchanged.")
    dry_run: bool = Field(default=False, description="Only preview: nothing is stored.")

    @model_validator(mode="after")
    def _one_source(self) -> ImportBody:
        if (self.text is None) == (self.variables is None):
            raise ValueError("give either text or variables")
        return self


class ProblemOut(BaseModel):
    line: int
    message: str
    severity: Literal["error", "warning"]


class ImportVariableOut(BaseModel):
    key: str
    line: int | None
    secret: bool
    action: Literal["create", "update", "unchanged", "skip"]


class ImportResult(BaseModel):
    dry_run: bool
    variables: list[ImportVariableOut]
    problems: list[ProblemOut]
    created: int
    updated: int
    unchanged: int
    skipped: int


class GitHubSecretName(BaseModel):
    name: str
    exists: bool = Field(description="Already set in this scope (its value stays hidden).")


class GitHubSecretNames(BaseModel):
    repository: str
    names: list[GitHubSecretName]
