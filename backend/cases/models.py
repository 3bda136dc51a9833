"""Test cases of a project (keyed ``TC-12``), their versions, suites and sections, custom
fields, the automated tests linked to them and every linked result; test plans and plan
runs mixing automated and manual results."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, IdMixin, TimestampMixin
from backend.kit.time import utcnow


class CaseProjectSettings(Base):
    """Per project: the next case number (one atomic UPDATE allocates it) and whether
    an unlinked automated test gets a case created."""

    __tablename__ = "case_project_settings"

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    next_number: Mapped[int] = mapped_column(Integer, default=1)
    auto_create: Mapped[bool] = mapped_column(Boolean, default=True)


class Suite(IdMixin, TimestampMixin, Base):
    __tablename__ = "case_suites"
    __table_args__ = (UniqueConstraint("project_id", "name", name="uq_case_suites_project_id"),)

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")


class Section(IdMixin, Base):
    """A node of a suite's tree; ``parent_id`` None is a top-level section."""

    __tablename__ = "case_sections"

    suite_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("case_suites.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("case_sections.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustomField(IdMixin, Base):
    __tablename__ = "case_custom_fields"
    __table_args__ = (
        UniqueConstraint("project_id", "name", name="uq_case_custom_fields_project_id"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    # text, number, select, multi_select, user, date
    kind: Mapped[str] = mapped_column(String(16))
    options: Mapped[list[Any]] = mapped_column(default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TestCase(IdMixin, TimestampMixin, Base):
    __test__ = False
    __tablename__ = "test_cases"
    __table_args__ = (
        UniqueConstraint("project_id", "number", name="uq_test_cases_project_id_number"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)  # the key is TC-<number>
    title: Mapped[str] = mapped_column(Text)
    preconditions: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[list[Any]] = mapped_column(default=list)  # [{action, expected}]
    priority: Mapped[str] = mapped_column(String(16), default="medium")
    type: Mapped[str] = mapped_column(String(32), default="functional")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    tags: Mapped[list[Any]] = mapped_column(default=list)
    feature: Mapped[str | None] = mapped_column(String(200))
    references: Mapped[list[Any]] = mapped_column(default=list)  # [{id, url}]
    automation: Mapped[str] = mapped_column(String(16), default="manual")
    suite_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("case_suites.id", ondelete="SET NULL"), index=True
    )
    section_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("case_sections.id", ondelete="SET NULL"), index=True
    )
    custom: Mapped[dict[str, Any]] = mapped_column(default=dict)  # field id -> value
    version: Mapped[int] = mapped_column(Integer, default=1)
    # A case merged into another stays readable but is no longer listed.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("test_cases.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class CaseVersion(IdMixin, Base):
    __tablename__ = "case_versions"
    __table_args__ = (UniqueConstraint("case_id", "version", name="uq_case_versions_case_id"),)

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("test_cases.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(default=dict)
    diff: Mapped[list[Any]] = mapped_column(default=list)
    changed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseLink(IdMixin, Base):
    """An automated test (pytest node id) linked to a case, with what recognises it
    after a rename: its file and a hash of its body."""

    __tablename__ = "case_links"
    __table_args__ = (
        UniqueConstraint("project_id", "node_id", name="uq_case_links_project_id_node_id"),
        Index("ix_case_links_project_file_hash", "project_id", "file", "body_hash"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("test_cases.id", ondelete="CASCADE"), index=True
    )
    node_id: Mapped[str] = mapped_column(Text)
    file: Mapped[str | None] = mapped_column(Text)
    body_hash: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))  # marker, auto, rename, manual
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseResult(IdMixin, Base):
    """One result of a linked test: a case's history."""

    __tablename__ = "case_results"
    __table_args__ = (
        UniqueConstraint("case_id", "run_test_id", name="uq_case_results_case_id_run_test_id"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("test_cases.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    run_test_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("run_tests.id", ondelete="CASCADE"), index=True
    )
    node_id: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedFilter(IdMixin, Base):
    __tablename__ = "case_saved_filters"
    __table_args__ = (
        UniqueConstraint("project_id", "name", name="uq_case_saved_filters_project_id"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TestPlan(IdMixin, TimestampMixin, Base):
    __test__ = False
    __tablename__ = "test_plans"

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # The milestones table is defects/milestones' (0010); a plain id until then.
    milestone_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    # {suite_ids: [...], section_ids: [...], tags: [...], filter_id, case_ids: [...]}
    selection: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class PlanRun(IdMixin, TimestampMixin, Base):
    __tablename__ = "plan_runs"

    plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("test_plans.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    milestone_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, closed
    closed_at: Mapped[datetime | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class PlanRunCase(IdMixin, Base):
    """A case in a plan run: who executes it and its latest result."""

    __tablename__ = "plan_run_cases"
    __table_args__ = (
        UniqueConstraint("plan_run_id", "case_id", name="uq_plan_run_cases_plan_run_id_case_id"),
    )

    plan_run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("plan_runs.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("test_cases.id", ondelete="CASCADE"), index=True
    )
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # untested, passed, failed, blocked, skipped, retest
    status: Mapped[str] = mapped_column(String(16), default="untested")
    source: Mapped[str | None] = mapped_column(String(16))  # manual, automated
    comment: Mapped[str] = mapped_column(Text, default="")
    time_spent_seconds: Mapped[int | None] = mapped_column(Integer)
    run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    executed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    executed_at: Mapped[datetime | None]


class PlanRunResult(IdMixin, Base):
    """Every result recorded for a case of a plan run (the latest is on PlanRunCase)."""

    __tablename__ = "plan_run_results"

    plan_run_case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("plan_run_cases.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    time_spent_seconds: Mapped[int | None] = mapped_column(Integer)
    run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    run_test_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("run_tests.id", ondelete="SET NULL")
    )
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
