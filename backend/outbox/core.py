"""The post-commit outbox: the one place jobs, revokes and live events leave the process.

What a transaction wants done afterwards is recorded on its session
(``outbox.enqueue(session, job)``, ``outbox.revoke(session, task_id)``,
``outbox.publish(session, messages)``). SQLAlchemy's session events decide its fate:
when the session commits it becomes ready; when the transaction ends without a commit
(rollback, an exception, a session closed) it is dropped. ``await outbox.flush()`` then
sends what is ready — a worker always finds its run, and nobody sees an event that the
database does not hold.

API requests take ``OutboxDep`` (flushed by a background task, which Starlette runs after
the response, i.e. after ``SessionDep`` committed); jobs and the CLI use
``async with Outbox(settings) as outbox:`` around their sessions (flushed on exit). The
model is Polar's ``worker/_enqueue.py`` and its flush middleware.

Sending: Celery in distributed mode (``backend.outbox.celery``), the embedded registry
(``backend.outbox.embedded``) otherwise; events go to the configured event bus.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Annotated, Any, Protocol

from fastapi import BackgroundTasks, Depends, Request
from loguru import logger
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from backend.config import Dispatcher as Dispatcher_
from backend.config import Settings
from backend.events.bus import EventBus, get_event_bus
from backend.events.messages import EventMessage
from backend.events.publish import publish as publish_messages
from backend.outbox.embedded import registry
from backend.outbox.jobs import Job

_PENDING = "testable.outbox"


@dataclass
class _Pending:
    outbox: Outbox
    jobs: list[Job] = field(default_factory=list)
    revokes: list[str] = field(default_factory=list)
    messages: list[EventMessage] = field(default_factory=list)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for pending in session.info.pop(_PENDING, {}).values():
        pending.outbox._ready(pending)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended: whatever was not committed with it goes.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


class Dispatcher(Protocol):
    """Where committed jobs go: Celery or the embedded registry (tests record them)."""

    def enqueue(self, job: Job) -> None: ...

    def revoke(self, task_id: str) -> None: ...


class CeleryDispatcher:
    def __init__(self, settings: Settings) -> None:
        # Imported here: loading Celery's app machinery costs about a second, which
        # embedded mode and `testable run` (no Celery at all) should not pay.
        from backend.outbox.celery import celery_for

        self.app = celery_for(settings.redis_url)  # cached per Redis URL

    def enqueue(self, job: Job) -> None:
        options: dict[str, Any] = {}
        if job.task_id is not None:
            options["task_id"] = job.task_id
        if job.soft_time_limit is not None:
            options["soft_time_limit"] = job.soft_time_limit
        if job.time_limit is not None:
            options["time_limit"] = job.time_limit
        self.app.send_task(job.name, args=list(job.args), **options)

    def revoke(self, task_id: str) -> None:
        # Without terminate: a queued job is dropped when a worker takes it; a running one
        # stops through the run's cancel flag, so pytest ends cleanly and results are kept.
        self.app.control.revoke(task_id)


class EmbeddedDispatcher:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def enqueue(self, job: Job) -> None:
        registry.submit(job, self.settings)

    def revoke(self, task_id: str) -> None:
        registry.revoke(task_id)  # a started run stops through its cancel flag


def get_dispatcher(settings: Settings) -> Dispatcher:
    if settings.dispatcher is Dispatcher_.CELERY:
        return CeleryDispatcher(settings)
    return EmbeddedDispatcher(settings)


class Outbox:
    """Collects a scope's post-commit work; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        *,
        bus: EventBus | None = None,
        dispatcher: Dispatcher | None = None,
        close_bus: bool = False,
    ) -> None:
        self.settings = settings
        self._dispatcher = dispatcher
        self._bus = bus
        # Only for a scope that owns its event loop (a job): the Redis bus keeps a client
        # per loop, and the loop ends with the job. Never on the api's loop, whose client
        # serves the WebSocket subscriptions.
        self._close_bus = close_bus
        self.jobs: list[Job] = []
        self.revokes: list[str] = []
        self.messages: list[EventMessage] = []

    # -- recording (inside a transaction)

    def _pending(self, session: AsyncSession | Session) -> _Pending:
        info = session.info.setdefault(_PENDING, {})
        pending: _Pending = info.setdefault(id(self), _Pending(self))
        return pending

    def enqueue(self, session: AsyncSession | Session, job: Job) -> None:
        self._pending(session).jobs.append(job)

    def revoke(self, session: AsyncSession | Session, task_id: str | None) -> None:
        if task_id:
            self._pending(session).revokes.append(task_id)

    def publish(self, session: AsyncSession | Session, messages: Sequence[EventMessage]) -> None:
        """Events the transaction stored, published once it committed."""
        self._pending(session).messages.extend(messages)

    def enqueue_committed(self, job: Job) -> None:
        """A job about data committed earlier (this scope wrote nothing for it: a finished
        run's reports, say): sent at the next flush. The one other way a job leaves."""
        self.jobs.append(job)

    def _ready(self, pending: _Pending) -> None:
        self.jobs.extend(pending.jobs)
        self.revokes.extend(pending.revokes)
        self.messages.extend(pending.messages)

    # -- sending (after the commit)

    async def flush(self) -> None:
        """Send what committed: jobs, then revokes, then events. A failure to send one job
        is logged and does not stop the others (a run left queued is ended by the reaper
        or the queue timeout)."""
        if not (self.jobs or self.revokes or self.messages):
            return
        dispatcher = self._dispatcher or get_dispatcher(self.settings)
        jobs, self.jobs = self.jobs, []
        for job in jobs:
            try:
                await asyncio.to_thread(dispatcher.enqueue, job)
            except Exception:
                logger.exception("enqueueing job {} {} failed", job.name, job.args)
        revokes, self.revokes = self.revokes, []
        for task_id in revokes:
            try:
                await asyncio.to_thread(dispatcher.revoke, task_id)
            except Exception:
                logger.exception("revoking task {} failed", task_id)
        messages, self.messages = self.messages, []
        if messages:
            await publish_messages(self.bus, messages)

    @property
    def bus(self) -> EventBus:
        if self._bus is None:
            self._bus = get_event_bus(self.settings)
        return self._bus

    async def close(self) -> None:
        """With ``close_bus``: close this loop's client of the bus."""
        if self._close_bus:
            await self.bus.close()

    async def __aenter__(self) -> Outbox:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Even after an error: only work whose transaction committed is here.
        try:
            await self.flush()
        finally:
            await self.close()


def get_outbox(request: Request, background: BackgroundTasks) -> Outbox:
    outbox = Outbox(request.app.state.settings)
    background.add_task(outbox.flush)
    return outbox


OutboxDep = Annotated[Outbox, Depends(get_outbox)]
