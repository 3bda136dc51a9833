"""``testable analytics backfill``: fold finished runs that the after-finish hook never saw
(runs from before analytics existed, or whose hook failed and was rolled back) into the
rollups, then judge every test they touched once. Safe to repeat: processed runs are
skipped (``ProcessedRun``)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import select

from backend.analytics import monitors
from backend.analytics.models import ProcessedRun
from backend.analytics.quarantine import process_runs
from backend.config import get_settings
from backend.db import Database
from backend.kit.time import utcnow
from backend.runs.models import Run

analytics_app = typer.Typer(help="Test analytics: rollups of finished runs.", no_args_is_help=True)
console = Console()


async def _pending(database: Database) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Unprocessed finished runs per project, oldest first."""
    async with database.session() as session:
        rows = await session.execute(
            select(Run.project_id, Run.id)
            .where(Run.finished_at.is_not(None))
            .where(~select(ProcessedRun.run_id).where(ProcessedRun.run_id == Run.id).exists())
            .order_by(Run.finished_at, Run.id)
        )
        pending: dict[uuid.UUID, list[uuid.UUID]] = {}
        for project_id, run_id in rows:
            pending.setdefault(project_id, []).append(run_id)
        return pending


async def backfill(
    database: Database, *, batch: int = 200, progress: Callable[[str], None] = lambda _: None
) -> int:
    """Process every unprocessed finished run; one transaction per batch, so an interrupted
    backfill keeps what it did and the next one carries on. Returns the runs processed."""
    done = 0
    for project_id, run_ids in (await _pending(database)).items():
        touched: set[str] = set()
        for start in range(0, len(run_ids), batch):
            part = run_ids[start : start + batch]
            async with database.session() as session:
                runs = list(
                    await session.scalars(
                        select(Run).where(Run.id.in_(part)).order_by(Run.finished_at, Run.id)
                    )
                )
                # Monitors are judged once at the end, over everything the batches touched.
                touched.update(await process_runs(session, project_id, runs, judge=False))
            done += len(part)
            progress(f"project {project_id}: {start + len(part)}/{len(run_ids)} runs")
        async with database.session() as session:
            settings = await monitors.settings_for(session, project_id)
            await monitors.evaluate(session, project_id, sorted(touched), settings, utcnow())
    return done


@analytics_app.command("backfill")
def backfill_command(
    batch: Annotated[int, typer.Option(min=1, max=5000, help="Runs per transaction.")] = 200,
) -> None:
    """Add finished runs the analytics have not seen yet (after an upgrade)."""
    database = Database(get_settings().resolved_database_url)

    async def _run() -> int:
        try:
            return await backfill(database, batch=batch, progress=console.print)
        finally:
            await database.dispose()

    console.print(f"analytics: {asyncio.run(_run())} runs added")
