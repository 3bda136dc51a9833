"""GitHub webhook deliveries: each request to the webhook receiver, stored once.

Revision ID: 0004_webhook_deliveries
Revises: 0003_runs
Create Date: 2026-11-24 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import backend.db.base

revision: str = "0004_webhook_deliveries"
down_revision: str | Sequence[str] | None = "0003_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "webhook_deliveries",
        sa.Column("delivery_id", sa.String(length=64), nullable=True),
        sa.Column("claimed_delivery_id", sa.String(length=64), nullable=True),
        sa.Column("event", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("payload", JSON, nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("signature_ok", sa.Boolean(), nullable=False),
        sa.Column("repository_full_name", sa.String(length=255), nullable=True),
        sa.Column("github_repo_id", sa.BigInteger(), nullable=True),
        sa.Column("installation_id", sa.BigInteger(), nullable=True),
        sa.Column("received_at", backend.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", backend.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_ids", JSON, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("delivery_id", name=op.f("uq_webhook_deliveries_delivery_id")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_deliveries_received_at", ["received_at"], unique=False)
        batch_op.create_index(
            "ix_webhook_deliveries_github_repo_id", ["github_repo_id"], unique=False
        )
        batch_op.create_index(
            "ix_webhook_deliveries_installation_id", ["installation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_installation_id")
        batch_op.drop_index("ix_webhook_deliveries_github_repo_id")
        batch_op.drop_index("ix_webhook_deliveries_received_at")
    op.drop_table("webhook_deliveries")
