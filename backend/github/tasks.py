"""Processing stored deliveries off the request path: a Celery task in distributed mode,
the embedded registry in embedded mode (``backend.outbox``) — the same
``process_stored_delivery``.

The receiver enqueues :func:`delivery_job` on the outbox of the transaction that stores
the delivery, so the job leaves only once the row is committed (a worker must always
find it). Processing records the runs it queued, the superseded runs' tasks to revoke
and the runs' events on its own outbox, sent after its commit — as a manual start does.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from celery import shared_task
from loguru import logger

from backend.config import Settings, get_settings
from backend.db import Database
from backend.github import service
from backend.kit.time import utcnow
from backend.outbox import Dispatcher, Job, Outbox, handler
from backend.outbox.embedded import registry
from backend.runs.jobs import run_job

PROCESS_DELIVERY_TASK = "testable.process_github_delivery"
CLEANUP_DELIVERIES_TASK = "testable.cleanup_github_deliveries"


def delivery_job(delivery_pk: uuid.UUID) -> Job:
    return Job(name=PROCESS_DELIVERY_TASK, args=(str(delivery_pk),), key=str(delivery_pk))


async def process_stored_delivery(
    delivery_pk: uuid.UUID, settings: Settings, *, dispatcher: Dispatcher | None = None
) -> str | None:
    """Process one delivery with a database engine of its own; its final status, or
    ``None`` when another worker already took it (or it is gone)."""
    database = Database(
        settings.resolved_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    try:
        async with Outbox(settings, dispatcher=dispatcher, close_bus=True) as outbox:
            try:
                async with database.session() as session:
                    result = await service.process_delivery(session, delivery_pk, settings=settings)
                    for run in result.runs:
                        outbox.enqueue(session, await run_job(session, run, settings))
                    for task_id in result.revoke_task_ids:
                        outbox.revoke(session, task_id)
                    outbox.publish(session, result.messages)
            except Exception as exc:
                logger.exception("processing GitHub delivery {} failed", delivery_pk)
                async with database.session() as session:
                    await service.mark_failed(session, delivery_pk, f"{type(exc).__name__}: {exc}")
                return "failed"
            # Leaving the outbox block sends the committed runs' jobs, revokes and events.
            return result.delivery.status if result.delivery is not None else None
    finally:
        await database.dispose()


@shared_task(name=PROCESS_DELIVERY_TASK, acks_late=True, ignore_result=True)
def process_delivery_task(delivery_pk: str) -> str | None:
    """Celery: idempotent (a delivery no longer ``received`` is skipped), so a redelivered
    job after a worker died does no harm."""
    return asyncio.run(process_stored_delivery(uuid.UUID(delivery_pk), get_settings()))


@handler(PROCESS_DELIVERY_TASK)
async def _process_in_process(settings: Settings, delivery_pk: str) -> None:
    await process_stored_delivery(uuid.UUID(delivery_pk), settings)


def wait_for_deliveries(timeout: float | None = None) -> bool:
    """Block until in-process deliveries end (tests, the CLI); True when all have."""
    return registry.wait(name=PROCESS_DELIVERY_TASK, timeout=timeout)


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
