"""analytics: per-test summaries and daily rollups, monitor settings and status changes,
quarantine, failure clusters; indexes on run_tests(node_id, run_id) and
runs(project_id, finished_at) for history and windows.

Revision ID: 0008_analytics
Revises: 0007_github_installations
Create Date: 2026-12-03 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import backend.db.base

revision: str = "0008_analytics"
down_revision: str | Sequence[str] | None = "0007_github_installations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_clusters",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("message_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("normalized", sa.Text(), nullable=False),
        sa.Column("sample_error", sa.Text(), nullable=False),
        sa.Column("tests_count", sa.Integer(), nullable=False),
        sa.Column("failures_count", sa.Integer(), nullable=False),
        sa.Column("first_seen", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("defect_id", sa.Uuid(), nullable=True),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", backend.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_analytics_clusters_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_analytics_clusters_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_clusters")),
        sa.UniqueConstraint("project_id", "fingerprint", name="uq_analytics_clusters_fingerprint"),
    )
    with op.batch_alter_table("analytics_clusters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_analytics_clusters_message_fingerprint"),
            ["message_fingerprint"],
            unique=False,
        )
        batch_op.create_index(
            "ix_analytics_clusters_project_last", ["project_id", "last_seen"], unique=False
        )

    op.create_table(
        "analytics_project_days",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("flaky", sa.Integer(), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("retry_s", sa.Float(), nullable=False),
        sa.Column(
            "histogram",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("cache_hits", sa.Integer(), nullable=False),
        sa.Column("resolver_calls", sa.Integer(), nullable=False),
        sa.Column("resolver_steps", sa.Integer(), nullable=False),
        sa.Column("resolver_ms", sa.Float(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_analytics_project_days_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_project_days")),
        sa.UniqueConstraint("project_id", "day", name="uq_analytics_project_days_key"),
    )
    op.create_table(
        "analytics_quarantine",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("node_id", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=16), nullable=False),
        sa.Column("by_user_id", sa.Uuid(), nullable=True),
        sa.Column("since", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("consecutive_passes", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", backend.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("released_at", backend.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"],
            ["users.id"],
            name=op.f("fk_analytics_quarantine_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_analytics_quarantine_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_quarantine")),
    )
    with op.batch_alter_table("analytics_quarantine", schema=None) as batch_op:
        batch_op.create_index(
            "ix_analytics_quarantine_test", ["project_id", "node_id", "released_at"], unique=False
        )

    op.create_table(
        "analytics_settings",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column(
            "monitors",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_analytics_settings_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_analytics_settings_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_analytics_settings")),
    )
    op.create_table(
        "analytics_status_changes",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("node_id", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("previous", sa.String(length=16), nullable=True),
        sa.Column("at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "evidence",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_analytics_status_changes_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_status_changes")),
    )
    with op.batch_alter_table("analytics_status_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_analytics_status_changes_test", ["project_id", "node_id", "at"], unique=False
        )

    op.create_table(
        "analytics_test_days",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("node_id", sa.Text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("flaky", sa.Integer(), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("failed_duration_s", sa.Float(), nullable=False),
        sa.Column("retry_s", sa.Float(), nullable=False),
        sa.Column(
            "histogram",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_analytics_test_days_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_test_days")),
        sa.UniqueConstraint("project_id", "node_id", "day", name="uq_analytics_test_days_key"),
    )
    with op.batch_alter_table("analytics_test_days", schema=None) as batch_op:
        batch_op.create_index(
            "ix_analytics_test_days_project_day", ["project_id", "day"], unique=False
        )

    op.create_table(
        "analytics_runs",
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("infra", sa.Boolean(), nullable=False),
        sa.Column("processed_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_analytics_runs_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_analytics_runs_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_analytics_runs")),
    )
    with op.batch_alter_table("analytics_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_analytics_runs_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "analytics_tests",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("node_id", sa.Text(), nullable=False),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "markers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("owner", sa.String(length=255), nullable=True),
        sa.Column("first_seen_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_outcome", sa.String(length=16), nullable=False),
        sa.Column("last_run_id", sa.Uuid(), nullable=True),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("failure_rate", sa.Float(), nullable=False),
        sa.Column("p50_ms", sa.Float(), nullable=True),
        sa.Column("p95_ms", sa.Float(), nullable=True),
        sa.Column("recent_p50_ms", sa.Float(), nullable=True),
        sa.Column("baseline_p50_ms", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_since", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "evidence",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["last_run_id"],
            ["runs.id"],
            name=op.f("fk_analytics_tests_last_run_id_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_analytics_tests_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_tests")),
        sa.UniqueConstraint("project_id", "node_id", name="uq_analytics_tests_project_node"),
    )
    with op.batch_alter_table("analytics_tests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_analytics_tests_project_status", ["project_id", "status"], unique=False
        )

    op.create_table(
        "analytics_cluster_failures",
        sa.Column("cluster_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("run_test_id", sa.Uuid(), nullable=False),
        sa.Column("node_id", sa.Text(), nullable=False),
        sa.Column("at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("suggested_decision", sa.String(length=32), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_id"],
            ["analytics_clusters.id"],
            name=op.f("fk_analytics_cluster_failures_cluster_id_analytics_clusters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_analytics_cluster_failures_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.id"],
            name=op.f("fk_analytics_cluster_failures_run_id_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_test_id"],
            ["run_tests.id"],
            name=op.f("fk_analytics_cluster_failures_run_test_id_run_tests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_cluster_failures")),
        sa.UniqueConstraint("run_test_id", name="uq_analytics_cluster_failures_run_test_id"),
    )
    with op.batch_alter_table("analytics_cluster_failures", schema=None) as batch_op:
        batch_op.create_index(
            "ix_analytics_cluster_failures_cluster_at", ["cluster_id", "at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_analytics_cluster_failures_run_id"), ["run_id"], unique=False
        )

    with op.batch_alter_table("run_tests", schema=None) as batch_op:
        batch_op.create_index("ix_run_tests_node_id_run_id", ["node_id", "run_id"], unique=False)

    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_runs_project_finished", ["project_id", "finished_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index("ix_runs_project_finished")

    with op.batch_alter_table("run_tests", schema=None) as batch_op:
        batch_op.drop_index("ix_run_tests_node_id_run_id")

    with op.batch_alter_table("analytics_cluster_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analytics_cluster_failures_run_id"))
        batch_op.drop_index("ix_analytics_cluster_failures_cluster_at")
    op.drop_table("analytics_cluster_failures")

    with op.batch_alter_table("analytics_tests", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_tests_project_status")
    op.drop_table("analytics_tests")

    with op.batch_alter_table("analytics_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analytics_runs_project_id"))
    op.drop_table("analytics_runs")

    with op.batch_alter_table("analytics_test_days", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_test_days_project_day")
    op.drop_table("analytics_test_days")

    with op.batch_alter_table("analytics_status_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_status_changes_test")
    op.drop_table("analytics_status_changes")

    op.drop_table("analytics_settings")

    with op.batch_alter_table("analytics_quarantine", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_quarantine_test")
    op.drop_table("analytics_quarantine")

    op.drop_table("analytics_project_days")

    with op.batch_alter_table("analytics_clusters", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_clusters_project_last")
        batch_op.drop_index(batch_op.f("ix_analytics_clusters_message_fingerprint"))
    op.drop_table("analytics_clusters")
