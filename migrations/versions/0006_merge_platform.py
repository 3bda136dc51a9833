"""Merge the platform branches (reports, webhook deliveries, env vars, repositories) into one head.

Revision ID: 0006_merge_platform
Revises: 0004_reports, 0004_webhook_deliveries, 0005_envvars, 0005_repo_disconnect_reason
Create Date: 2026-11-24 04:25:00.000000
"""

from collections.abc import Sequence

revision: str = "0006_merge_platform"
down_revision: str | Sequence[str] | None = (
    "0004_reports",
    "0004_webhook_deliveries",
    "0005_envvars",
    "0005_repo_disconnect_reason",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
