"""Request and response shapes of ``/api/auth``. Validation errors name the field."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationInfo, field_validator

from backend.auth.passwords import password_problem
from backend.kit.text import Name


def _normalise_email(value: str) -> str:
    return value.strip().lower()


class EmailIn(BaseModel):
    email: EmailStr

    @field_validator("email", mode="after")
    @classmethod
    def _lower(cls, value: str) -> str:
        return _normalise_email(value)


class RegisterRequest(EmailIn):
    password: str = Field(min_length=1, max_length=1024)
    full_name: Name | None = Field(default=None, max_length=200)

    @field_validator("password", mode="after")
    @classmethod
    def _password_rules(cls, value: str, info: ValidationInfo) -> str:
        problem = password_problem(value, info.data.get("email"))
        if problem:
            raise ValueError(f"password {problem}")
        return value


class LoginRequest(EmailIn):
    password: str = Field(min_length=1, max_length=1024)


class RefreshRequest(BaseModel):
    """The body is optional: the dashboard sends the refresh token in its cookie instead."""

    refresh_token: str | None = Field(default=None, min_length=1, max_length=512)


class ResetPasswordRequest(BaseModel):
    token: str = Field(min_length=1, max_length=512)
    new_password: str = Field(min_length=1, max_length=1024)

    @field_validator("new_password", mode="after")
    @classmethod
    def _password_rules(cls, value: str) -> str:
        # The "not the e-mail" rule needs the account: the service checks it.
        problem = password_problem(value)
        if problem:
            raise ValueError(f"password {problem}")
        return value


class ChangePasswordRequest(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)

    @field_validator("new_password", mode="after")
    @classmethod
    def _password_rules(cls, value: str) -> str:
        problem = password_problem(value)
        if problem:
            raise ValueError(f"password {problem}")
        return value


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int = Field(description="Seconds until the access token expires.")


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    full_name: str | None
    email_verified: bool
    created_at: datetime


class RegisterResponse(BaseModel):
    user: UserOut
    message: str


class SessionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    ip: str | None
    user_agent: str | None
    current: bool = False


class Accepted(BaseModel):
    status: Literal["accepted"] = "accepted"
    message: str


class StatusOut(BaseModel):
    status: str
    message: str | None = None


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
    user_id: uuid.UUID | None
    org_id: uuid.UUID | None
    email: str | None
    action: str
    outcome: str
    ip: str | None
    user_agent: str | None
    details: dict[str, Any] | None
    actor: str | None = Field(
        default=None,
        description="Who did it: the account's e-mail, or the e-mail as typed for unknown "
        "accounts; null when nobody is known (a bad token).",
    )
