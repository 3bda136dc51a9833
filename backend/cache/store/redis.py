"""The store in Redis. Every key starts with ``<prefix>:<project>:`` so projects (and test
sessions with their own prefix) never share a key:

* ``…:elements`` — hash: element key -> JSON of the cached element;
* ``…:page:<sha1 of scope, route, frame>`` — hash: the same entries, grouped by page, so
  ``find`` is one round trip;
* ``…:versions:<key>`` — sorted set scored by version number -> JSON of ``ElementVersion``;
* ``…:decisions`` and ``…:decisions:<key>`` — lists of ``DecisionRecord`` JSON, in order;
* ``…:counters`` — hash: ``count:<decision>`` and ``ms:<decision>`` for ``stats``.

A read-modify-write of one entry runs under ``WATCH`` on the elements hash and is retried
when another client changed it meanwhile.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any, cast
from urllib.parse import quote

from redis.asyncio import Redis
from redis.exceptions import WatchError

from backend.cache.records import CachedElement
from backend.cache.store.base import (
    Actor,
    CacheStats,
    ChangeKind,
    DecisionRecord,
    ElementVersion,
)
from backend.cache.store.common import (
    DECISIONS,
    StorePolicy,
    UnknownElement,
    apply_invalidate,
    apply_outcome,
    best_match,
    prepare_put,
    stats_from_counts,
)

DEFAULT_PREFIX = "testable:cache"
_WRITE_ATTEMPTS = 20

Change = Callable[[CachedElement | None], tuple[CachedElement, ElementVersion | None]]


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class RedisStore:
    def __init__(
        self, client: Redis[str], prefix: str = DEFAULT_PREFIX, policy: StorePolicy | None = None
    ) -> None:
        self._redis = client
        self.prefix = prefix
        self.policy = policy or StorePolicy()

    @classmethod
    def open(
        cls, url: str, prefix: str = DEFAULT_PREFIX, policy: StorePolicy | None = None
    ) -> RedisStore:
        return cls(Redis.from_url(url, decode_responses=True), prefix, policy)

    # --- key layout ----------------------------------------------------------------

    def _base(self, project: str) -> str:
        # quote(): a project id with ':' cannot reach into another project's keys.
        return f"{self.prefix}:{quote(project, safe='')}"

    def _elements(self, project: str) -> str:
        return f"{self._base(project)}:elements"

    def _page(self, project: str, scope: str, route: str, frame: str) -> str:
        digest = hashlib.sha1(f"{scope}\0{route}\0{frame}".encode(), usedforsecurity=False)
        return f"{self._base(project)}:page:{digest.hexdigest()}"

    def _versions(self, project: str, key: str) -> str:
        return f"{self._base(project)}:versions:{key}"

    def _decisions(self, project: str, key: str | None = None) -> str:
        suffix = f":{key}" if key is not None else ""
        return f"{self._base(project)}:decisions{suffix}"

    def _counters(self, project: str) -> str:
        return f"{self._base(project)}:counters"

    # --- writes --------------------------------------------------------------------

    async def _modify(self, project: str, key: str, change: Change) -> CachedElement:
        """Read the entry, compute the new one, write it (and its version) atomically."""
        elements = self._elements(project)
        for _ in range(_WRITE_ATTEMPTS):
            async with self._redis.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(elements)
                    raw = await pipe.hget(elements, key)
                    current = cast(CachedElement, json.loads(raw)) if raw else None
                    updated, version = change(current)
                    pipe.multi()
                    data = _dumps(updated)
                    pipe.hset(elements, key, data)
                    page = self._page(project, updated["scope"], updated["route"], updated["frame"])
                    pipe.hset(page, key, data)
                    if current is not None:
                        old_page = self._page(
                            project, current["scope"], current["route"], current["frame"]
                        )
                        if old_page != page:
                            pipe.hdel(old_page, key)
                    if version is not None:
                        pipe.zadd(
                            self._versions(project, key), {_dumps(version): version["version"]}
                        )
                    await pipe.execute()
                    return updated
                except WatchError:
                    continue
        raise RuntimeError(f"cache entry {key!r} kept changing; gave up after retries")

    async def put(
        self,
        element: CachedElement,
        *,
        change: ChangeKind,
        actor: Actor,
        reason: str = "",
    ) -> CachedElement:
        def write(previous: CachedElement | None) -> tuple[CachedElement, ElementVersion]:
            return prepare_put(
                previous, element, change=change, actor=actor, reason=reason, policy=self.policy
            )

        return await self._modify(element["project"], element["key"], write)

    async def record_outcome(self, project: str, key: str, *, success: bool) -> CachedElement:
        def count(current: CachedElement | None) -> tuple[CachedElement, ElementVersion | None]:
            if current is None:
                raise UnknownElement(project, key)
            return apply_outcome(current, success=success)

        return await self._modify(project, key, count)

    async def invalidate(self, project: str, key: str, *, actor: Actor, reason: str) -> None:
        def drop(current: CachedElement | None) -> tuple[CachedElement, ElementVersion]:
            if current is None:
                raise UnknownElement(project, key)
            return apply_invalidate(current, actor=actor, reason=reason)

        await self._modify(project, key, drop)

    async def record_decision(self, record: DecisionRecord) -> None:
        project, decision = record["project"], record["decision"]
        payload = _dumps(record)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(self._decisions(project), payload)
            pipe.rpush(self._decisions(project, record["key"]), payload)
            pipe.hincrby(self._counters(project), f"count:{decision}", 1)
            pipe.hincrbyfloat(self._counters(project), f"ms:{decision}", record["duration_ms"])
            await pipe.execute()

    # --- reads ---------------------------------------------------------------------

    async def get(self, project: str, key: str) -> CachedElement | None:
        raw = await cast(Awaitable[str | None], self._redis.hget(self._elements(project), key))
        return cast(CachedElement, json.loads(raw)) if raw else None

    async def find(
        self, project: str, scope: str, route: str, frame: str, instruction: str
    ) -> CachedElement | None:
        page = await cast(
            Awaitable[dict[str, str]],
            self._redis.hgetall(self._page(project, scope, route, frame)),
        )
        candidates = [
            element
            for element in (cast(CachedElement, json.loads(page[k])) for k in sorted(page))
            if element["status"] == "active"
        ]
        for candidate in candidates:
            if candidate["instruction"] == instruction:
                return candidate
        return best_match(candidates, instruction)

    async def list_elements(
        self, project: str, *, route: str | None = None, status: str | None = None
    ) -> list[CachedElement]:
        raw = await cast(Awaitable[dict[str, str]], self._redis.hgetall(self._elements(project)))
        elements = [cast(CachedElement, json.loads(raw[key])) for key in sorted(raw)]
        return [
            e
            for e in elements
            if (route is None or e["route"] == route) and (status is None or e["status"] == status)
        ]

    async def versions(self, project: str, key: str) -> list[ElementVersion]:
        raws = await self._redis.zrange(self._versions(project, key), 0, -1)
        return [cast(ElementVersion, json.loads(raw)) for raw in raws]

    async def decisions(self, project: str, key: str | None = None) -> list[DecisionRecord]:
        raws = await cast(
            Awaitable[list[str]], self._redis.lrange(self._decisions(project, key), 0, -1)
        )
        return [cast(DecisionRecord, json.loads(raw)) for raw in raws]

    async def stats(self, project: str) -> CacheStats:
        entries = await cast(Awaitable[int], self._redis.hlen(self._elements(project)))
        counters = await cast(
            Awaitable[dict[str, str]], self._redis.hgetall(self._counters(project))
        )
        counts = {d: int(counters.get(f"count:{d}", 0)) for d in DECISIONS}
        resolver_ms = float(counters.get("ms:resolver", 0.0))
        return stats_from_counts(int(entries), counts, resolver_ms)

    async def delete_prefix(self) -> int:
        """Remove every key under this store's prefix (tests, a fresh start)."""
        deleted = 0
        async for name in self._redis.scan_iter(match=f"{self.prefix}:*", count=500):
            deleted += int(await self._redis.delete(name))
        return deleted

    async def close(self) -> None:
        await self._redis.aclose()  # type: ignore[attr-defined]  # types-redis predates aclose
