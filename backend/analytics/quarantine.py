"""Quarantine and what happens when a run finishes.

A quarantined test still runs and its result is stored and shown; only its failure does
not count (the run's status, ``testable run``'s exit code, the GitHub check, the PR
comment — wired in ``backend.runs.quarantine`` through ``quarantined_tests``). A test is
quarantined by a person (member and up) or by the monitors when the project's
``auto_quarantine`` is on and the test turns flaky (never when broken). It is released
by a person, after ``release_after_passes`` consecutive passing results, or after
``release_after_quiet_days`` days without a failure (since it was quarantined or since
its last failure).

``after_run_finished`` is the run-finished hook (registered by whoever executes runs,
``backend.runs.hooks.register_after_finish``): rollups, clusters, statuses, automatic
quarantine and release, once per run.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.analytics import monitors
from backend.analytics.models import ProcessedRun, Quarantine
from backend.analytics.rollups import COUNTED, FAILED, Accumulator, refresh_summaries
from backend.analytics.schemas import MonitorSettingsIn
from backend.kit.errors import Conflict, NotFound
from backend.kit.time import utcnow
from backend.runs.models import Run, RunTest


async def active(session: AsyncSession, project_id: uuid.UUID) -> list[Quarantine]:
    rows = await session.scalars(
        select(Quarantine)
        .where(Quarantine.project_id == project_id, Quarantine.released_at.is_(None))
        .order_by(Quarantine.since.desc(), Quarantine.node_id)
    )
    return list(rows)


async def quarantined_tests(session: AsyncSession, project_id: uuid.UUID) -> set[str]:
    """The node ids of the project's tests quarantined now."""
    rows = await session.scalars(
        select(Quarantine.node_id).where(
            Quarantine.project_id == project_id, Quarantine.released_at.is_(None)
        )
    )
    return set(rows)


async def quarantine(
    session: AsyncSession,
    project_id: uuid.UUID,
    node_id: str,
    *,
    reason: str,
    by: str,
    by_user_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Quarantine:
    if node_id in await quarantined_tests(session, project_id):
        raise Conflict(
            "The test is already quarantined.",
            code="already_quarantined",
            details={"field": "test"},
        )
    row = Quarantine(
        project_id=project_id,
        node_id=node_id,
        reason=reason,
        by=by,
        by_user_id=by_user_id,
        since=now or utcnow(),
        consecutive_passes=0,
    )
    session.add(row)
    await session.flush()
    return row


async def release(
    session: AsyncSession, project_id: uuid.UUID, node_id: str, *, reason: str
) -> Quarantine:
    row = await session.scalar(
        select(Quarantine).where(
            Quarantine.project_id == project_id,
            Quarantine.node_id == node_id,
            Quarantine.released_at.is_(None),
        )
    )
    if row is None:
        raise NotFound("The test is not quarantined.", details={"field": "test"})
    row.released_at = utcnow()
    row.release_reason = reason
    await session.flush()
    return row


async def _update_releases(
    session: AsyncSession,
    project_id: uuid.UUID,
    results: dict[str, str],
    settings: MonitorSettingsIn,
    now: datetime,
) -> None:
    quiet = timedelta(days=settings.release_after_quiet_days)
    for row in await active(session, project_id):
        outcome = results.get(row.node_id)
        if outcome in FAILED:
            row.consecutive_passes = 0
            row.last_failure_at = now
        elif outcome == "passed":
            row.consecutive_passes += 1
        if row.consecutive_passes >= settings.release_after_passes:
            row.released_at = now
            row.release_reason = f"passed {row.consecutive_passes} times in a row"
        elif now - max(row.since, row.last_failure_at or row.since) >= quiet:
            row.released_at = now
            row.release_reason = f"no failure for {settings.release_after_quiet_days} days"


async def process_runs(
    session: AsyncSession,
    project_id: uuid.UUID,
    runs: Sequence[Run],
    *,
    judge: bool = True,
) -> list[str]:
    """Fold finished runs (oldest first, not yet processed) into the rollups; with
    ``judge``, evaluate the monitors and quarantine for the tests they touched."""
    settings = await monitors.settings_for(session, project_id)
    accumulator = Accumulator(project_id)
    last_results: dict[str, str] = {}
    for run in runs:
        rows = list(await session.scalars(select(RunTest).where(RunTest.run_id == run.id)))
        accumulator.add_run(run, rows, settings.infra_failure_share)
        last_results = {r.node_id: r.outcome for r in rows if r.outcome in COUNTED}
    touched = await accumulator.flush(session)
    if not runs:
        return touched
    as_of = max((r.finished_at or utcnow()) for r in runs)
    await refresh_summaries(session, project_id, touched, as_of.date())
    if not judge:
        return touched
    now = as_of
    changes = await monitors.evaluate(session, project_id, touched, settings, now)
    if len(runs) == 1:
        await _update_releases(session, project_id, last_results, settings, now)
    if settings.auto_quarantine:
        current = await quarantined_tests(session, project_id)
        for node, _previous, status in changes:
            if status == "flaky" and node not in current:
                await quarantine(
                    session,
                    project_id,
                    node,
                    reason="flaky (monitor): see the test's evidence",
                    by="monitor",
                    now=now,
                )
    await session.flush()
    return touched


async def after_run_finished(session: AsyncSession, run: Run) -> None:
    """The run-finished hook: once per run (a second call changes nothing)."""
    if run.finished_at is None:
        return
    if await session.get(ProcessedRun, run.id) is not None:
        return
    await process_runs(session, run.project_id, [run])
