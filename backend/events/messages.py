"""The one shape of a run event message: on the bus, on WebSockets and in
``GET /api/runs/{id}/events``. Built only by :func:`event_message`."""

from __future__ import annotations

import uuid
from typing import Any, TypedDict

# The run's status changed (``data.status``), and a test finished: the two kinds a project
# channel carries besides each run's own channel.
STATUS_EVENT = "run_status"
TEST_FINISHED_EVENT = "test_finished"


class EventMessage(TypedDict):
    run_id: str
    project_id: str
    seq: int
    type: str
    data: dict[str, Any]
    ts: float


def event_message(
    *,
    run_id: uuid.UUID | str,
    project_id: uuid.UUID | str,
    seq: int,
    type: str,
    data: dict[str, Any],
    ts: float,
) -> EventMessage:
    return EventMessage(
        run_id=str(run_id), project_id=str(project_id), seq=seq, type=type, data=data, ts=ts
    )
