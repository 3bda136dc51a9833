"""Delivering reports from the worker: the Celery task ``testable.deliver_reports`` and the
hooks the executor calls when a run starts (``start_reports``) and when it has finished
(``finish_reports``).

The start phase runs on the executor's loop beside the run. The finish phase waits for it
(so a check run is created once, then completed), then goes to the background: the Celery
task in distributed mode, a thread of its own in embedded mode (the executor's loop ends
with the run). The run never waits for a destination, nor fails because of one.
"""

from __future__ import annotations

import asyncio
import threading
import uuid

from celery import shared_task
from loguru import logger

from backend.config import Dispatcher, Settings, get_settings
from backend.db import Database
from backend.kit.keys import KeyRing, load_keyring
from backend.reports.delivery import START_WAIT_SECONDS, Phase, deliver_reports

DELIVER_REPORTS_TASK = "testable.deliver_reports"

_threads: dict[tuple[uuid.UUID, str | None], threading.Thread] = {}
_threads_lock = threading.Lock()


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
    chosen: Phase = "start" if phase == "start" else "finish"
    asyncio.run(run_phase(uuid.UUID(run_id), chosen, get_settings(), only_key=key))


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
    """The executor's hook when a run has finished: let the start phase end (bounded), then
    deliver in the background (``schedule_reports``). Never raises."""
    started = _started.pop(run_id, None)
    if started is not None:
        # asyncio.wait neither raises the task's error nor cancels it on timeout: a slow or
        # failed start never holds the run up.
        await asyncio.wait([started], timeout=START_WAIT_SECONDS)
        if started.done() and not started.cancelled() and started.exception() is not None:
            logger.warning("run {}: its report start failed: {!r}", run_id, started.exception())
    schedule_reports(run_id, "finish", settings)


def schedule_reports(
    run_id: uuid.UUID, phase: Phase, settings: Settings, *, key: str | None = None
) -> None:
    """Deliver the run's reports in the background. Never raises (a run's outcome does not
    depend on its reports)."""
    try:
        if settings.dispatcher is Dispatcher.CELERY:
            from backend.runs.dispatch import celery_for

            celery_for(settings.redis_url).send_task(
                DELIVER_REPORTS_TASK, args=[str(run_id), phase, key]
            )
            return
        _start_thread(run_id, phase, settings, key)
    except Exception:
        logger.exception("run {}: scheduling its {} reports failed", run_id, phase)


def _start_thread(run_id: uuid.UUID, phase: Phase, settings: Settings, key: str | None) -> None:
    with _threads_lock:
        previous = _threads.get((run_id, key))

        def work() -> None:
            if previous is not None:
                previous.join()  # the start hook first: finish updates what it created
            try:
                asyncio.run(run_phase(run_id, phase, settings, only_key=key))
            except Exception:
                logger.exception("run {}: delivering its {} reports failed", run_id, phase)

        thread = threading.Thread(target=work, name=f"reports-{run_id}-{phase}", daemon=True)
        for done in [k for k, t in _threads.items() if not t.is_alive()]:
            del _threads[done]
        _threads[(run_id, key)] = thread
    thread.start()


def wait_for_reports(run_id: uuid.UUID, timeout: float | None = None) -> bool:
    """Block until the run's in-process deliveries ended (tests, the CLI); True when so."""
    with _threads_lock:
        threads = [t for (rid, _), t in _threads.items() if rid == run_id]
    for thread in threads:
        thread.join(timeout)
    return not any(t.is_alive() for t in threads)
