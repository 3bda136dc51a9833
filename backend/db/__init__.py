from backend.db.base import Base, IdMixin, TimestampMixin
from backend.db.engine import Database, create_engine

__all__ = ["Base", "Database", "IdMixin", "TimestampMixin", "create_engine"]
