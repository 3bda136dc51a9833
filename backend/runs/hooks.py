"""What else happens when a run starts and when it has finished (e.g. its reports), and
which of a project's tests are quarantined when a run starts.

The executor calls the hooks registered here and knows nothing of what they do: whoever
starts runs in a process (the api app, the Celery worker, ``testable run``) registers
them, so ``runs`` never imports ``reports`` or ``analytics``.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings

if TYPE_CHECKING:
    from backend.runs.models import Run

# ``quarantined_tests(session, project_id)``: the node ids whose failures do not count.
QuarantineSource = Callable[[AsyncSession, uuid.UUID], Awaitable[set[str]]]
# ``after_run_finished(session, run)``: e.g. analytics rollups, in a savepoint of the
# transaction that finishes the run (committed with its final state).
AfterFinish = Callable[[AsyncSession, "Run"], Awaitable[None]]


class RunHooks(Protocol):
    def started(self, run_id: uuid.UUID, settings: Settings) -> None:
        """On the executor's loop, right after the claim; must not block."""
        ...

    async def finished(self, run_id: uuid.UUID, settings: Settings) -> None:
        """After the run's final state is committed."""
        ...


_hooks: list[RunHooks] = []
_quarantine_sources: list[QuarantineSource] = []
_after_finish: list[AfterFinish] = []


def register(hooks: RunHooks) -> None:
    """Idempotent: registering the same hooks again changes nothing."""
    if not any(h is hooks for h in _hooks):
        _hooks.append(hooks)


def run_started(run_id: uuid.UUID, settings: Settings) -> None:
    for hooks in list(_hooks):
        try:
            hooks.started(run_id, settings)
        except Exception:  # a run never fails because of what watches it
            logger.exception("run {}: a start hook failed", run_id)


async def run_finished(run_id: uuid.UUID, settings: Settings) -> None:
    for hooks in list(_hooks):
        try:
            await hooks.finished(run_id, settings)
        except Exception:
            logger.exception("run {}: a finish hook failed", run_id)


def register_quarantine(source: QuarantineSource) -> None:
    """Idempotent, like ``register``."""
    if not any(s is source for s in _quarantine_sources):
        _quarantine_sources.append(source)


def register_after_finish(hook: AfterFinish) -> None:
    """Idempotent, like ``register``."""
    if not any(h is hook for h in _after_finish):
        _after_finish.append(hook)


async def quarantined_tests(session: AsyncSession, project_id: uuid.UUID) -> set[str]:
    """The union of what every registered source says; empty when none is registered.
    A failing source raises: the caller decides (the executor counts every failure then)."""
    found: set[str] = set()
    for source in list(_quarantine_sources):
        found |= await source(session, project_id)
    return found


def after_finish_hooks() -> list[AfterFinish]:
    return list(_after_finish)
