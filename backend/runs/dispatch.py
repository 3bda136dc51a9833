"""Hand queued runs to whatever executes them: a thread of this process (embedded) or a
Celery worker (distributed), chosen by the ``dispatcher`` setting.

Jobs are enqueued only after the run row is committed — a worker must always find its
run. Endpoints take ``JobsDep`` and call ``jobs.enqueue(run)``; the jobs are sent by a
background task, which Starlette runs after the response, i.e. after the request's
session committed (``SessionDep`` commits before the response is sent). When the commit
fails the response is an error and the background task never runs.
"""

from __future__ import annotations

import asyncio
import math
import threading
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Any, Protocol

from celery import Celery
from fastapi import BackgroundTasks, Depends, Request
from loguru import logger

from backend.config import Dispatcher as DispatcherKind
from backend.config import Settings
from backend.runs.models import Run
from backend.runs.service import EMBEDDED_WORKER, run_time_limit

EXECUTE_RUN_TASK = "testable.execute_run"
# Between Celery's soft limit (the task can still record why it stopped) and the kill.
HARD_LIMIT_MARGIN_SECONDS = 60


@dataclass(frozen=True)
class Job:
    run_id: uuid.UUID
    task_id: str
    time_limit: float


class Dispatcher(Protocol):
    def enqueue(self, job: Job) -> None: ...

    def revoke(self, task_id: str) -> None: ...


_threads: dict[uuid.UUID, threading.Thread] = {}
_threads_lock = threading.Lock()


class InProcessDispatcher:
    """Embedded mode: each run in a thread of its own with its own event loop, running the
    same ``execute_run`` (and state machine) as a Celery worker."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def enqueue(self, job: Job) -> None:
        thread = threading.Thread(
            target=self._execute, args=(job.run_id,), name=f"run-{job.run_id}", daemon=True
        )
        with _threads_lock:
            for run_id in [k for k, t in _threads.items() if not t.is_alive()]:
                del _threads[run_id]
            _threads[job.run_id] = thread
        thread.start()

    def _execute(self, run_id: uuid.UUID) -> None:
        from backend.runs.executor import execute_run

        try:
            asyncio.run(execute_run(run_id, self.settings, worker=EMBEDDED_WORKER))
        except Exception:
            logger.exception("run {} crashed the in-process worker", run_id)

    def revoke(self, task_id: str) -> None:
        return None  # the executor polls the run's cancel flag


def end_runs_of_a_stopped_server(settings: Settings) -> list[uuid.UUID]:
    """Before an embedded server serves: end the runs its previous process left behind
    (``service.end_runs_of_a_stopped_server``); their ids."""
    from backend.db import Database
    from backend.runs.service import end_runs_of_a_stopped_server as end_runs

    async def main() -> list[uuid.UUID]:
        database = Database(
            settings.resolved_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
        try:
            async with database.session() as session:
                return await end_runs(session)
        finally:
            await database.dispose()

    return asyncio.run(main())


def wait_in_process(run_id: uuid.UUID, timeout: float | None = None) -> bool:
    """Block until an in-process run's thread ends (tests, the CLI); True when it has."""
    with _threads_lock:
        thread = _threads.get(run_id)
    if thread is None:
        return True
    thread.join(timeout)
    return not thread.is_alive()


@lru_cache(maxsize=8)
def celery_for(redis_url: str) -> Celery:
    from workers.celery_app import create_celery

    return create_celery(redis_url)


class CeleryDispatcher:
    """Distributed mode: a Celery task per run, with per-run time limits set here."""

    def __init__(self, settings: Settings) -> None:
        self.app = celery_for(settings.redis_url)

    def enqueue(self, job: Job) -> None:
        self.app.send_task(
            EXECUTE_RUN_TASK,
            args=[str(job.run_id)],
            task_id=job.task_id,
            soft_time_limit=math.ceil(job.time_limit),
            time_limit=math.ceil(job.time_limit) + HARD_LIMIT_MARGIN_SECONDS,
        )

    def revoke(self, task_id: str) -> None:
        # Without terminate: a queued job is dropped when a worker takes it; a running one
        # stops through the run's cancel flag, so pytest ends cleanly and results are kept.
        self.app.control.revoke(task_id)


def get_dispatcher(settings: Settings) -> Dispatcher:
    if settings.dispatcher is DispatcherKind.CELERY:
        return CeleryDispatcher(settings)  # the Celery app itself is cached per Redis URL
    return InProcessDispatcher(settings)


def job_for(run: Run, settings: Settings) -> Job:
    assert run.task_id is not None
    return Job(run_id=run.id, task_id=run.task_id, time_limit=run_time_limit(run, settings))


@dataclass
class JobQueue:
    """Jobs collected during a request, sent once its transaction committed."""

    dispatcher: Dispatcher
    settings: Settings
    jobs: list[Job] = field(default_factory=list)
    revokes: list[str] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)

    def enqueue(self, run: Run) -> None:
        self.jobs.append(job_for(run, self.settings))

    def publish(self, messages: list[dict[str, Any]]) -> None:
        """Events stored in this request, published once they are committed."""
        self.messages.extend(messages)

    def revoke(self, task_id: str | None) -> None:
        if task_id:
            self.revokes.append(task_id)

    async def flush(self) -> None:
        from backend.events.bus import get_event_bus
        from backend.runs.executor import publish

        jobs, self.jobs = self.jobs, []
        for job in jobs:
            try:
                await asyncio.to_thread(self.dispatcher.enqueue, job)
            except Exception:  # the run stays queued; the reaper ends it if no job arrives
                logger.exception("enqueueing run {} failed", job.run_id)
        revokes, self.revokes = self.revokes, []
        for task_id in revokes:
            try:
                await asyncio.to_thread(self.dispatcher.revoke, task_id)
            except Exception:
                logger.exception("revoking task {} failed", task_id)
        messages, self.messages = self.messages, []
        await publish(get_event_bus(self.settings), messages)


def get_job_queue(request: Request, background: BackgroundTasks) -> JobQueue:
    settings: Settings = request.app.state.settings
    queue = JobQueue(get_dispatcher(settings), settings)
    background.add_task(queue.flush)
    return queue


JobsDep = Annotated[JobQueue, Depends(get_job_queue)]
