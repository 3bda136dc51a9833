"""Request and response shapes of the repositories api. A token goes in, never out."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

FULL_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")


class RepositoryConnect(BaseModel):
    """``provider: "github"``: ``full_name`` and exactly one of ``installation_id`` (the
    GitHub App's installation) or ``token`` (a personal access token).
    ``provider: "local"`` (embedded mode): ``path``, an absolute path or file:// URL."""

    model_config = ConfigDict(extra="forbid")

    provider: Literal["github", "local"] = "github"
    full_name: str | None = Field(default=None, max_length=201, description='"owner/name"')
    installation_id: int | None = Field(default=None, ge=1)
    token: SecretStr | None = Field(default=None, description="A personal access token.")
    path: str | None = Field(default=None, min_length=1, max_length=2000)
    default_branch: str | None = Field(default=None, max_length=255)

    @field_validator("full_name")
    @classmethod
    def _full_name(cls, value: str | None) -> str | None:
        if value is None:
            return value
        value = value.strip()
        if not FULL_NAME.match(value) or value.split("/")[1] in (".", ".."):
            raise ValueError('must be "owner/name"')
        return value

    @field_validator("token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            text = value.get_secret_value().strip()
            if not text or len(text) > 500 or any(c.isspace() for c in text):
                raise ValueError("is not a GitHub token")
            return SecretStr(text)
        return value


class RepositoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    org_id: uuid.UUID
    project_id: uuid.UUID
    provider: str
    full_name: str | None
    clone_url: str
    default_branch: str | None
    github_repo_id: int | None
    installation_id: int | None
    auth: Literal["app", "token", "none"]
    protected_branches: list[str]
    connected: bool
    disconnected_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, repository: Any) -> RepositoryOut:
        auth: Literal["app", "token", "none"] = (
            "app"
            if repository.installation_id is not None
            else "token"
            if repository.token_encrypted is not None
            else "none"
        )
        return cls.model_validate(
            {
                **{name: getattr(repository, name) for name in cls.model_fields if name != "auth"},
                "auth": auth,
            }
        )
