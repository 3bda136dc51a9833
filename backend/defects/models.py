"""Defects and the failures that point at them.

A defect belongs to a project and has a per-project ``number`` (shown as ``D-7``). It is
local (``tracker="local"``) or mirrors a GitHub issue (``tracker="github"``): the issue is
created and closed by the sync job after the transaction commits (``sync_state`` says
where that stands), and GitHub's ``issues`` webhook brings its changes back.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, IdMixin, TimestampMixin
from backend.kit.time import utcnow


class Severity(StrEnum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    TRIVIAL = "trivial"


class DefectStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Tracker(StrEnum):
    LOCAL = "local"
    GITHUB = "github"


class TrackerChoice(StrEnum):
    """A project's setting: ``auto`` files GitHub issues when its repository allows it."""

    AUTO = "auto"
    GITHUB = "github"
    LOCAL = "local"


class SyncState(StrEnum):
    NONE = "none"  # a local defect: nothing to sync
    PENDING = "pending"  # the job will create or update the issue
    CREATING = "creating"  # one job is filing the issue (see tasks._claim_creation)
    SYNCED = "synced"
    FAILED = "failed"  # ``sync_error`` says why; retried by the next change or by hand


class Defect(IdMixin, TimestampMixin, Base):
    __tablename__ = "defects"
    __table_args__ = (
        UniqueConstraint("project_id", "number", name="uq_defects_project_id_number"),
        Index("ix_defects_project_id_fingerprint", "project_id", "fingerprint"),
        Index("ix_defects_repository_id_issue_number", "repository_id", "issue_number"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(256))
    body: Mapped[str] = mapped_column(Text, default="")
    error_message: Mapped[str | None] = mapped_column(Text)
    test_node_id: Mapped[str | None] = mapped_column(Text)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16), default="automated")  # automated, manual
    manual_result_id: Mapped[uuid.UUID | None] = mapped_column()  # H15a's plan_run_results
    severity: Mapped[str] = mapped_column(String(16), default=Severity.MAJOR.value)
    status: Mapped[str] = mapped_column(String(16), default=DefectStatus.OPEN.value)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    github_assignees: Mapped[list[Any]] = mapped_column(default=list)
    labels: Mapped[list[Any]] = mapped_column(default=list)
    milestone_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("milestones.id", ondelete="SET NULL"), index=True
    )
    tracker: Mapped[str] = mapped_column(String(16), default=Tracker.LOCAL.value)
    repository_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("repositories.id", ondelete="SET NULL")
    )
    repository_full_name: Mapped[str | None] = mapped_column(String(255))
    issue_number: Mapped[int | None] = mapped_column(Integer)
    issue_url: Mapped[str | None] = mapped_column(Text)
    sync_state: Mapped[str] = mapped_column(String(16), default=SyncState.NONE.value)
    sync_error: Mapped[str | None] = mapped_column(Text)
    first_run_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL")
    )
    last_failed_run_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL")
    )
    last_failed_at: Mapped[datetime | None]
    passing_since_run_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL")
    )
    passing_since_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class DefectOccurrence(IdMixin, Base):
    """One failure linked to a defect: the one it was filed from and every similar one
    after (the no-duplicates rule links them instead of filing again)."""

    __tablename__ = "defect_occurrences"
    __table_args__ = (
        UniqueConstraint("defect_id", "run_test_id", name="uq_defect_occurrences_defect_id"),
    )

    defect_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("defects.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("runs.id", ondelete="CASCADE"), index=True
    )
    run_test_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("run_tests.id", ondelete="CASCADE")
    )
    outcome: Mapped[str] = mapped_column(String(16))
    error_message: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class DefectSettings(Base):
    """Where a project's defects go (set by admins); defaults when no row exists."""

    __tablename__ = "defect_settings"

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    tracker: Mapped[str] = mapped_column(String(16), default=TrackerChoice.AUTO.value)
    default_labels: Mapped[list[Any]] = mapped_column(default=list)
