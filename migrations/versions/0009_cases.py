"""cases: test cases (keyed per project), versions, suites and sections, custom fields,
links to automated tests and their results, saved filters, plans and plan runs; and
``run_tests.meta`` (what the plugin reports about a test: case markers, file, body hash).

Revision ID: 0009_cases
Revises: 0008_analytics
Create Date: 2026-12-03 14:49:54.548203
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import backend.db.base

revision: str = "0009_cases"
down_revision: str | Sequence[str] | None = "0008_analytics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_custom_fields",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "options",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_case_custom_fields_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_custom_fields")),
        sa.UniqueConstraint("project_id", "name", name="uq_case_custom_fields_project_id"),
    )
    with op.batch_alter_table("case_custom_fields", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_custom_fields_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "case_project_settings",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("next_number", sa.Integer(), nullable=False),
        sa.Column("auto_create", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_case_project_settings_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_case_project_settings")),
    )
    op.create_table(
        "case_saved_filters",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "query",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_case_saved_filters_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_case_saved_filters_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_saved_filters")),
        sa.UniqueConstraint("project_id", "name", name="uq_case_saved_filters_project_id"),
    )
    with op.batch_alter_table("case_saved_filters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_saved_filters_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "case_suites",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_case_suites_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_suites")),
        sa.UniqueConstraint("project_id", "name", name="uq_case_suites_project_id"),
    )
    with op.batch_alter_table("case_suites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_suites_project_id"), ["project_id"], unique=False)

    op.create_table(
        "test_plans",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("milestone_id", sa.Uuid(), nullable=True),
        sa.Column(
            "selection",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_test_plans_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_test_plans_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test_plans")),
    )
    with op.batch_alter_table("test_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_test_plans_milestone_id"), ["milestone_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_test_plans_project_id"), ["project_id"], unique=False)

    op.create_table(
        "case_sections",
        sa.Column("suite_id", sa.Uuid(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["case_sections.id"],
            name=op.f("fk_case_sections_parent_id_case_sections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["suite_id"],
            ["case_suites.id"],
            name=op.f("fk_case_sections_suite_id_case_suites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_sections")),
    )
    with op.batch_alter_table("case_sections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_sections_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_sections_suite_id"), ["suite_id"], unique=False)

    op.create_table(
        "plan_runs",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("milestone_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_at", backend.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_plan_runs_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["test_plans.id"],
            name=op.f("fk_plan_runs_plan_id_test_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_plan_runs_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_runs")),
    )
    with op.batch_alter_table("plan_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_runs_milestone_id"), ["milestone_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_plan_runs_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_runs_project_id"), ["project_id"], unique=False)

    op.create_table(
        "test_cases",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("preconditions", sa.Text(), nullable=False),
        sa.Column(
            "steps",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("feature", sa.String(length=200), nullable=True),
        sa.Column(
            "references",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("automation", sa.String(length=16), nullable=False),
        sa.Column("suite_id", sa.Uuid(), nullable=True),
        sa.Column("section_id", sa.Uuid(), nullable=True),
        sa.Column(
            "custom",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("merged_into_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_test_cases_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["test_cases.id"],
            name=op.f("fk_test_cases_merged_into_id_test_cases"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_test_cases_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_test_cases_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["case_sections.id"],
            name=op.f("fk_test_cases_section_id_case_sections"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["suite_id"],
            ["case_suites.id"],
            name=op.f("fk_test_cases_suite_id_case_suites"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test_cases")),
        sa.UniqueConstraint("project_id", "number", name="uq_test_cases_project_id_number"),
    )
    with op.batch_alter_table("test_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_test_cases_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_test_cases_section_id"), ["section_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_test_cases_suite_id"), ["suite_id"], unique=False)

    op.create_table(
        "case_links",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("node_id", sa.Text(), nullable=False),
        sa.Column("file", sa.Text(), nullable=True),
        sa.Column("body_hash", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["test_cases.id"],
            name=op.f("fk_case_links_case_id_test_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_case_links_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_links")),
        sa.UniqueConstraint("project_id", "node_id", name="uq_case_links_project_id_node_id"),
    )
    with op.batch_alter_table("case_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_links_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_case_links_project_file_hash", ["project_id", "file", "body_hash"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_case_links_project_id"), ["project_id"], unique=False)

    op.create_table(
        "case_versions",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "document",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "diff",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("changed_by_id", sa.Uuid(), nullable=True),
        sa.Column("changed_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["test_cases.id"],
            name=op.f("fk_case_versions_case_id_test_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["users.id"],
            name=op.f("fk_case_versions_changed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_versions")),
        sa.UniqueConstraint("case_id", "version", name="uq_case_versions_case_id"),
    )
    with op.batch_alter_table("case_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_versions_case_id"), ["case_id"], unique=False)

    op.create_table(
        "plan_run_cases",
        sa.Column("plan_run_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("time_spent_seconds", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.Uuid(), nullable=True),
        sa.Column("executed_by_id", sa.Uuid(), nullable=True),
        sa.Column("executed_at", backend.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["users.id"],
            name=op.f("fk_plan_run_cases_assignee_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["test_cases.id"],
            name=op.f("fk_plan_run_cases_case_id_test_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["executed_by_id"],
            ["users.id"],
            name=op.f("fk_plan_run_cases_executed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_run_id"],
            ["plan_runs.id"],
            name=op.f("fk_plan_run_cases_plan_run_id_plan_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_plan_run_cases_run_id_runs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_run_cases")),
        sa.UniqueConstraint("plan_run_id", "case_id", name="uq_plan_run_cases_plan_run_id_case_id"),
    )
    with op.batch_alter_table("plan_run_cases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_run_cases_assignee_id"), ["assignee_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_plan_run_cases_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_plan_run_cases_plan_run_id"), ["plan_run_id"], unique=False
        )

    op.create_table(
        "case_results",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("run_test_id", sa.Uuid(), nullable=False),
        sa.Column("node_id", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("created_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["test_cases.id"],
            name=op.f("fk_case_results_case_id_test_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_case_results_run_id_runs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["run_test_id"],
            ["run_tests.id"],
            name=op.f("fk_case_results_run_test_id_run_tests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_results")),
        sa.UniqueConstraint("case_id", "run_test_id", name="uq_case_results_case_id_run_test_id"),
    )
    with op.batch_alter_table("case_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_results_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_results_run_id"), ["run_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_case_results_run_test_id"), ["run_test_id"], unique=False
        )

    op.create_table(
        "plan_run_results",
        sa.Column("plan_run_case_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("time_spent_seconds", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.Uuid(), nullable=True),
        sa.Column("run_test_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_run_case_id"],
            ["plan_run_cases.id"],
            name=op.f("fk_plan_run_results_plan_run_case_id_plan_run_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_plan_run_results_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.id"],
            name=op.f("fk_plan_run_results_run_id_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_test_id"],
            ["run_tests.id"],
            name=op.f("fk_plan_run_results_run_test_id_run_tests"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_run_results")),
    )
    with op.batch_alter_table("plan_run_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_run_results_plan_run_case_id"), ["plan_run_case_id"], unique=False
        )

    with op.batch_alter_table("run_tests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "meta",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default=sa.text("'{}'"),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("run_tests", schema=None) as batch_op:
        batch_op.drop_column("meta")

    with op.batch_alter_table("plan_run_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_run_results_plan_run_case_id"))

    op.drop_table("plan_run_results")
    with op.batch_alter_table("case_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_results_run_test_id"))
        batch_op.drop_index(batch_op.f("ix_case_results_run_id"))
        batch_op.drop_index(batch_op.f("ix_case_results_case_id"))

    op.drop_table("case_results")
    with op.batch_alter_table("plan_run_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_run_cases_plan_run_id"))
        batch_op.drop_index(batch_op.f("ix_plan_run_cases_case_id"))
        batch_op.drop_index(batch_op.f("ix_plan_run_cases_assignee_id"))

    op.drop_table("plan_run_cases")
    with op.batch_alter_table("case_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_versions_case_id"))

    op.drop_table("case_versions")
    with op.batch_alter_table("case_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_links_project_id"))
        batch_op.drop_index("ix_case_links_project_file_hash")
        batch_op.drop_index(batch_op.f("ix_case_links_case_id"))

    op.drop_table("case_links")
    with op.batch_alter_table("test_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_test_cases_suite_id"))
        batch_op.drop_index(batch_op.f("ix_test_cases_section_id"))
        batch_op.drop_index(batch_op.f("ix_test_cases_project_id"))

    op.drop_table("test_cases")
    with op.batch_alter_table("plan_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_runs_project_id"))
        batch_op.drop_index(batch_op.f("ix_plan_runs_plan_id"))
        batch_op.drop_index(batch_op.f("ix_plan_runs_milestone_id"))

    op.drop_table("plan_runs")
    with op.batch_alter_table("case_sections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_sections_suite_id"))
        batch_op.drop_index(batch_op.f("ix_case_sections_parent_id"))

    op.drop_table("case_sections")
    with op.batch_alter_table("test_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_test_plans_project_id"))
        batch_op.drop_index(batch_op.f("ix_test_plans_milestone_id"))

    op.drop_table("test_plans")
    with op.batch_alter_table("case_suites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_suites_project_id"))

    op.drop_table("case_suites")
    with op.batch_alter_table("case_saved_filters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_saved_filters_project_id"))

    op.drop_table("case_saved_filters")
    op.drop_table("case_project_settings")
    with op.batch_alter_table("case_custom_fields", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_custom_fields_project_id"))

    op.drop_table("case_custom_fields")
