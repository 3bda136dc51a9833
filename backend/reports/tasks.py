"""Delivering reports from the worker: the Celery task ``testable.deliver_reports`` and the
run hooks (``REPORT_HOOKS``, registered by whoever executes runs) for when a run starts
and when it has finished.

The start phase runs on the executor's loop beside the run. The finish phase waits for it
(so a check run is created once, then completed), then goes to the background as a job
(``backend.outbox``): the Celery task in distributed mode, the embedded registry
otherwise (the executor's loop ends with the run). The run never waits for a
destination, nor fails because of one.
"""

from __future__ import annotations

import asyncio
import uuid

from celery import shared_task
from loguru import logger

from backend.config import Settings, get_settings
from backend.db import Database
from backend.kit.keys import KeyRing, load_keyring
from backend.outbox import Job, Outbox, handler
from backend.outbox.embedded import registry
from backend.reports.delivery import START_WAIT_SECONDS, Phase, deliver_reports

DELIVER_REPORTS_TASK = "testable.deliver_reports"


def _keyring(settings: Settings) -> KeyRing | None:
    try:
        return load_keyring(settings)
    except Exception:  # deliver unmasked-by-env (the runner already masked) rather than not
        logger.exception("reports: the keyring cannot be loaded; secrets of env vars unknown")
        return None


async def run_phase(
    run_id: uuid.UUID, phase: Phase, settings: Settings, *, only_key: str | None = None
) -> dict[str, str]:
    database = Database(
        settings.resolved_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    try:
        return await deliver_reports(
            database,
            settings,
            run_id,
            phase=phase,
            keyring=_keyring(settings),
            only_key=only_key,
        )
    finally:
        await database.dispose()


@shared_task(name=DELIVER_REPORTS_TASK, ignore_result=True)
def deliver_reports_task(run_id: str, phase: str = "finish", key: str | None = None) -> None:
    asyncio.run(_deliver_in_process(get_settings(), run_id, phase, key))


_started: dict[uuid.UUID, asyncio.Task[dict[str, str]]] = {}


def start_reports(run_id: uuid.UUID, settings: Settings) -> None:
    """The executor's hook when a run starts: the start phase (e.g. a GitHub check
    ``in_progress``) runs as a task on the executor's own loop, beside the run, so it
    happens now even when every worker slot is busy (a queued job would wait for the
    run). Never raises."""
    try:
        task = asyncio.get_running_loop().create_task(run_phase(run_id, "start", settings))
        _started[run_id] = task
    except Exception:
        logger.exception("run {}: starting its reports failed", run_id)


async def finish_reports(run_id: uuid.UUID, settings: Settings) -> None:
    """The executor's hook when a run has finished (its final state is committed): let the
    start phase end (bounded), then deliver in the background — a job sent through the
    outbox, off this loop. Never raises (a run's outcome does not depend on its reports)."""
    started = _started.pop(run_id, None)
    if started is not None:
        # asyncio.wait neither raises the task's error nor cancels it on timeout: a slow or
        # failed start never holds the run up.
        await asyncio.wait([started], timeout=START_WAIT_SECONDS)
        if started.done() and not started.cancelled() and started.exception() is not None:
            logger.warning("run {}: its report start failed: {!r}", run_id, started.exception())
    try:
        async with Outbox(settings) as outbox:
            outbox.enqueue_committed(reports_job(run_id, "finish"))
    except Exception:
        logger.exception("run {}: scheduling its finish reports failed", run_id)


def reports_job(run_id: uuid.UUID, phase: Phase, *, key: str | None = None) -> Job:
    """Deliver the run's reports (one destination: ``key``). Embedded mode runs the jobs
    of one run and destination in order: a later delivery updates what an earlier made."""
    return Job(
        name=DELIVER_REPORTS_TASK,
        args=(str(run_id), phase, key),
        serial=f"{run_id}:{key}",
        key=str(run_id),
    )


@handler(DELIVER_REPORTS_TASK)
async def _deliver_in_process(
    settings: Settings, run_id: str, phase: str = "finish", key: str | None = None
) -> None:
    """The job's body in both modes (the Celery task above runs it in a loop of its own)."""
    chosen: Phase = "start" if phase == "start" else "finish"
    await run_phase(uuid.UUID(run_id), chosen, settings, only_key=key)


def wait_for_reports(run_id: uuid.UUID, timeout: float | None = None) -> bool:
    """Block until the run's in-process deliveries ended (tests, the CLI); True when so."""
    return registry.wait(name=DELIVER_REPORTS_TASK, key=str(run_id), timeout=timeout)


class _ReportHooks:
    """The run hooks (``backend.runs.hooks``) that deliver reports."""

    def started(self, run_id: uuid.UUID, settings: Settings) -> None:
        start_reports(run_id, settings)

    async def finished(self, run_id: uuid.UUID, settings: Settings) -> None:
        await finish_reports(run_id, settings)


REPORT_HOOKS = _ReportHooks()
