"""defects and milestones: defects (local or mirroring a GitHub issue) and the failures
linked to them, each project's tracker settings; milestones with their runs, cases and
people's capacities.

Revision ID: 0010_defects_milestones
Revises: 0009_cases
Create Date: 2026-12-03 14:54:54.531999
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import backend.db.base

revision: str = "0010_defects_milestones"
down_revision: str | None = "0009_cases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "defect_settings",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("tracker", sa.String(length=16), nullable=False),
        sa.Column(
            "default_labels",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_defect_settings_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_defect_settings")),
    )
    op.create_table(
        "milestones",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("closed_at", backend.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["users.id"],
            name=op.f("fk_milestones_closed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_milestones_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_milestones_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
        sa.UniqueConstraint("project_id", "name", name="uq_milestones_project_id"),
    )
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestones_project_id"), ["project_id"], unique=False)

    op.create_table(
        "milestone_capacities",
        sa.Column("milestone_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("capacity", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestones.id"],
            name=op.f("fk_milestone_capacities_milestone_id_milestones"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_milestone_capacities_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("milestone_id", "user_id", name=op.f("pk_milestone_capacities")),
    )
    op.create_table(
        "defects",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("test_node_id", sa.Text(), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("manual_result_id", sa.Uuid(), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.Column(
            "github_assignees",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "labels",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("milestone_id", sa.Uuid(), nullable=True),
        sa.Column("tracker", sa.String(length=16), nullable=False),
        sa.Column("repository_id", sa.Uuid(), nullable=True),
        sa.Column("repository_full_name", sa.String(length=255), nullable=True),
        sa.Column("issue_number", sa.Integer(), nullable=True),
        sa.Column("issue_url", sa.Text(), nullable=True),
        sa.Column("sync_state", sa.String(length=16), nullable=False),
        sa.Column("sync_error", sa.Text(), nullable=True),
        sa.Column("first_run_id", sa.Uuid(), nullable=True),
        sa.Column("last_failed_run_id", sa.Uuid(), nullable=True),
        sa.Column("last_failed_at", backend.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("passing_since_run_id", sa.Uuid(), nullable=True),
        sa.Column("passing_since_at", backend.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", backend.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_reason", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["users.id"],
            name=op.f("fk_defects_assignee_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_defects_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["first_run_id"],
            ["runs.id"],
            name=op.f("fk_defects_first_run_id_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["last_failed_run_id"],
            ["runs.id"],
            name=op.f("fk_defects_last_failed_run_id_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestones.id"],
            name=op.f("fk_defects_milestone_id_milestones"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["passing_since_run_id"],
            ["runs.id"],
            name=op.f("fk_defects_passing_since_run_id_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_defects_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repositories.id"],
            name=op.f("fk_defects_repository_id_repositories"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_defects")),
        sa.UniqueConstraint("project_id", "number", name="uq_defects_project_id_number"),
    )
    with op.batch_alter_table("defects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_defects_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_defects_milestone_id"), ["milestone_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_defects_project_id"), ["project_id"], unique=False)
        batch_op.create_index(
            "ix_defects_project_id_fingerprint", ["project_id", "fingerprint"], unique=False
        )
        batch_op.create_index(
            "ix_defects_repository_id_issue_number", ["repository_id", "issue_number"], unique=False
        )

    op.create_table(
        "milestone_cases",
        sa.Column("milestone_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("attached_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["test_cases.id"],
            name=op.f("fk_milestone_cases_case_id_test_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestones.id"],
            name=op.f("fk_milestone_cases_milestone_id_milestones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("milestone_id", "case_id", name=op.f("pk_milestone_cases")),
    )
    with op.batch_alter_table("milestone_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestone_cases_case_id"), ["case_id"], unique=False)

    op.create_table(
        "milestone_runs",
        sa.Column("milestone_id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("attached_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestones.id"],
            name=op.f("fk_milestone_runs_milestone_id_milestones"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_milestone_runs_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("milestone_id", "run_id", name=op.f("pk_milestone_runs")),
    )
    with op.batch_alter_table("milestone_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestone_runs_run_id"), ["run_id"], unique=False)

    op.create_table(
        "defect_occurrences",
        sa.Column("defect_id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=True),
        sa.Column("run_test_id", sa.Uuid(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["defect_id"],
            ["defects.id"],
            name=op.f("fk_defect_occurrences_defect_id_defects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.id"],
            name=op.f("fk_defect_occurrences_run_id_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_test_id"],
            ["run_tests.id"],
            name=op.f("fk_defect_occurrences_run_test_id_run_tests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_defect_occurrences")),
        sa.UniqueConstraint("defect_id", "run_test_id", name="uq_defect_occurrences_defect_id"),
    )
    with op.batch_alter_table("defect_occurrences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_defect_occurrences_defect_id"), ["defect_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_defect_occurrences_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("defect_occurrences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_defect_occurrences_run_id"))
        batch_op.drop_index(batch_op.f("ix_defect_occurrences_defect_id"))

    op.drop_table("defect_occurrences")
    with op.batch_alter_table("milestone_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestone_runs_run_id"))

    op.drop_table("milestone_runs")
    with op.batch_alter_table("milestone_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestone_cases_case_id"))

    op.drop_table("milestone_cases")
    with op.batch_alter_table("defects", schema=None) as batch_op:
        batch_op.drop_index("ix_defects_repository_id_issue_number")
        batch_op.drop_index("ix_defects_project_id_fingerprint")
        batch_op.drop_index(batch_op.f("ix_defects_project_id"))
        batch_op.drop_index(batch_op.f("ix_defects_milestone_id"))
        batch_op.drop_index(batch_op.f("ix_defects_assignee_id"))

    op.drop_table("defects")
    op.drop_table("milestone_capacities")
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestones_project_id"))

    op.drop_table("milestones")
    op.drop_table("defect_settings")
