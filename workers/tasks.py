"""Celery tasks: thin wrappers over the runs services (the logic lives in backend/runs).

* ``testable.execute_run`` — one run, end to end (``backend.runs.executor.execute_run``).
  ``acks_late`` + prefetch 1 (``celery_app``); the dispatcher sets per-run soft and hard
  time limits (soft: the run ends ``timed_out``, results kept; hard, when the tests did
  not even stop then: ``RunTask.on_failure`` kills the test process group and ends the
  run ``timed_out``). A run that is no longer queued (cancelled, revoked, finished) is
  skipped.
* ``testable.reap_dead_runs`` — beat, every minute: a run whose heartbeat stopped is
  re-queued once (a new job), then ends as ``error`` (``timed_out`` when it was beating
  past its time limit); see ``service.reap_dead_runs``.
* ``testable.cleanup_runs`` — beat, daily: retention clean-up, files included.

Each task runs its coroutine in a fresh event loop with its own database engine, so
nothing async is shared across the prefork pool's tasks.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from loguru import logger

import backend.models  # noqa: F401 - every table, so foreign keys resolve in the worker
from backend.analytics.quarantine import after_run_finished, quarantined_tests
from backend.cases.hooks import install as install_case_hooks
from backend.config import Settings, get_settings
from backend.db import Database
from backend.defects.hooks import install as install_defect_hooks
from backend.execution.process import kill_group
from backend.execution.runner import RunPaths, abandoned_test_group
from backend.outbox import Outbox
from backend.reports.tasks import REPORT_HOOKS
from backend.runs import hooks, service
from backend.runs.executor import execute_run
from backend.runs.jobs import requeued_run_job
from backend.runs.retention import cleanup_runs
from backend.runs.tokens import revoke_run_tokens
from workers.celery_app import celery_app

# This worker executes runs: their reports are delivered when they start and end.
hooks.register(REPORT_HOOKS)
hooks.register_quarantine(quarantined_tests)  # quarantined tests' failures do not count
hooks.register_after_finish(after_run_finished)  # analytics rollups and statuses
# It processes GitHub deliveries too (issues events for defects) and notes passing tests.
install_defect_hooks()
install_case_hooks()  # a finished run's tests linked to test cases

_WAIT_SECONDS = 1.0


class RunTask(Task):  # type: ignore[type-arg]
    """``on_failure`` runs in the worker's main process for a hard time limit: the pool
    process that ran the run is being killed, and with it the runner, so the test process
    group (a session of its own) would live on and the run would look like a dead
    worker's to the reaper, which would run the hanging suite again."""

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        if isinstance(exc, TimeLimitExceeded) and args:
            try:
                asyncio.run(end_at_hard_time_limit(str(args[0]), exc.args[0] if exc.args else None))
            except Exception:  # the reaper still ends the run (timed_out: past its limit)
                logger.exception("run {}: ending it after the hard time limit failed", args[0])


async def end_at_hard_time_limit(
    run_id: str, limit: float | None, settings: Settings | None = None
) -> bool:
    """End the run ``timed_out`` with a reason, then kill its abandoned test process
    group and drop what only the runner may see. The status comes first: the pool process
    is still alive during this callback, and once the group dies its runner would end the
    run as if cancelled. True when the run was ended here."""
    settings = settings or get_settings()
    paths = RunPaths(settings.artifacts_dir / run_id)
    group = abandoned_test_group(paths, run_id)
    seconds = f" ({float(limit):g}s)" if limit else ""
    killed = "; its test process group was killed" if group is not None else ""
    reason = (
        f"the job's hard time limit{seconds} was reached: the {'tests' if killed else 'run'} "
        f"did not stop after the soft stop, so the worker process was killed{killed}. Events "
        "recorded until then are kept; pytest wrote no report, so there are no test results."
    )
    database = Database(settings.resolved_database_url)
    try:
        async with Outbox(settings, close_bus=True) as outbox:
            async with database.session() as session:
                messages = await service.end_at_hard_time_limit(session, uuid.UUID(run_id), reason)
                outbox.publish(session, messages)
            if group is not None:
                await asyncio.to_thread(kill_group, group)
            shutil.rmtree(paths.internal, ignore_errors=True)  # the unmasked channel file
            shutil.rmtree(settings.data_dir / "work" / run_id, ignore_errors=True)
            if messages:
                async with database.session() as session:
                    await revoke_run_tokens(session, run_id)
                logger.warning("run {}: {}", run_id, reason)
        return bool(messages)
    finally:
        await database.dispose()


@celery_app.task(
    name="testable.execute_run", bind=True, acks_late=True, ignore_result=True, base=RunTask
)
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
        # The outbox sends the re-queued runs' jobs (a worker must find its run queued) and
        # the status events once the reaper's transaction committed.
        async with Outbox(settings, close_bus=True) as outbox, database.session() as session:
            reaped = await service.reap_dead_runs(session, settings)
            for item in reaped:
                if item.requeued is not None:
                    job = await requeued_run_job(
                        session, item.run_id, item.requeued.task_id, item.requeued.time_limit
                    )
                    outbox.enqueue(session, job)
                outbox.publish(session, item.messages)
        for item in reaped:
            if item.requeued is not None:
                logger.warning("run {} re-queued: its worker stopped beating", item.run_id)
            else:
                logger.warning("run {} ended by the reaper: {}", item.run_id, item.status)
        return reaped
    finally:
        await database.dispose()


@celery_app.task(name="testable.cleanup_runs", ignore_result=True)
def cleanup_runs_task() -> dict[str, int]:
    return asyncio.run(cleanup_runs())
