"""Response shapes of the reports api."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class DeliveryOut(BaseModel):
    """One destination's delivery of a run's report."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    run_id: uuid.UUID
    destination: str
    key: str
    status: str
    attempts: int
    last_error: str | None
    external_id: str | None
    link: str | None
    created_at: datetime
    updated_at: datetime


class DeliveryQueued(BaseModel):
    """The run's report is being sent to its destinations; watch ``/deliveries``."""

    run_id: uuid.UUID
    queued: bool = True


class ShareOut(BaseModel):
    """A new public link; ``token`` and ``url`` are shown this once (only a hash is kept)."""

    id: uuid.UUID
    token: str
    url: str
    created_at: datetime


class ShareRevoked(BaseModel):
    revoked: int


class ReportLinkOut(BaseModel):
    """A short-lived link that opens the report page in a browser as the caller."""

    url: str
    expires_at: datetime
