"""An in-memory layer for one test session over any backing store (by default the SQLite
file): lookups are answered from memory once an entry has been seen, writes go through to
the backing store first and then update memory, so memory never holds what the backing
store refused. History, audit, lists and statistics always come from the backing store:
they must include what other sessions wrote.
"""

from __future__ import annotations

import copy

from backend.cache.records import CachedElement
from backend.cache.store.base import (
    Actor,
    CacheStats,
    ChangeKind,
    DecisionRecord,
    ElementStore,
    ElementVersion,
)
from backend.cache.store.common import best_match


class LayeredStore:
    def __init__(self, backing: ElementStore) -> None:
        self.backing = backing
        self._memory: dict[tuple[str, str], CachedElement] = {}

    def _remember(self, element: CachedElement) -> CachedElement:
        self._memory[(element["project"], element["key"])] = element
        return copy.deepcopy(element)

    async def preload(self, project: str) -> int:
        """Fetch every active entry of ``project`` once (the session-start snapshot)."""
        elements = await self.backing.list_elements(project, status="active")
        for element in elements:
            self._remember(element)
        return len(elements)

    async def get(self, project: str, key: str) -> CachedElement | None:
        cached = self._memory.get((project, key))
        if cached is not None:
            return copy.deepcopy(cached)  # callers may change what they get
        element = await self.backing.get(project, key)
        return self._remember(element) if element is not None else None

    async def find(
        self, project: str, scope: str, route: str, frame: str, instruction: str
    ) -> CachedElement | None:
        page = [
            e
            for (p, _), e in self._memory.items()
            if p == project and e["scope"] == scope and e["route"] == route and e["frame"] == frame
        ]
        exact = [e for e in page if e["instruction"] == instruction and e["status"] == "active"]
        found = exact[0] if exact else best_match(page, instruction)
        if found is not None:
            return copy.deepcopy(found)
        # A miss is not remembered: another session may write the entry meanwhile.
        element = await self.backing.find(project, scope, route, frame, instruction)
        return self._remember(element) if element is not None else None

    async def put(
        self,
        element: CachedElement,
        *,
        change: ChangeKind,
        actor: Actor,
        reason: str = "",
    ) -> CachedElement:
        stored = await self.backing.put(element, change=change, actor=actor, reason=reason)
        return self._remember(stored)

    async def record_outcome(self, project: str, key: str, *, success: bool) -> CachedElement:
        try:
            updated = await self.backing.record_outcome(project, key, success=success)
        except Exception:
            self._memory.pop((project, key), None)
            raise
        return self._remember(updated)

    async def invalidate(self, project: str, key: str, *, actor: Actor, reason: str) -> None:
        # Forget first: even if the backing store fails, this session stops trusting it.
        self._memory.pop((project, key), None)
        await self.backing.invalidate(project, key, actor=actor, reason=reason)

    async def list_elements(
        self, project: str, *, route: str | None = None, status: str | None = None
    ) -> list[CachedElement]:
        return await self.backing.list_elements(project, route=route, status=status)

    async def versions(self, project: str, key: str) -> list[ElementVersion]:
        return await self.backing.versions(project, key)

    async def record_decision(self, record: DecisionRecord) -> None:
        await self.backing.record_decision(record)

    async def decisions(self, project: str, key: str | None = None) -> list[DecisionRecord]:
        return await self.backing.decisions(project, key)

    async def stats(self, project: str) -> CacheStats:
        return await self.backing.stats(project)

    async def close(self) -> None:
        self._memory.clear()
        await self.backing.close()
