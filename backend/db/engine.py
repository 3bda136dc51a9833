"""Engine and sessions for SQLite (embedded default) and PostgreSQL, chosen by URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from backend.config import normalise_database_url
from backend.kit.filemodes import private_sqlite_file


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
        # Take transaction control away from the sqlite3 module so "begin" below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front: a deferred transaction that upgrades later
        # fails with SQLITE_BUSY immediately instead of waiting for busy_timeout.
        if conn.get_execution_options().get("sqlite_read_only"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str, *, echo: bool = False, busy_timeout_ms: int = 5_000) -> AsyncEngine:
    url = normalise_database_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            private_sqlite_file(Path(path))  # 0600 from the start (SECURITY.md)
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": busy_timeout_ms / 1000}
        )
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


class Database:
    """One engine and session factory per process."""

    def __init__(self, url: str, *, echo: bool = False, busy_timeout_ms: int = 5_000) -> None:
        self.url = normalise_database_url(url)
        self.engine = create_engine(self.url, echo=echo, busy_timeout_ms=busy_timeout_ms)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self.is_sqlite = self.url.startswith("sqlite")

    @asynccontextmanager
    async def session(self, *, read_only: bool = False) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits when the block ends cleanly, rolls back otherwise."""
        async with self.sessionmaker() as session:
            if read_only and self.is_sqlite:
                await session.connection(execution_options={"sqlite_read_only": True})
            try:
                yield session
                if read_only:
                    await session.rollback()
                else:
                    await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()
