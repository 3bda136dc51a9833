"""The run-finished hook that links a finished run's tests to test cases
(``backend.cases.linking``) without ``runs`` importing ``cases``. ``install()`` is called
by whoever executes runs in a process: ``create_app``, the Celery worker, ``testable run``.
"""

from __future__ import annotations

import uuid

from backend.cases import linking
from backend.config import Settings
from backend.db import Database
from backend.runs import hooks
from backend.runs.service import get_run


class _CaseRunHooks:
    def started(self, run_id: uuid.UUID, settings: Settings) -> None:
        return None

    async def finished(self, run_id: uuid.UUID, settings: Settings) -> None:
        database = Database(
            settings.resolved_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
        try:
            async with database.session() as session:
                await linking.after_run_finished(session, await get_run(session, run_id))
        finally:
            await database.dispose()


CASE_RUN_HOOKS = _CaseRunHooks()


def install() -> None:
    """Idempotent."""
    hooks.register(CASE_RUN_HOOKS)
