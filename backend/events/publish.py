"""Publishing stored run events on the bus: each on its run's channel, status changes and
finished tests also on the project's. Called by the outbox after the commit that stored
them (``backend.outbox``), never before."""

from __future__ import annotations

from collections.abc import Iterable

from backend.events.bus import EventBus, project_channel, run_channel
from backend.events.messages import STATUS_EVENT, TEST_FINISHED_EVENT, EventMessage

_PROJECT_EVENTS = frozenset({STATUS_EVENT, TEST_FINISHED_EVENT})


async def publish(bus: EventBus, messages: Iterable[EventMessage]) -> None:
    for message in messages:
        await bus.publish(run_channel(message["run_id"]), dict(message))
        if message["type"] in _PROJECT_EVENTS:
            await bus.publish(project_channel(message["project_id"]), dict(message))
