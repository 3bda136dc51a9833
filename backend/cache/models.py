"""Element-cache tables in the platform database (PostgreSQL, or SQLite in embedded mode).
(The per-run tokens with which a test process reaches them are ``runs.models.RunToken``.)

The cached element itself is kept as one JSON document (``data``) next to the columns that
lookups filter on; the document is the record the engine reads, the columns are indexes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, IdMixin, TimestampMixin
from backend.kit.time import utcnow


class CacheElement(TimestampMixin, Base):
    __tablename__ = "cache_elements"
    __table_args__ = (Index("ix_cache_elements_page", "project", "scope", "route", "frame"),)

    project: Mapped[str] = mapped_column(String(128), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    scope: Mapped[str] = mapped_column(String(255))
    route: Mapped[str] = mapped_column(Text)
    frame: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]]


class CacheElementVersion(IdMixin, Base):
    __tablename__ = "cache_element_versions"
    __table_args__ = (UniqueConstraint("project", "key", "version"),)

    project: Mapped[str] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]]  # the ElementVersion record


class CacheDecision(Base):
    __tablename__ = "cache_decisions"
    __table_args__ = (
        Index("ix_cache_decisions_key", "project", "key"),
        Index("ix_cache_decisions_kind", "project", "decision"),
    )

    # A counter, not a UUID: the audit is read in insertion order, even within a millisecond.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    project: Mapped[str] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(255))
    decision: Mapped[str] = mapped_column(String(32))
    duration_ms: Mapped[float] = mapped_column(Float)
    run_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]]  # the DecisionRecord
