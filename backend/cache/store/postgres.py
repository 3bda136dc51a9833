"""The store in the platform database: the ``cache_*`` tables of ``backend/cache/models.py``.

Written for PostgreSQL (row locks make concurrent writes to one entry queue up) and works
unchanged on the embedded SQLite platform database (whose writers take the database lock
up front). Two ways to use it:

* ``DatabaseStore.open(url)``: its own engine, one transaction per call (workers, CLI);
* ``DatabaseStore.in_session(session)``: inside a caller's unit of work (the api's request
  session, which commits when the request ends).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cache.models import CacheDecision, CacheElement, CacheElementVersion
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
    parse_iso,
    prepare_put,
    stats_from_counts,
)
from backend.db.engine import Database

_CREATE_ATTEMPTS = 3
SessionScope = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class DatabaseStore:
    def __init__(
        self,
        sessions: SessionScope,
        policy: StorePolicy | None = None,
        *,
        read_sessions: SessionScope | None = None,
        database: Database | None = None,
    ) -> None:
        self._sessions = sessions
        # Lookups need no write lock (it matters on SQLite, where writers queue up).
        self._read_sessions = read_sessions or sessions
        self.policy = policy or StorePolicy()
        self._database = database  # owned (disposed on close) when the store opened it

    @classmethod
    def open(cls, url: str, policy: StorePolicy | None = None) -> DatabaseStore:
        database = Database(url)

        def read_only() -> AbstractAsyncContextManager[AsyncSession]:
            return database.session(read_only=True)

        return cls(database.session, policy, read_sessions=read_only, database=database)

    @classmethod
    def in_session(cls, session: AsyncSession, policy: StorePolicy | None = None) -> DatabaseStore:
        @asynccontextmanager
        async def borrowed() -> AsyncIterator[AsyncSession]:
            yield session  # the owner of the session commits

        return cls(borrowed, policy)

    async def _row(
        self, session: AsyncSession, project: str, key: str, *, lock: bool = False
    ) -> CacheElement | None:
        query = select(CacheElement).where(CacheElement.project == project, CacheElement.key == key)
        if lock:
            query = query.with_for_update()
        return (await session.execute(query)).scalar_one_or_none()

    def _save(
        self,
        session: AsyncSession,
        row: CacheElement | None,
        element: CachedElement,
        version: ElementVersion | None,
    ) -> None:
        if row is None:
            row = CacheElement(project=element["project"], key=element["key"])
            session.add(row)
        row.scope = element["scope"]
        row.route = element["route"]
        row.frame = element["frame"]
        row.status = element["status"]
        row.version = element["version"]
        row.data = dict(element)
        if version is not None:
            session.add(
                CacheElementVersion(
                    project=element["project"],
                    key=element["key"],
                    version=version["version"],
                    change=version["change"],
                    actor=version["actor"],
                    at=parse_iso(version["at"]),
                    data=dict(version),
                )
            )

    async def get(self, project: str, key: str) -> CachedElement | None:
        async with self._read_sessions() as session:
            row = await self._row(session, project, key)
            return cast(CachedElement, row.data) if row else None

    async def find(
        self, project: str, scope: str, route: str, frame: str, instruction: str
    ) -> CachedElement | None:
        async with self._read_sessions() as session:
            rows = await session.scalars(
                select(CacheElement.data).where(
                    CacheElement.project == project,
                    CacheElement.scope == scope,
                    CacheElement.route == route,
                    CacheElement.frame == frame,
                    CacheElement.status == "active",
                )
            )
            candidates = [cast(CachedElement, data) for data in rows]
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
        async with self._sessions() as session:
            for attempt in range(_CREATE_ATTEMPTS):
                try:
                    # A savepoint: when another writer created the same entry between our
                    # read and our insert, only this attempt is undone, then we update it.
                    async with session.begin_nested():
                        row = await self._row(
                            session, element["project"], element["key"], lock=True
                        )
                        previous = cast(CachedElement, row.data) if row else None
                        stored, version = prepare_put(
                            previous,
                            element,
                            change=change,
                            actor=actor,
                            reason=reason,
                            policy=self.policy,
                        )
                        self._save(session, row, stored, version)
                    return stored
                except IntegrityError:
                    if attempt == _CREATE_ATTEMPTS - 1:
                        raise
        raise AssertionError("unreachable")

    async def record_outcome(self, project: str, key: str, *, success: bool) -> CachedElement:
        async with self._sessions() as session:
            row = await self._row(session, project, key, lock=True)
            if row is None:
                raise UnknownElement(project, key)
            updated, version = apply_outcome(cast(CachedElement, row.data), success=success)
            self._save(session, row, updated, version)
            await session.flush()
        return updated

    async def invalidate(self, project: str, key: str, *, actor: Actor, reason: str) -> None:
        async with self._sessions() as session:
            row = await self._row(session, project, key, lock=True)
            if row is None:
                raise UnknownElement(project, key)
            updated, version = apply_invalidate(
                cast(CachedElement, row.data), actor=actor, reason=reason
            )
            self._save(session, row, updated, version)
            await session.flush()

    async def list_elements(
        self, project: str, *, route: str | None = None, status: str | None = None
    ) -> list[CachedElement]:
        query = select(CacheElement.data).where(CacheElement.project == project)
        if route is not None:
            query = query.where(CacheElement.route == route)
        if status is not None:
            query = query.where(CacheElement.status == status)
        async with self._read_sessions() as session:
            rows = await session.scalars(query.order_by(CacheElement.key))
            return [cast(CachedElement, data) for data in rows]

    async def versions(self, project: str, key: str) -> list[ElementVersion]:
        async with self._read_sessions() as session:
            rows = await session.scalars(
                select(CacheElementVersion.data)
                .where(CacheElementVersion.project == project, CacheElementVersion.key == key)
                .order_by(CacheElementVersion.version)
            )
            return [cast(ElementVersion, data) for data in rows]

    async def record_decision(self, record: DecisionRecord) -> None:
        async with self._sessions() as session:
            session.add(
                CacheDecision(
                    project=record["project"],
                    key=record["key"],
                    decision=record["decision"],
                    duration_ms=float(record["duration_ms"]),
                    run_id=record.get("run_id"),
                    at=parse_iso(record["at"]),
                    data=dict(record),
                )
            )
            await session.flush()

    async def decisions(self, project: str, key: str | None = None) -> list[DecisionRecord]:
        query = select(CacheDecision.data).where(CacheDecision.project == project)
        if key is not None:
            query = query.where(CacheDecision.key == key)
        async with self._read_sessions() as session:
            rows = await session.scalars(query.order_by(CacheDecision.id))
            return [cast(DecisionRecord, data) for data in rows]

    async def stats(self, project: str) -> CacheStats:
        async with self._read_sessions() as session:
            entries = await session.scalar(
                select(func.count())
                .select_from(CacheElement)
                .where(CacheElement.project == project)
            )
            rows = (
                await session.execute(
                    select(
                        CacheDecision.decision,
                        func.count(),
                        func.coalesce(func.sum(CacheDecision.duration_ms), 0.0),
                    )
                    .where(CacheDecision.project == project)
                    .group_by(CacheDecision.decision)
                )
            ).all()
        counts = {str(decision): int(count) for decision, count, _ in rows}
        resolver_ms = sum(float(total) for decision, _, total in rows if decision == "resolver")
        return stats_from_counts(int(entries or 0), counts, resolver_ms)

    async def close(self) -> None:
        if self._database is not None:
            await self._database.dispose()
