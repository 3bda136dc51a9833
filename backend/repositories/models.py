"""A project's connected repository: GitHub (App installation or personal access token) or,
in embedded mode, a local git path."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, IdMixin, TimestampMixin

# Repository.disconnect_reason values.
DISCONNECTED_BY_PERSON = "person"
DISCONNECTED_BY_APP_SUSPENSION = "app_suspended"  # undone when the App is unsuspended
DISCONNECTED_BY_APP_UNINSTALL = "app_uninstalled"
DISCONNECTED_BY_APP_REMOVAL = "removed_from_app"  # taken out of the installation's selection


class Repository(IdMixin, TimestampMixin, Base):
    __tablename__ = "repositories"

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    # One repository per project; a disconnected row keeps the slot until it is reconnected.
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), unique=True
    )
    provider: Mapped[str] = mapped_column(String(16))  # "github" | "local"
    full_name: Mapped[str | None] = mapped_column(String(255), index=True)  # "owner/name"
    clone_url: Mapped[str] = mapped_column(Text)
    default_branch: Mapped[str | None] = mapped_column(String(255))
    github_repo_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    installation_id: Mapped[int | None] = mapped_column(BigInteger)
    # A personal access token, MultiFernet-encrypted; never returned by the api.
    token_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    protected_branches: Mapped[list[Any]] = mapped_column(default=list)
    disconnected_at: Mapped[datetime | None]
    # Why it was disconnected (DISCONNECTED_BY_*); cleared on reconnection.
    disconnect_reason: Mapped[str | None] = mapped_column(String(32))

    @property
    def connected(self) -> bool:
        return self.disconnected_at is None
