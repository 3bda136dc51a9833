"""What else happens when a run starts and when it has finished (e.g. its reports).

The executor calls the hooks registered here and knows nothing of what they do: whoever
starts runs in a process (the api app, the Celery worker) registers them, so ``runs``
never imports ``reports``.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from loguru import logger

from backend.config import Settings


class RunHooks(Protocol):
    def started(self, run_id: uuid.UUID, settings: Settings) -> None:
        """On the executor's loop, right after the claim; must not block."""
        ...

    async def finished(self, run_id: uuid.UUID, settings: Settings) -> None:
        """After the run's final state is committed."""
        ...


_hooks: list[RunHooks] = []


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
