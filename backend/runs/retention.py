"""Retention: finished, unpinned runs older than the retention period go, files included
(the Celery beat task ``testable.cleanup_runs`` and ``testable runs cleanup``)."""

from __future__ import annotations

from backend.config import get_settings
from backend.db import Database
from backend.runs import service


async def cleanup_runs(days: int | None = None) -> dict[str, int]:
    """Delete finished, unpinned runs older than the retention period and their files."""
    settings = get_settings()
    database = Database(settings.resolved_database_url)
    try:
        async with database.session() as session:
            result = await service.cleanup_old_runs(session, settings, days=days)
        freed = service.delete_run_folders(result.folders)  # after the commit
        return {"runs": len(result.run_ids), "bytes_freed": freed}
    finally:
        await database.dispose()
