"""Fixed-window rate limits, in memory (embedded mode) or in Redis (several api processes).

A limit is a name (``"login:ip"``), a subject (an IP address, an e-mail), a maximum and a
window. Windows are aligned on multiples of ``window_seconds`` since the epoch, so two
processes sharing Redis agree on which window a hit falls in, and ``Retry-After`` is the
time left in the current window.

Usage in an endpoint::

    limiter = get_rate_limiter(request)
    await enforce(limiter, "login:ip", client_ip, limit=20, window_seconds=60)

``enforce`` raises :class:`~backend.kit.errors.TooManyRequests` (429 + ``Retry-After``).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from fastapi import Request
from redis.asyncio import Redis

from backend.config import EventBusKind, Settings
from backend.kit.errors import TooManyRequests

Clock = Callable[[], float]


@dataclass(frozen=True)
class RateLimitResult:
    allowed: bool
    count: int
    retry_after: int  # seconds until the current window ends (≥ 1)


class RateLimiter(Protocol):
    async def hit(
        self, name: str, subject: str, *, limit: int, window_seconds: int
    ) -> RateLimitResult:
        """Count one hit and say whether it is within the limit."""
        ...

    async def close(self) -> None: ...


def _window(now: float, window_seconds: int) -> tuple[int, int]:
    """(window number, whole seconds left in it, at least 1)."""
    number = int(now // window_seconds)
    left = math.ceil((number + 1) * window_seconds - now)
    return number, max(1, left)


class MemoryRateLimiter:
    """One process only: counters live in a dict, old windows are dropped as we go."""

    def __init__(self, clock: Clock = time.time) -> None:
        self._clock = clock
        self._counts: dict[tuple[str, str], tuple[int, int]] = {}
        self._lock = asyncio.Lock()

    async def hit(
        self, name: str, subject: str, *, limit: int, window_seconds: int
    ) -> RateLimitResult:
        number, left = _window(self._clock(), window_seconds)
        async with self._lock:
            key = (name, subject)
            window, count = self._counts.get(key, (number, 0))
            count = count + 1 if window == number else 1
            self._counts[key] = (number, count)
            if len(self._counts) > 100_000:  # keep memory bounded under a flood of subjects
                self._drop_old(number)
        return RateLimitResult(allowed=count <= limit, count=count, retry_after=left)

    def _drop_old(self, current: int) -> None:
        self._counts = {k: v for k, v in self._counts.items() if v[0] == current}

    async def close(self) -> None:
        return None


class RedisRateLimiter:
    """Shared by every api process: ``INCR`` on a key per window, expiring with the window."""

    def __init__(
        self, redis: Redis[bytes], *, prefix: str = "testable:ratelimit", clock: Clock = time.time
    ):
        self._redis = redis
        self._prefix = prefix
        self._clock = clock

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "testable:ratelimit") -> RedisRateLimiter:
        return cls(Redis.from_url(url), prefix=prefix)

    async def hit(
        self, name: str, subject: str, *, limit: int, window_seconds: int
    ) -> RateLimitResult:
        number, left = _window(self._clock(), window_seconds)
        key = f"{self._prefix}:{name}:{subject}:{number}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window_seconds + 1)
            count, _ = await pipe.execute()
        return RateLimitResult(allowed=int(count) <= limit, count=int(count), retry_after=left)

    async def close(self) -> None:
        await self._redis.connection_pool.disconnect()


def create_rate_limiter(settings: Settings) -> RateLimiter:
    """Redis when the deployment shares state through Redis, else in memory."""
    if settings.event_bus == EventBusKind.REDIS:
        return RedisRateLimiter.from_url(settings.redis_url)
    return MemoryRateLimiter()


def get_rate_limiter(request: Request) -> RateLimiter:
    """The app's limiter, created on first use (kept on ``app.state.rate_limiter``)."""
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        limiter = create_rate_limiter(request.app.state.settings)
        request.app.state.rate_limiter = limiter
    return limiter


async def enforce(
    limiter: RateLimiter, name: str, subject: str, *, limit: int, window_seconds: int
) -> None:
    """Count a hit; raise 429 with ``Retry-After`` once ``limit`` is exceeded in the window."""
    result = await limiter.hit(name, subject, limit=limit, window_seconds=window_seconds)
    if not result.allowed:
        raise TooManyRequests(
            f"Too many attempts; try again in {result.retry_after} seconds.",
            retry_after=result.retry_after,
        )
