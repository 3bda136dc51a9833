"""Environment variables per project, workflow and environment (values encrypted).

Revision ID: 0005_envvars
Revises: 0004_repositories_workflows
Create Date: 2026-11-24 03:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db.base

revision: str = "0005_envvars"
down_revision: str | Sequence[str] | None = "0004_repositories_workflows"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "env_vars",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("workflow_id", sa.Uuid(), nullable=True),
        sa.Column("environment", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("is_secret", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_env_vars_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workflow_id"],
            ["workflows.id"],
            name=op.f("fk_env_vars_workflow_id_workflows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_env_vars")),
        sa.UniqueConstraint(
            "project_id", "workflow_id", "environment", "key", name="uq_env_vars_project_id"
        ),
    )
    with op.batch_alter_table("env_vars", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_env_vars_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_env_vars_workflow_id"), ["workflow_id"], unique=False)
        # NULL workflow_id (project-wide) is never equal to another NULL in the unique
        # constraint above; this partial index keeps project-wide keys unique.
        batch_op.create_index(
            "uq_env_vars_project_wide",
            ["project_id", "environment", "key"],
            unique=True,
            sqlite_where=sa.text("workflow_id IS NULL"),
            postgresql_where=sa.text("workflow_id IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("env_vars", schema=None) as batch_op:
        batch_op.drop_index("uq_env_vars_project_wide")
        batch_op.drop_index(batch_op.f("ix_env_vars_workflow_id"))
        batch_op.drop_index(batch_op.f("ix_env_vars_project_id"))
    op.drop_table("env_vars")
