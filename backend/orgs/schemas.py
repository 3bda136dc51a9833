"""Request and response shapes of ``/api/orgs``."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from backend.auth.schemas import AuditEventOut
from backend.kit.text import Name
from backend.orgs.models import Role


class OrgCreate(BaseModel):
    name: Name = Field(min_length=1, max_length=120)

    @field_validator("name", mode="after")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name must not be blank")
        return value.strip()


class OrgOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    slug: str
    personal: bool
    created_at: datetime
    role: Role = Field(description="Your role in this organisation.")


class MemberOut(BaseModel):
    user_id: uuid.UUID
    email: str
    full_name: str | None
    role: Role
    joined_at: datetime


class RoleChange(BaseModel):
    role: Role


class InvitationCreate(BaseModel):
    email: EmailStr
    role: Role = Role.MEMBER

    @field_validator("email", mode="after")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()


class InvitationOut(BaseModel):
    id: uuid.UUID
    org_id: uuid.UUID
    email: str
    role: Role
    status: str
    created_at: datetime
    expires_at: datetime


class InvitationAccept(BaseModel):
    token: str = Field(min_length=1, max_length=512)


class AuditLogPage(BaseModel):
    items: list[AuditEventOut]
    next_before: uuid.UUID | None = Field(
        description="Pass as `before` to get the next (older) page; null on the last page."
    )
