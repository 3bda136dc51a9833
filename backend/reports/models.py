"""Delivery records (one per destination of a run) and public share links of report pages."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, IdMixin
from backend.kit.time import utcnow


class ReportStatus(StrEnum):
    """Where one destination's delivery of a run's report stands."""

    PENDING = "pending"  # not sent yet, or waiting for its next retry
    IN_PROGRESS = "in_progress"  # the start phase made its object (e.g. a check in progress)
    DELIVERED = "delivered"
    FAILED = "failed"  # retries exhausted, or the destination refused for good


class ReportDelivery(IdMixin, Base):
    __tablename__ = "report_deliveries"
    __table_args__ = (UniqueConstraint("run_id", "key", name="uq_report_deliveries_run_id_key"),)

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    destination: Mapped[str] = mapped_column(String(64))
    # The destination's identity within the run, e.g. "github_checks" or "slack:#qa".
    key: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Check run id / comment id / Slack ts / Notion page id: a retry updates this object.
    external_id: Mapped[str | None] = mapped_column(String(255))
    link: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReportShare(IdMixin, Base):
    """A public link to one run's report; only the token's SHA-256 is stored."""

    __tablename__ = "report_shares"

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
