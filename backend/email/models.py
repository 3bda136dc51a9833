"""Every e-mail TestAble sends is recorded here: the local outbox in embedded mode, and the
delivery record (sent / failed, with the provider's id or error) when Resend is used."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, IdMixin
from backend.kit.time import utcnow


class EmailStatus(StrEnum):
    OUTBOX = "outbox"  # no provider configured: kept here (and logged) for the developer
    QUEUED = "queued"  # to be sent through Resend after the request commits
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(IdMixin, Base):
    __tablename__ = "email_outbox"

    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    to_email: Mapped[str] = mapped_column(String(320), index=True)
    from_email: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    template: Mapped[str] = mapped_column(String(40))
    html: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]
    user_id: Mapped[uuid.UUID | None]  # the account it concerns, when there is one
