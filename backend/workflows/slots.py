"""Schedule slot bookkeeping: the slot a schedule has due, whether it is taken, and
marking the slot due when a schedule is saved as seen. Used by the workflow service
(saving) and the scheduler (claiming), so neither imports the other."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.workflows.config import WorkflowConfig, config_of
from backend.workflows.models import ScheduleSlot, Workflow
from backend.workflows.schedule import latest_due_slot


def due_slot(config: WorkflowConfig, now: datetime) -> datetime | None:
    schedule = config.triggers.schedule
    if schedule is None:
        return None
    return latest_due_slot(schedule.cron, schedule.timezone, now)


async def slot_taken(session: AsyncSession, workflow_id: uuid.UUID, slot_at: datetime) -> bool:
    found = await session.scalar(
        select(ScheduleSlot.id).where(
            ScheduleSlot.workflow_id == workflow_id, ScheduleSlot.slot_at == slot_at
        )
    )
    return found is not None


async def mark_current_slot_seen(session: AsyncSession, workflow: Workflow, now: datetime) -> None:
    """Called when a schedule is saved: the slot due now is not run (it predates the save)."""
    slot_at = due_slot(config_of(workflow), now)
    if slot_at is None or await slot_taken(session, workflow.id, slot_at):
        return
    session.add(ScheduleSlot(id=uuid.uuid4(), workflow_id=workflow.id, slot_at=slot_at))
    await session.flush()
