"""``testable run PATH``: a local suite through the same engine, in embedded mode.

The run is recorded like any other (a "Local runs" organisation and a project per
folder, in the configured database), executed by ``execute_run`` in this process, and
watched on the in-memory bus, so the progress shown is the event stream a WebSocket
client would see.

No server is needed: the test process keeps its element cache in the data directory's
SQLite file, under the folder's name as project and its git branch as scope — what
``pytest`` run in that folder and ``testable cache`` run there use, so the three share one
cache. With ``server_url`` (``testable run --server``) the cache goes through that api
instead, with a run token from this database (the server must share the data directory).
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from backend.cache.store.factory import MEMORY_PREFIX, default_sqlite_path
from backend.client.settings import git_branch
from backend.config import Dispatcher, EventBusKind, Settings
from backend.db import Database
from backend.events.bus import get_event_bus, run_channel
from backend.orgs.models import Organization
from backend.projects.models import Project
from backend.repositories.service import adopt_local_source
from backend.runs import service
from backend.runs.executor import execute_run
from backend.runs.models import Run, RunTest
from backend.runs.schemas import RunOptions
from backend.runs.states import RunState

LOCAL_ORG_SLUG = "local-runs"


@dataclass(frozen=True)
class LocalRunResult:
    run: Run
    tests: list[RunTest]


async def _local_project(database: Database, path: Path) -> Project:
    async with database.session() as session:
        org = await session.scalar(select(Organization).where(Organization.slug == LOCAL_ORG_SLUG))
        if org is None:
            org = Organization(id=uuid.uuid4(), name="Local runs", slug=LOCAL_ORG_SLUG)
            session.add(org)
            await session.flush()
        digest = hashlib.sha256(str(path).encode()).hexdigest()[:8]
        name = f"{path.name or 'suite'}-{digest}"
        project = await session.scalar(
            select(Project).where(Project.org_id == org.id, Project.name == name)
        )
        if project is None:
            project = Project(id=uuid.uuid4(), org_id=org.id, name=name, repository=str(path))
            session.add(project)
            await session.flush()
        # The dashboard shows the folder as the project's connected repository.
        await adopt_local_source(session, project)
        session.expunge(project)
        return project


async def run_local(
    path: Path,
    pytest_args: Sequence[str],
    settings: Settings,
    *,
    options: RunOptions | None = None,
    on_message: Callable[[dict[str, Any]], None] = lambda _: None,
    server_url: str | None = None,
) -> LocalRunResult:
    """Record and execute a run of the suite at ``path`` (absolute); ``on_message`` gets
    every event. The cache is the local one unless ``server_url`` names a running api."""
    update: dict[str, Any] = {"dispatcher": Dispatcher.INPROCESS, "event_bus": EventBusKind.MEMORY}
    if server_url:
        update["run_api_url"] = server_url
    settings = settings.model_copy(update=update)
    database = Database(
        settings.resolved_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    bus = get_event_bus(settings)
    try:
        project = await _local_project(database, path)
        async with database.session() as session:
            run, _ = await service.create_run(
                session,
                project,
                settings=settings,
                options=options,
                extra_args=pytest_args,
                working_copy=True,
            )
            if not server_url:
                run.options = {**run.options, "local_cache": local_cache(path, settings)}
            run_id = run.id
        async with bus.subscribe(run_channel(run_id)) as subscription:
            execution = asyncio.create_task(
                execute_run(run_id, settings, worker="local", database=database, bus=bus)
            )
            last = 1  # the "queued" event was stored before we subscribed
            while True:
                message = await subscription.get(0.2)
                if message is not None and message["seq"] > last:
                    last = message["seq"]
                    on_message(message)
                if message is None and execution.done():
                    break
            await execution
        async with database.session(read_only=True) as session:
            run = await service.get_run(session, run_id)
            tests = await service.run_tests(session, run_id)
            session.expunge_all()
        return LocalRunResult(run=run, tests=tests)
    finally:
        await database.dispose()


def local_cache(path: Path, settings: Settings) -> dict[str, str]:
    """Where and under which names the test process of a local run caches (stored with
    the run's options; ``backend.execution.runner.LocalCache``)."""
    store = default_sqlite_path(settings)
    store.parent.mkdir(parents=True, exist_ok=True)  # the sandbox binds it: it must exist
    return {
        "store_url": f"{MEMORY_PREFIX}sqlite:///{store}",
        "project": cache_project(path),
        "scope": git_branch(path) or "default",
        "folder": str(store.parent),
    }


def cache_project(path: Path) -> str:
    """The cache's project name for a suite folder: the folder's name, as the pytest
    plugin (its rootdir) and ``testable cache`` (the current directory) name it."""
    return path.name or "default"


def exit_code(run: Run) -> int:
    """0 passed (quarantined tests' failures do not count), 1 tests failed, 2 the run
    itself failed (error, timeout, cancelled)."""
    state = RunState(run.status)
    if state is RunState.PASSED:
        return 0
    if state is RunState.FAILED:
        return 1
    return 2
