from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class OutboxMessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
    to_email: str
    from_email: str
    subject: str
    template: str
    status: str
    text: str
    html: str
    error: str | None
    sent_at: datetime | None
