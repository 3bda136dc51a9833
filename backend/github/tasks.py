"""Processing stored deliveries off the request path: a Celery task in distributed mode,
a thread of the api process in embedded mode — the same ``process_stored_delivery``.

The receiver commits the delivery first and only then calls :func:`enqueue_delivery`
(a worker must always find its row). Processing commits the runs it queued, then sends
their jobs (``backend.runs.dispatch``), revokes superseded runs' tasks and publishes the
runs' events — the order ``backend/runs/router.py`` uses after a manual start.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import timedelta

from celery import shared_task
from loguru import logger

from backend.config import Dispatcher as DispatcherKind
from backend.config import Settings, get_settings
from backend.db import Database
from backend.github import service
from backend.kit.time import utcnow

PROCESS_DELIVERY_TASK = "testable.process_github_delivery"
CLEANUP_DELIVERIES_TASK = "testable.cleanup_github_deliveries"

_threads: set[threading.Thread] = set()
_threads_lock = threading.Lock()


async def process_stored_delivery(delivery_pk: uuid.UUID, settings: Settings) -> str | None:
    """Process one delivery with a database engine of its own; its final status, or
    ``None`` when another worker already took it (or it is gone)."""
    import backend.models  # noqa: F401 - every table, so foreign keys resolve in the worker
    from backend.events.bus import get_event_bus
    from backend.runs.dispatch import get_dispatcher, job_for
    from backend.runs.executor import publish

    database = Database(
        settings.resolved_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    try:
        try:
            async with database.session() as session:
                result = await service.process_delivery(session, delivery_pk, settings=settings)
        except Exception as exc:
            logger.exception("processing GitHub delivery {} failed", delivery_pk)
            async with database.session() as session:
                await service.mark_failed(session, delivery_pk, f"{type(exc).__name__}: {exc}")
            return "failed"
        if result.delivery is None:
            return None
        # Committed: the runs exist, so their jobs can go out now.
        dispatcher = get_dispatcher(settings)
        for run in result.runs:
            try:
                await asyncio.to_thread(dispatcher.enqueue, job_for(run, settings))
            except Exception:  # it stays queued; the reaper / queue timeout ends it
                logger.exception("enqueueing run {} failed", run.id)
        for task_id in result.revoke_task_ids:
            try:
                await asyncio.to_thread(dispatcher.revoke, task_id)
            except Exception:
                logger.exception("revoking task {} failed", task_id)
        if result.messages:
            bus = get_event_bus(settings)
            try:
                await publish(bus, result.messages)
            finally:
                await bus.close()
        return result.delivery.status
    finally:
        await database.dispose()


@shared_task(name=PROCESS_DELIVERY_TASK, acks_late=True, ignore_result=True)
def process_delivery_task(delivery_pk: str) -> str | None:
    """Celery: idempotent (a delivery no longer ``received`` is skipped), so a redelivered
    job after a worker died does no harm."""
    return asyncio.run(process_stored_delivery(uuid.UUID(delivery_pk), get_settings()))


def _run_in_thread(delivery_pk: uuid.UUID, settings: Settings) -> None:
    try:
        asyncio.run(process_stored_delivery(delivery_pk, settings))
    except Exception:
        logger.exception("GitHub delivery {} crashed the in-process worker", delivery_pk)
    finally:
        with _threads_lock:
            _threads.discard(threading.current_thread())


def enqueue_delivery(delivery_pk: uuid.UUID, settings: Settings) -> None:
    """Hand a committed delivery to whatever processes it (see the module docstring)."""
    if settings.dispatcher is DispatcherKind.CELERY:
        from backend.runs.dispatch import celery_for

        celery_for(settings.redis_url).send_task(PROCESS_DELIVERY_TASK, args=[str(delivery_pk)])
        return
    thread = threading.Thread(
        target=_run_in_thread,
        args=(delivery_pk, settings),
        name=f"github-delivery-{delivery_pk}",
        daemon=True,
    )
    with _threads_lock:
        _threads.add(thread)
    thread.start()


def wait_for_deliveries(timeout: float | None = None) -> bool:
    """Block until in-process deliveries end (tests, the CLI); True when all have."""
    with _threads_lock:
        threads = list(_threads)
    for thread in threads:
        thread.join(timeout)
    return not any(t.is_alive() for t in threads)


async def cleanup_deliveries(settings: Settings) -> int:
    """Delete deliveries older than ``github_delivery_retention_days``; how many went."""
    database = Database(
        settings.resolved_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    try:
        before = utcnow() - timedelta(days=settings.github_delivery_retention_days)
        async with database.session() as session:
            return await service.delete_old_deliveries(session, before)
    finally:
        await database.dispose()


@shared_task(name=CLEANUP_DELIVERIES_TASK, ignore_result=True)
def cleanup_deliveries_task() -> int:
    """Celery beat, daily (``workers/celery_app.py``)."""
    return asyncio.run(cleanup_deliveries(get_settings()))
