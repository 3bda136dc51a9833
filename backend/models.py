"""Imports every domain's tables so ``Base.metadata`` is complete (Alembic, tests)."""

from backend.db.base import Base

__all__ = ["Base"]
