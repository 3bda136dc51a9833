"""Scheduled runs: which workflows have a due slot, and claiming a slot exactly once.

Several beat or worker processes may tick at the same moment. Each claims a slot by
inserting ``(workflow_id, slot_at)``; the unique key lets exactly one insert succeed (on
PostgreSQL the second waits for the first transaction and then fails; SQLite serialises
writers), and only the transaction whose insert succeeded queues the run.

Saving a schedule (creating the workflow, changing its schedule, enabling it) marks the
slot that is due at that moment as already seen (a slot row without a run), so a schedule
never fires for a slot from before it was saved.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.projects.models import Project
from backend.repositories.models import Repository
from backend.runs.schemas import Trigger
from backend.workflows.config import config_of
from backend.workflows.models import ScheduleSlot, Workflow
from backend.workflows.service import RunAndMessages, RunRequest, queue_run
from backend.workflows.slots import due_slot, slot_taken


async def scheduled_workflow_ids(session: AsyncSession) -> list[uuid.UUID]:
    """Enabled workflows with a schedule, of connected repositories."""
    rows = await session.execute(
        select(Workflow.id, Workflow.config)
        .join(Repository, Repository.id == Workflow.repository_id)
        .where(Workflow.enabled.is_(True), Repository.disconnected_at.is_(None))
        .order_by(Workflow.id)
    )
    return [
        workflow_id
        for workflow_id, config in rows
        if (config.get("triggers") or {}).get("schedule") is not None
    ]


async def claim_due_slot(
    session: AsyncSession, workflow_id: uuid.UUID, now: datetime, *, settings: Settings
) -> RunAndMessages | None:
    """Queue the run of the workflow's latest due slot, unless that slot is already claimed.

    A concurrent claim of the same slot makes the flush raise ``IntegrityError``: the
    caller rolls this transaction back and moves on (the other process runs the slot)."""
    workflow = await session.get(Workflow, workflow_id)
    if workflow is None or not workflow.enabled:
        return None
    config = config_of(workflow)
    slot_at = due_slot(config, now)
    if slot_at is None or await slot_taken(session, workflow.id, slot_at):
        return None
    slot = ScheduleSlot(id=uuid.uuid4(), workflow_id=workflow.id, slot_at=slot_at)
    session.add(slot)
    await session.flush()  # the unique key decides here

    repository = await session.get(Repository, workflow.repository_id)
    project = await session.get(Project, workflow.project_id)
    if repository is None or project is None:
        return None
    assert config.triggers.schedule is not None
    request = RunRequest(
        trigger=Trigger.SCHEDULE,
        branch=repository.default_branch or project.default_branch,
        commit=None,
        info={
            "kind": "schedule",
            "slot_at": slot_at.isoformat(),
            "cron": config.triggers.schedule.cron,
            "timezone": config.triggers.schedule.timezone,
        },
    )
    run, messages = await queue_run(session, workflow, project, request, settings=settings)
    slot.run_id = run.id
    await session.flush()
    return run, messages
