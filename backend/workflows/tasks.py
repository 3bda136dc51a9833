"""The schedule tick: every minute (Celery beat in distributed mode, a loop inside
``testable up`` in embedded mode), queue one run per due slot of every scheduled
workflow. Thin: the logic is in ``backend.workflows.scheduler``.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

from celery import shared_task
from loguru import logger
from sqlalchemy.exc import IntegrityError

from backend.config import Settings, get_settings
from backend.db import Database
from backend.events.bus import get_event_bus
from backend.kit.time import utcnow
from backend.outbox import Dispatcher, Outbox
from backend.runs.jobs import run_job
from backend.runs.models import Run
from backend.runs.states import RunState
from backend.workflows.scheduler import claim_due_slot, scheduled_workflow_ids

SCHEDULE_TICK_TASK = "testable.schedule_tick"


@shared_task(name=SCHEDULE_TICK_TASK, ignore_result=True)
def schedule_tick_task() -> int:
    return len(asyncio.run(_tick_once()))


async def _tick_once() -> list[uuid.UUID]:
    settings = get_settings()
    try:
        return await tick(settings)
    finally:
        # The Redis bus keeps a client per event loop; this loop ends with the task.
        await get_event_bus(settings).close()


async def tick(
    settings: Settings | None = None,
    *,
    now: datetime | None = None,
    database: Database | None = None,
    dispatcher: Dispatcher | None = None,
) -> list[uuid.UUID]:
    """One pass: the ids of the runs this process queued (another process's claims of the
    same slots queue nothing here)."""
    settings = settings or get_settings()
    now = now or utcnow()
    owned = database is None
    database = database or Database(
        settings.resolved_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    started: list[uuid.UUID] = []
    try:
        # Flushed when the block is left, after the commits: a worker always finds its run.
        async with Outbox(settings, dispatcher=dispatcher) as outbox:
            async with database.session(read_only=True) as session:
                workflow_ids = await scheduled_workflow_ids(session)
            for workflow_id in workflow_ids:
                # One transaction per workflow: a claim lost to another process (or a
                # broken workflow) never holds back the others.
                try:
                    run = await _queue_due_run(database, outbox, workflow_id, now, settings)
                except IntegrityError:
                    logger.debug("schedule slot of workflow {} claimed elsewhere", workflow_id)
                    continue
                except Exception:
                    logger.exception("schedule tick failed for workflow {}", workflow_id)
                    continue
                if run is not None:
                    started.append(run.id)
                    logger.info("workflow {}: scheduled run {} queued", workflow_id, run.id)
    finally:
        if owned:
            await database.dispose()
    return started


async def _queue_due_run(
    database: Database, outbox: Outbox, workflow_id: uuid.UUID, now: datetime, settings: Settings
) -> Run | None:
    """Claim the workflow's due slot in a transaction of its own; its run (None when no
    slot is due), whose job and events the outbox sends once the claim committed."""
    async with database.session() as session:
        queued = await claim_due_slot(session, workflow_id, now, settings=settings)
        if queued is None:
            return None
        run, messages = queued
        if run.status == RunState.QUEUED.value:  # not ended at once (missing variables)
            outbox.enqueue(session, await run_job(session, run, settings))
        outbox.publish(session, messages)
        return run


async def tick_forever(settings: Settings, database: Database) -> None:
    """Embedded mode (``testable up``): tick every ``schedule_tick_seconds`` until cancelled."""
    while True:
        try:
            await tick(settings, database=database)
        except Exception:  # a bad tick must not stop the next ones
            logger.exception("schedule tick failed")
        await asyncio.sleep(settings.schedule_tick_seconds)
