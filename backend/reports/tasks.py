"""Delivering reports from the worker: the Celery task ``testable.deliver_reports`` and the
hook the executor calls when a run starts and when it finishes (``schedule_reports``).

Distributed mode sends the Celery task; embedded mode delivers in a thread of its own (the
executor's event loop ends with the run). Either way the run never waits for, or fails
because of, a destination. In embedded mode a run's finish delivery waits for its start
hook, so a check run is created once and then completed.
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
from backend.reports.delivery import Phase, deliver_reports

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
