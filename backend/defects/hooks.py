"""What defects hang on other domains without them importing defects: the GitHub
``issues`` webhook handler (``backend.github.handlers``) and the run-finished hook
(``backend.runs.hooks``). ``install()`` is called by whoever processes deliveries and
executes runs in a process: ``create_app``, the Celery worker, ``testable run``.
"""

from __future__ import annotations

import uuid

from backend.config import Settings
from backend.db import Database
from backend.defects import service
from backend.github.handlers import register_event_handler
from backend.runs import hooks


class _DefectRunHooks:
    def started(self, run_id: uuid.UUID, settings: Settings) -> None:
        return None

    async def finished(self, run_id: uuid.UUID, settings: Settings) -> None:
        database = Database(
            settings.resolved_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
        try:
            async with database.session() as session:
                await service.note_finished_run(session, run_id)
        finally:
            await database.dispose()


DEFECT_RUN_HOOKS = _DefectRunHooks()


def install() -> None:
    """Idempotent."""
    register_event_handler("issues", service.apply_issues_event)
    hooks.register(DEFECT_RUN_HOOKS)
