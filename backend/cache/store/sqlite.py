"""The standalone store: one SQLite file (default ``<data_dir>/cache/cache.db``) that the store
creates and migrates itself, so a test run on a laptop needs no platform database.

WAL lets readers run while one writer writes; every write takes the write lock up front
(``BEGIN IMMEDIATE``) so two test processes sharing the file wait for each other
(``busy_timeout``) instead of failing half-way through a read-modify-write.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

import aiosqlite

from backend.cache.records import CachedElement
from backend.cache.store.base import (
    Actor,
    CacheStats,
    ChangeKind,
    DecisionRecord,
    ElementVersion,
)
from backend.cache.store.common import (
    StorePolicy,
    UnknownElement,
    apply_invalidate,
    apply_outcome,
    best_match,
    prepare_put,
    stats_from_counts,
)

BUSY_TIMEOUT_MS = 10_000
SCHEMA_VERSION = 1

# Each entry in ``_MIGRATIONS`` moves the file from user_version i to i + 1.
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE elements (
        project TEXT NOT NULL,
        key TEXT NOT NULL,
        scope TEXT NOT NULL,
        route TEXT NOT NULL,
        frame TEXT NOT NULL,
        status TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (project, key)
    );
    CREATE INDEX ix_elements_page ON elements (project, scope, route, frame);
    CREATE TABLE versions (
        project TEXT NOT NULL,
        key TEXT NOT NULL,
        version INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (project, key, version)
    );
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        project TEXT NOT NULL,
        key TEXT NOT NULL,
        decision TEXT NOT NULL,
        duration_ms REAL NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX ix_decisions_key ON decisions (project, key);
    CREATE INDEX ix_decisions_kind ON decisions (project, decision);
    """,
)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class SqliteStore:
    def __init__(self, connection: aiosqlite.Connection, path: Path, policy: StorePolicy) -> None:
        self._db = connection
        self.path = path
        self.policy = policy
        # One connection serves every coroutine of this store: a lock keeps two write
        # transactions of this process from interleaving on it.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str, policy: StorePolicy | None = None) -> SqliteStore:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: no implicit transactions, the explicit ones below decide.
        connection = await aiosqlite.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await connection.execute("PRAGMA synchronous=NORMAL")
        store = cls(connection, path, policy or StorePolicy())
        await store._migrate()
        return store

    async def _migrate(self) -> None:
        async with self._write():
            async with self._db.execute("PRAGMA user_version") as cursor:
                row = await cursor.fetchone()
            current = int(row[0]) if row else 0
            if current > SCHEMA_VERSION:
                raise RuntimeError(
                    f"{self.path} has cache schema {current}, newer than this TestAble "
                    f"({SCHEMA_VERSION}); upgrade TestAble or use another file"
                )
            for index in range(current, SCHEMA_VERSION):
                for statement in _MIGRATIONS[index].split(";"):
                    if statement.strip():
                        await self._db.execute(statement)
            # PRAGMA takes no parameters; SCHEMA_VERSION is our own integer.
            await self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[None]:
        async with self._write_lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    async def _load(self, project: str, key: str) -> CachedElement | None:
        async with self._db.execute(
            "SELECT data FROM elements WHERE project = ? AND key = ?", (project, key)
        ) as cursor:
            row = await cursor.fetchone()
        return cast(CachedElement, json.loads(row[0])) if row else None

    async def _save(self, element: CachedElement, version: ElementVersion | None) -> None:
        await self._db.execute(
            "INSERT INTO elements (project, key, scope, route, frame, status, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project, key) DO UPDATE SET "
            "scope = excluded.scope, route = excluded.route, frame = excluded.frame, "
            "status = excluded.status, data = excluded.data",
            (
                element["project"],
                element["key"],
                element["scope"],
                element["route"],
                element["frame"],
                element["status"],
                _dumps(element),
            ),
        )
        if version is not None:
            await self._db.execute(
                "INSERT INTO versions (project, key, version, data) VALUES (?, ?, ?, ?)",
                (element["project"], element["key"], version["version"], _dumps(version)),
            )

    async def get(self, project: str, key: str) -> CachedElement | None:
        return await self._load(project, key)

    async def find(
        self, project: str, scope: str, route: str, frame: str, instruction: str
    ) -> CachedElement | None:
        async with self._db.execute(
            "SELECT data FROM elements WHERE project = ? AND scope = ? AND route = ? "
            "AND frame = ? AND status = 'active'",
            (project, scope, route, frame),
        ) as cursor:
            rows = await cursor.fetchall()
        candidates = [cast(CachedElement, json.loads(row[0])) for row in rows]
        for candidate in candidates:
            if candidate["instruction"] == instruction:
                return candidate
        return best_match(candidates, instruction)

    async def put(
        self,
        element: CachedElement,
        *,
        change: ChangeKind,
        actor: Actor,
        reason: str = "",
    ) -> CachedElement:
        async with self._write():
            previous = await self._load(element["project"], element["key"])
            stored, version = prepare_put(
                previous, element, change=change, actor=actor, reason=reason, policy=self.policy
            )
            await self._save(stored, version)
        return stored

    async def record_outcome(self, project: str, key: str, *, success: bool) -> CachedElement:
        async with self._write():
            current = await self._load(project, key)
            if current is None:
                raise UnknownElement(project, key)
            updated, version = apply_outcome(current, success=success)
            await self._save(updated, version)
        return updated

    async def invalidate(self, project: str, key: str, *, actor: Actor, reason: str) -> None:
        async with self._write():
            current = await self._load(project, key)
            if current is None:
                raise UnknownElement(project, key)
            updated, version = apply_invalidate(current, actor=actor, reason=reason)
            await self._save(updated, version)

    async def list_elements(
        self, project: str, *, route: str | None = None, status: str | None = None
    ) -> list[CachedElement]:
        query = "SELECT data FROM elements WHERE project = ?"
        params: list[str] = [project]
        if route is not None:
            query += " AND route = ?"
            params.append(route)
        if status is not None:
            query += " AND status = ?"
            params.append(status)
        async with self._db.execute(query + " ORDER BY key", params) as cursor:
            rows = await cursor.fetchall()
        return [cast(CachedElement, json.loads(row[0])) for row in rows]

    async def versions(self, project: str, key: str) -> list[ElementVersion]:
        async with self._db.execute(
            "SELECT data FROM versions WHERE project = ? AND key = ? ORDER BY version",
            (project, key),
        ) as cursor:
            rows = await cursor.fetchall()
        return [cast(ElementVersion, json.loads(row[0])) for row in rows]

    async def record_decision(self, record: DecisionRecord) -> None:
        async with self._write():
            await self._db.execute(
                "INSERT INTO decisions (project, key, decision, duration_ms, data) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    record["project"],
                    record["key"],
                    record["decision"],
                    float(record["duration_ms"]),
                    _dumps(record),
                ),
            )

    async def decisions(self, project: str, key: str | None = None) -> list[DecisionRecord]:
        query = "SELECT data FROM decisions WHERE project = ?"
        params = [project]
        if key is not None:
            query += " AND key = ?"
            params.append(key)
        async with self._db.execute(query + " ORDER BY id", params) as cursor:
            rows = await cursor.fetchall()
        return [cast(DecisionRecord, json.loads(row[0])) for row in rows]

    async def stats(self, project: str) -> CacheStats:
        async with self._db.execute(
            "SELECT COUNT(*) FROM elements WHERE project = ?", (project,)
        ) as cursor:
            row = await cursor.fetchone()
        entries = int(row[0]) if row else 0
        async with self._db.execute(
            "SELECT decision, COUNT(*), SUM(duration_ms) FROM decisions "
            "WHERE project = ? GROUP BY decision",
            (project,),
        ) as cursor:
            rows = await cursor.fetchall()
        counts = {str(r[0]): int(r[1]) for r in rows}
        resolver_ms = sum(float(r[2] or 0) for r in rows if r[0] == "resolver")
        return stats_from_counts(entries, counts, resolver_ms)

    async def close(self) -> None:
        await self._db.close()
