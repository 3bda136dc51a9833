"""Analytics tables: per-test summaries and daily rollups kept up to date when a run
finishes (``quarantine.after_run_finished``), monitor statuses and their history,
quarantine, failure clusters, per-project monitor settings.

Why rollups: percentiles (p50/p95) have no portable SQL aggregate (PostgreSQL has
``percentile_cont``, SQLite has nothing), and a million results are too many to sort per
request. Each finished run adds its results to one row per test per day
(:class:`TestDay`) and one row per project per day (:class:`ProjectDay`), each holding
counts, sums and a fixed log-scale duration histogram (``backend.analytics.sketch``);
percentiles are read from merged histograms in Python, so SQLite and PostgreSQL give the
same figures. Per-test figures that lists filter and sort on (failure rate, p50/p95,
status) live in :class:`TestSummary`, recomputed for the tests a run touched.

The raw results (``runs``/``run_tests``) stay the source of truth: history, comparison,
exports and the overview's failing/flaky lists query them through the indexes declared
at the bottom of this module.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, IdMixin
from backend.kit.time import utcnow
from backend.runs.models import Run, RunTest


class MonitorSettings(Base):
    """A project's monitor settings (``schemas.MonitorSettingsIn`` validates them); a
    project without a row uses the defaults."""

    __tablename__ = "analytics_settings"

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    monitors: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class ProcessedRun(Base):
    """A finished run whose results are in the rollups (makes the hook idempotent) and
    whether it counted as an infrastructure failure (left out of monitor evidence)."""

    __tablename__ = "analytics_runs"

    run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    infra: Mapped[bool] = mapped_column(Boolean, default=False)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow)


class TestSummary(IdMixin, Base):
    """One test of a project: what the search lists and filters on."""

    __test__ = False
    __tablename__ = "analytics_tests"
    __table_args__ = (
        UniqueConstraint("project_id", "node_id", name="uq_analytics_tests_project_node"),
        Index("ix_analytics_tests_project_status", "project_id", "status"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    node_id: Mapped[str] = mapped_column(Text)
    file: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    markers: Mapped[list[Any]] = mapped_column(default=list)
    owner: Mapped[str | None] = mapped_column(String(255))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_outcome: Mapped[str] = mapped_column(String(16))
    last_run_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL")
    )
    results: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    failure_rate: Mapped[float] = mapped_column(Float, default=0.0)
    p50_ms: Mapped[float | None] = mapped_column(Float)
    p95_ms: Mapped[float | None] = mapped_column(Float)
    recent_p50_ms: Mapped[float | None] = mapped_column(Float)
    baseline_p50_ms: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="healthy")
    status_since: Mapped[datetime] = mapped_column(default=utcnow)
    evidence: Mapped[list[Any]] = mapped_column(default=list)


class TestDay(IdMixin, Base):
    """One test's results on one (UTC) day."""

    __test__ = False
    __tablename__ = "analytics_test_days"
    __table_args__ = (
        UniqueConstraint("project_id", "node_id", "day", name="uq_analytics_test_days_key"),
        Index("ix_analytics_test_days_project_day", "project_id", "day"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    node_id: Mapped[str] = mapped_column(Text)
    day: Mapped[date] = mapped_column(Date)
    results: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    flaky: Mapped[int] = mapped_column(Integer, default=0)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    failed_duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    retry_s: Mapped[float] = mapped_column(Float, default=0.0)
    histogram: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ProjectDay(IdMixin, Base):
    """A project's whole suite on one (UTC) day, plus the cache's figures."""

    __tablename__ = "analytics_project_days"
    __table_args__ = (UniqueConstraint("project_id", "day", name="uq_analytics_project_days_key"),)

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    runs: Mapped[int] = mapped_column(Integer, default=0)
    results: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    flaky: Mapped[int] = mapped_column(Integer, default=0)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    retry_s: Mapped[float] = mapped_column(Float, default=0.0)
    histogram: Mapped[dict[str, Any]] = mapped_column(default=dict)
    cache_hits: Mapped[int] = mapped_column(Integer, default=0)
    resolver_calls: Mapped[int] = mapped_column(Integer, default=0)
    resolver_steps: Mapped[int] = mapped_column(Integer, default=0)
    resolver_ms: Mapped[float] = mapped_column(Float, default=0.0)


class StatusChange(IdMixin, Base):
    """A test's monitor status changed (healthy / flaky / broken), why, on which runs."""

    __tablename__ = "analytics_status_changes"
    __table_args__ = (Index("ix_analytics_status_changes_test", "project_id", "node_id", "at"),)

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    node_id: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    previous: Mapped[str | None] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[Any]] = mapped_column(default=list)


class Quarantine(IdMixin, Base):
    """A quarantined test (``released_at`` null while it lasts; released rows are kept)."""

    __tablename__ = "analytics_quarantine"
    __table_args__ = (
        Index("ix_analytics_quarantine_test", "project_id", "node_id", "released_at"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    node_id: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(16))  # "user" | "monitor"
    by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    since: Mapped[datetime] = mapped_column(default=utcnow)
    consecutive_passes: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]
    release_reason: Mapped[str | None] = mapped_column(Text)


class FailureCluster(IdMixin, Base):
    """Failures sharing a fingerprint (``fingerprint.py``), with the triage decision."""

    __tablename__ = "analytics_clusters"
    __table_args__ = (
        UniqueConstraint("project_id", "fingerprint", name="uq_analytics_clusters_fingerprint"),
        Index("ix_analytics_clusters_project_last", "project_id", "last_seen"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    message_fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    normalized: Mapped[str] = mapped_column(Text)
    sample_error: Mapped[str] = mapped_column(Text)
    tests_count: Mapped[int] = mapped_column(Integer, default=0)
    failures_count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    decision: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    defect_id: Mapped[uuid.UUID | None]
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]


class ClusterFailure(IdMixin, Base):
    """One failed result in a cluster; ``suggested_decision`` is the cluster's decision
    when the failure arrived after it was triaged."""

    __tablename__ = "analytics_cluster_failures"
    __table_args__ = (
        Index("ix_analytics_cluster_failures_cluster_at", "cluster_id", "at"),
        UniqueConstraint("run_test_id", name="uq_analytics_cluster_failures_run_test_id"),
    )

    cluster_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("analytics_clusters.id", ondelete="CASCADE")
    )
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    run_test_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("run_tests.id", ondelete="CASCADE"))
    node_id: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    suggested_decision: Mapped[str | None] = mapped_column(String(32))


# Indexes the analytics queries need on the runs tables (declared here so the runs domain
# does not have to know about analytics; Alembic sees them on ``runs``/``run_tests``).
Index("ix_run_tests_node_id_run_id", RunTest.node_id, RunTest.run_id)
Index("ix_runs_project_finished", Run.project_id, Run.finished_at)
