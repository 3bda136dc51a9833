"""Request and response shapes of the projects api."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.kit.text import Name


class ProjectCreate(BaseModel):
    name: Name = Field(min_length=1, max_length=120)
    repository: str = Field(
        min_length=1,
        max_length=2000,
        description="A git URL (https://, file://) or, where allowed, a local path.",
    )
    default_branch: str | None = Field(default=None, max_length=255)

    @field_validator("name", "repository", mode="after")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class ProjectOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    org_id: uuid.UUID
    name: str
    repository: str
    default_branch: str | None
    created_at: datetime
