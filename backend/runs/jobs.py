"""The job that executes a run, as the outbox sends it (``backend.outbox``): a Celery task
(``workers/tasks.py``) in distributed mode, the embedded registry's handler otherwise —
the same ``execute_run`` and state machine either way.

A run's job carries its organisation as ``group``: embedded mode caps concurrent runs
and takes turns between organisations for the free slots (``backend.outbox.embedded``).
"""

from __future__ import annotations

import asyncio
import math
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db import Database
from backend.outbox import Job, handler
from backend.outbox.embedded import registry
from backend.projects.models import Project
from backend.runs import service
from backend.runs.models import Run

EXECUTE_RUN_TASK = "testable.execute_run"
# Between Celery's soft limit (the task can still record why it stopped) and the kill.
HARD_LIMIT_MARGIN_SECONDS = 60


def execute_run_job(
    run_id: uuid.UUID, task_id: str, time_limit: float, org_id: uuid.UUID | None
) -> Job:
    """Per-run time limits: soft (the run ends ``timed_out``, results kept), then hard."""
    return Job(
        name=EXECUTE_RUN_TASK,
        args=(str(run_id),),
        task_id=task_id,
        soft_time_limit=math.ceil(time_limit),
        time_limit=math.ceil(time_limit) + HARD_LIMIT_MARGIN_SECONDS,
        group=str(org_id) if org_id else "-",
        key=str(run_id),
    )


async def run_job(session: AsyncSession, run: Run, settings: Settings) -> Job:
    """The job of a queued run (its organisation read in the same transaction)."""
    assert run.task_id is not None
    return execute_run_job(
        run.id,
        run.task_id,
        service.run_time_limit(run, settings),
        await _org_of(session, run.project_id),
    )


async def requeued_run_job(
    session: AsyncSession, run_id: uuid.UUID, task_id: str, time_limit: float
) -> Job:
    org_id = await session.scalar(
        select(Project.org_id).join(Run, Run.project_id == Project.id).where(Run.id == run_id)
    )
    return execute_run_job(run_id, task_id, time_limit, org_id)


async def _org_of(session: AsyncSession, project_id: uuid.UUID) -> uuid.UUID | None:
    return await session.scalar(select(Project.org_id).where(Project.id == project_id))


@handler(EXECUTE_RUN_TASK)
async def _execute_in_process(settings: Settings, run_id: str) -> None:
    # Imported here: the executor pulls in checkout, pytest and the clients; modules that
    # only build jobs (routers) need none of it.
    from backend.runs.executor import execute_run

    await execute_run(uuid.UUID(run_id), settings, worker=service.EMBEDDED_WORKER)


def wait_in_process(run_id: uuid.UUID | str, timeout: float | None = None) -> bool:
    """Block until an in-process run's job ended, queued time included (tests, the CLI);
    True when it has."""
    return registry.wait(name=EXECUTE_RUN_TASK, key=str(run_id), timeout=timeout)


def end_runs_of_a_stopped_server(settings: Settings) -> list[uuid.UUID]:
    """Before an embedded server serves: end the runs its previous process left behind
    (``service.end_runs_of_a_stopped_server``); their ids."""

    async def main() -> list[uuid.UUID]:
        database = Database(
            settings.resolved_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
        try:
            async with database.session() as session:
                return await service.end_runs_of_a_stopped_server(session)
        finally:
            await database.dispose()

    return asyncio.run(main())
