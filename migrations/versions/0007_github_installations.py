"""github_installations: the organisation each GitHub App installation is bound to.

Revision ID: 0007_github_installations
Revises: 0006_merge_platform
Create Date: 2026-11-24 05:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_github_installations"
down_revision: str | Sequence[str] | None = "0006_merge_platform"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "github_installations",
        sa.Column("installation_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("bound_by_id", sa.Uuid(), nullable=True),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_github_installations_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["bound_by_id"],
            ["users.id"],
            name=op.f("fk_github_installations_bound_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("installation_id", name=op.f("pk_github_installations")),
    )
    op.create_index(
        op.f("ix_github_installations_org_id"), "github_installations", ["org_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_github_installations_org_id"), table_name="github_installations")
    op.drop_table("github_installations")
