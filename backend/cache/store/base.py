"""The element-store contract. Every store (memory-over-SQLite, SQLite, PostgreSQL, Redis,
HTTP) passes the same contract suite in ``tests/cache/test_store_contract.py``.

A lookup never crosses projects: every method is scoped by ``project``.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, Protocol, TypedDict

from backend.cache.records import CachedElement, Decision, EvidenceRecord, LayerScores

ChangeKind = Literal["created", "updated", "deprecated", "invalidated"]
Actor = Literal["resolver", "healing", "person", "system"]


class ElementVersion(TypedDict):
    key: str
    version: int
    change: ChangeKind
    actor: Actor
    reason: str
    diff: dict[str, Any]  # field -> {"old": ..., "new": ...}
    at: str  # ISO 8601
    element: CachedElement  # the entry as it was after this change


class DecisionRecord(TypedDict):
    """Audit of one lookup: what was decided, with which scores and why."""

    project: str
    key: str
    instruction: str
    decision: Decision | Literal["failed"]
    confidence: float
    scores: LayerScores | None
    reasons: list[str]
    selector: str | None
    duration_ms: float
    run_id: str | None
    at: str  # ISO 8601
    # Which evidence accepted or refused the element (healing and the warm path), including
    # a match with a stored rival. Absent on records written before it existed.
    evidence: NotRequired[EvidenceRecord]


class CacheStats(TypedDict):
    entries: int
    lookups: int
    hits: int  # cache_hit + cache_hit_verified
    heals: int
    resolver_calls: int
    failures: int
    hit_rate: float  # 0..1 over lookups
    time_saved_ms: float  # estimated: resolver calls avoided x mean resolver duration


class ElementStore(Protocol):
    async def get(self, project: str, key: str) -> CachedElement | None: ...

    async def find(
        self, project: str, scope: str, route: str, frame: str, instruction: str
    ) -> CachedElement | None:
        """Exact key first, then a near-identical instruction on the same page."""
        ...

    async def put(
        self,
        element: CachedElement,
        *,
        change: ChangeKind,
        actor: Actor,
        reason: str = "",
    ) -> CachedElement:
        """Write a new version (the store computes the diff and bumps ``version``)."""
        ...

    async def record_outcome(self, project: str, key: str, *, success: bool) -> CachedElement:
        """Update uses / successes / failures; invalidates automatically below 70 %."""
        ...

    async def invalidate(self, project: str, key: str, *, actor: Actor, reason: str) -> None: ...

    async def list_elements(
        self, project: str, *, route: str | None = None, status: str | None = None
    ) -> list[CachedElement]: ...

    async def versions(self, project: str, key: str) -> list[ElementVersion]: ...

    async def record_decision(self, record: DecisionRecord) -> None: ...

    async def decisions(self, project: str, key: str | None = None) -> list[DecisionRecord]: ...

    async def stats(self, project: str) -> CacheStats: ...

    async def close(self) -> None: ...
