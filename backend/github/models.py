"""Every request that reached ``POST /api/webhooks/github``, accepted or not.

A delivery is stored once by GitHub's ``X-GitHub-Delivery`` id. Only a delivery whose
signature verified claims that id (``delivery_id``, UNIQUE): an unsigned request that
reuses a real id must not be able to make GitHub's genuine delivery look like a
duplicate. Rejected requests keep the id they claimed in ``claimed_delivery_id`` and no
payload (it is not trusted and may be large).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, IdMixin
from backend.kit.time import utcnow


class DeliveryStatus(StrEnum):
    RECEIVED = "received"  # stored and signed; waiting for the worker
    PROCESSED = "processed"  # handled (runs queued, repositories updated, or pong)
    IGNORED = "ignored"  # signed, but nothing to do (tag push, closed PR, unknown event…)
    REJECTED = "rejected"  # refused at the door: signature, size, headers or JSON
    FAILED = "failed"  # processing raised; ``reason`` says why


class WebhookDelivery(IdMixin, Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_received_at", "received_at"),
        Index("ix_webhook_deliveries_github_repo_id", "github_repo_id"),
        Index("ix_webhook_deliveries_installation_id", "installation_id"),
    )

    # Set only for verified deliveries (see the module docstring).
    delivery_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    claimed_delivery_id: Mapped[str | None] = mapped_column(String(64))
    event: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.RECEIVED.value)
    reason: Mapped[str | None] = mapped_column(Text)
    http_status: Mapped[int] = mapped_column(Integer, default=202)
    payload: Mapped[dict[str, Any] | None] = mapped_column()
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    signature_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who it concerns, copied out of the payload so org admins can list their deliveries.
    repository_full_name: Mapped[str | None] = mapped_column(String(255))
    github_repo_id: Mapped[int | None] = mapped_column(BigInteger)
    installation_id: Mapped[int | None] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_ids: Mapped[list[Any]] = mapped_column(default=list)
