"""repositories.disconnect_reason: why a repository was disconnected (an App suspension is
undone by its unsuspension; a person's disconnect is not).

Revision ID: 0005_repo_disconnect_reason
Revises: 0004_repositories_workflows
Create Date: 2026-11-24 04:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_repo_disconnect_reason"
down_revision: str | Sequence[str] | None = "0004_repositories_workflows"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "repositories", sa.Column("disconnect_reason", sa.String(length=32), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("repositories") as batch:
        batch.drop_column("disconnect_reason")
