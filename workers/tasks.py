"""Celery tasks: thin wrappers over the runs services (the logic lives in backend/runs).

* ``testable.execute_run`` — one run, end to end (``backend.runs.executor.execute_run``).
  ``acks_late`` + prefetch 1 (``celery_app``); the dispatcher sets per-run soft and hard
  time limits (soft: the run ends ``timed_out``, results kept). A run that is no longer
  queued (cancelled, revoked, finished) is skipped.
* ``testable.reap_dead_runs`` — beat, every minute: a run whose heartbeat stopped is
  re-queued once (a new job), then ends as ``error``; see ``service.reap_dead_runs``.
* ``testable.cleanup_runs`` — beat, daily: retention clean-up, files included.

Each task runs its coroutine in a fresh event loop with its own database engine, so
nothing async is shared across the prefork pool's tasks.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from loguru import logger

import backend.models  # noqa: F401 - every table, so foreign keys resolve in the worker
from backend.config import Settings, get_settings
from backend.db import Database
from backend.events.bus import get_event_bus
from backend.runs import service
from backend.runs.dispatch import Job, get_dispatcher
from backend.runs.executor import execute_run, publish
from workers.celery_app import celery_app

_WAIT_SECONDS = 1.0


@celery_app.task(name="testable.execute_run", bind=True, acks_late=True, ignore_result=True)
def execute_run_task(self: Task[Any, Any], run_id: str) -> str | None:
    """The run executes in a thread of its own; this thread only waits, so Celery's soft
    time limit (raised here, in the pool process's main thread) interrupts the waiting and
    never the run's event loop: the run is told its time is up, stops its tests like a
    cancel, keeps their results and ends ``timed_out``. The hard limit, a minute later,
    kills the process if even that hangs (the reaper then takes the run)."""
    settings = get_settings()
    worker = str(self.request.hostname or "celery")
    time_up = threading.Event()
    soft_limit = _soft_limit(self.request.timelimit)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"run-{run_id}") as pool:
        future = pool.submit(
            asyncio.run,
            execute_run(
                uuid.UUID(run_id),
                settings,
                worker=worker,
                time_up=time_up,
                time_limit=soft_limit,
            ),
        )
        while True:
            try:
                state = future.result(timeout=_WAIT_SECONDS)
                break
            except FutureTimeout:
                continue
            except SoftTimeLimitExceeded:
                logger.warning("run {}: the job's soft time limit was reached", run_id)
                time_up.set()
    return state.value if state is not None else None


def _soft_limit(timelimit: Any) -> float | None:
    """The soft limit from the task request's ``(hard, soft)`` pair, if one was set."""
    if isinstance(timelimit, list | tuple) and len(timelimit) == 2 and timelimit[1]:
        return float(timelimit[1])
    return None


@celery_app.task(name="testable.reap_dead_runs", ignore_result=True)
def reap_dead_runs_task() -> int:
    return len(asyncio.run(reap()))


async def reap(settings: Settings | None = None) -> list[service.ReapedRun]:
    """One pass of the reaper (``service.reap_dead_runs``), then the re-queued runs' jobs."""
    settings = settings or get_settings()
    database = Database(settings.resolved_database_url)
    try:
        async with database.session() as session:
            reaped = await service.reap_dead_runs(session, settings)
        # Committed: now the re-queued runs' jobs can be sent (a worker must find its run
        # queued) and the status events published.
        dispatcher = get_dispatcher(settings)
        bus = get_event_bus(settings)
        for item in reaped:
            if item.requeued is not None:
                logger.warning("run {} re-queued: its worker stopped beating", item.run_id)
                job = Job(item.run_id, item.requeued.task_id, item.requeued.time_limit)
                try:
                    await asyncio.to_thread(dispatcher.enqueue, job)
                except Exception:  # it stays queued; the queue timeout ends it
                    logger.exception("re-enqueueing run {} failed", item.run_id)
            else:
                logger.warning("run {} ended by the reaper: {}", item.run_id, item.status)
            await publish(bus, item.messages)
        await bus.close()
        return reaped
    finally:
        await database.dispose()


@celery_app.task(name="testable.cleanup_runs", ignore_result=True)
def cleanup_runs_task() -> dict[str, int]:
    return asyncio.run(cleanup_runs())


async def cleanup_runs(days: int | None = None) -> dict[str, int]:
    """Delete finished, unpinned runs older than the retention period and their files."""
    settings = get_settings()
    database = Database(settings.resolved_database_url)
    try:
        async with database.session() as session:
            result = await service.cleanup_old_runs(session, settings, days=days)
        freed = service.delete_run_folders(result.folders)  # after the commit
        return {"runs": len(result.run_ids), "bytes_freed": freed}
    finally:
        await database.dispose()
