"""Environment variables of a project, per workflow (or every workflow) and environment.

Every value is encrypted (MultiFernet, ``app.state.keyring``), secret or not: the secret
flag decides whether the value is ever shown again and whether runs mask it, not whether
it is protected at rest.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Boolean, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, IdMixin, TimestampMixin

DEFAULT_ENVIRONMENT = "default"


class EnvVar(IdMixin, TimestampMixin, Base):
    __tablename__ = "env_vars"
    __table_args__ = (
        UniqueConstraint(
            "project_id", "workflow_id", "environment", "key", name="uq_env_vars_project_id"
        ),
        # NULL workflow_id (project-wide) is never equal to another NULL in a unique
        # constraint, on PostgreSQL and SQLite alike: a partial index keeps those unique.
        Index(
            "uq_env_vars_project_wide",
            "project_id",
            "environment",
            "key",
            unique=True,
            sqlite_where="workflow_id IS NULL",
            postgresql_where="workflow_id IS NULL",
        ),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    # None: the variable applies to every workflow of the project.
    workflow_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("workflows.id", ondelete="CASCADE"), index=True
    )
    environment: Mapped[str] = mapped_column(String(64), default=DEFAULT_ENVIRONMENT)
    key: Mapped[str] = mapped_column(String(255))
    value_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    is_secret: Mapped[bool] = mapped_column(Boolean, default=False)
