"""The event bus: live run events from whoever executes a run to whoever watches it.

Two implementations behind one small interface (``publish`` / ``subscribe``), chosen by
the ``event_bus`` setting:

* ``memory`` — embedded mode: api and in-process worker share one process. Publishers
  may live on another thread's event loop; delivery hops loops thread-safely.
* ``redis`` — distributed mode: Redis pub/sub between workers and api processes.

The bus is for *live* delivery only and may drop messages (a slow subscriber, a Redis
restart): the database is the record. Subscribers backfill from it and drop duplicates
by sequence number (``backend.runs.sockets``). A publisher never fails because the bus
is down; a subscription raises ``BusUnavailable`` so its owner can re-subscribe and
backfill.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import redis.asyncio as aioredis
from loguru import logger
from redis.exceptions import RedisError

from backend.config import EventBusKind, Settings

Message = dict[str, Any]
# A subscriber this far behind loses messages (and catches up from the database).
MAX_PENDING = 10_000


class BusUnavailable(Exception):
    """The subscription broke (e.g. Redis restarted); re-subscribe and backfill."""


def run_channel(run_id: object) -> str:
    return f"testable:run:{run_id}"


def project_channel(project_id: object) -> str:
    return f"testable:project:{project_id}"


class Subscription(Protocol):
    async def get(self, wait: float) -> Message | None:
        """The next message, or None after ``wait`` seconds without one."""
        ...


class EventBus(Protocol):
    async def publish(self, channel: str, message: Message) -> None: ...

    def subscribe(self, *channels: str) -> contextlib.AbstractAsyncContextManager[Subscription]:
        """Subscribed when the context is entered: nothing published after that is missed
        (while the bus is up)."""
        ...

    async def close(self) -> None: ...


# --------------------------------------------------------------------------- in memory


class _MemorySubscription:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[Message] = asyncio.Queue(maxsize=MAX_PENDING)

    def deliver(self, message: Message) -> None:
        # Called on the subscriber's loop; a full queue drops (the database has it).
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(message)

    async def get(self, wait: float) -> Message | None:
        try:
            return await asyncio.wait_for(self.queue.get(), wait)
        except TimeoutError:
            return None


class MemoryEventBus:
    """One process: subscribers keyed by channel; thread- and loop-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[_MemorySubscription]] = {}

    async def publish(self, channel: str, message: Message) -> None:
        self.publish_nowait(channel, message)

    def publish_nowait(self, channel: str, message: Message) -> None:
        with self._lock:
            targets = list(self._subscribers.get(channel, ()))
        for subscription in targets:
            with contextlib.suppress(RuntimeError):  # its loop has closed
                subscription.loop.call_soon_threadsafe(subscription.deliver, message)

    @asynccontextmanager
    async def subscribe(self, *channels: str) -> AsyncIterator[Subscription]:
        subscription = _MemorySubscription(asyncio.get_running_loop())
        with self._lock:
            for channel in channels:
                self._subscribers.setdefault(channel, set()).add(subscription)
        try:
            yield subscription
        finally:
            with self._lock:
                for channel in channels:
                    members = self._subscribers.get(channel)
                    if members is not None:
                        members.discard(subscription)
                        if not members:
                            del self._subscribers[channel]

    async def close(self) -> None:
        return None


# --------------------------------------------------------------------------- Redis


# What a broken Redis connection raises: redis-py's errors, socket errors, and uvloop's
# RuntimeError when redis-py retries on a transport the server already closed.
_CONNECTION_ERRORS = (RedisError, OSError, RuntimeError)


class _RedisSubscription:
    def __init__(self, pubsub: Any) -> None:
        self.pubsub = pubsub

    async def get(self, wait: float) -> Message | None:
        try:
            raw = await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=wait)
        except _CONNECTION_ERRORS as exc:
            raise BusUnavailable(f"the Redis subscription broke: {exc}") from exc
        if raw is None or raw.get("type") != "message":
            return None
        try:
            message = json.loads(raw["data"])
        except ValueError:
            return None
        return message if isinstance(message, dict) else None


class RedisEventBus:
    """Redis pub/sub; one connection pool per event loop that uses it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._clients: dict[asyncio.AbstractEventLoop, aioredis.Redis[bytes]] = {}
        self._lock = threading.Lock()

    def _client(self) -> aioredis.Redis[bytes]:
        loop = asyncio.get_running_loop()
        with self._lock:
            client = self._clients.get(loop)
            if client is None:
                client = aioredis.Redis.from_url(
                    self.url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=10
                )
                self._clients[loop] = client
            return client

    async def publish(self, channel: str, message: Message) -> None:
        try:
            await self._client().publish(channel, json.dumps(message, default=str))
        except (RedisError, OSError) as exc:
            # Live delivery is best effort; the event is already in the database.
            logger.warning("event bus: publish to {} failed: {}", channel, exc)

    @asynccontextmanager
    async def subscribe(self, *channels: str) -> AsyncIterator[Subscription]:
        pubsub = self._client().pubsub()
        try:
            try:
                await pubsub.subscribe(*channels)
            except (RedisError, OSError) as exc:
                raise BusUnavailable(f"cannot subscribe on Redis: {exc}") from exc
            yield _RedisSubscription(pubsub)
        finally:
            with contextlib.suppress(*_CONNECTION_ERRORS):
                await pubsub.unsubscribe()
            with contextlib.suppress(*_CONNECTION_ERRORS):
                await pubsub.aclose()  # type: ignore[attr-defined]  # types-redis predates aclose

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            client = self._clients.pop(loop, None)
        if client is not None:
            with contextlib.suppress(RedisError, OSError):
                await client.aclose()  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- choice

_buses: dict[tuple[str, str], EventBus] = {}
_buses_lock = threading.Lock()


def get_event_bus(settings: Settings) -> EventBus:
    """The process's bus for these settings (one in-memory bus per process, so the api and
    the in-process worker meet on it)."""
    kind = settings.event_bus
    key = (kind.value, settings.redis_url if kind is EventBusKind.REDIS else "")
    with _buses_lock:
        bus = _buses.get(key)
        if bus is None:
            bus = (
                RedisEventBus(settings.redis_url)
                if kind is EventBusKind.REDIS
                else MemoryEventBus()
            )
            _buses[key] = bus
        return bus
