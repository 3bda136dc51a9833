"""Handlers other domains register for GitHub webhook events that ``github`` does not act
on itself (e.g. ``issues`` for defects), so ``github`` never imports those domains.

Like the run hooks (``backend/runs/hooks.py``), whoever processes deliveries in a process
registers them: ``create_app`` (embedded mode processes deliveries in the api process)
and the Celery worker (``workers/tasks.py``). A delivery of an event nobody registered is
stored as ignored, with the reason.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings


@dataclass(frozen=True)
class Handled:
    """What a handler did: ``processed`` (something changed) or not (ignored), and why."""

    processed: bool
    reason: str


# ``handler(session, payload, settings)``: never commits (the delivery's transaction does).
EventHandler = Callable[[AsyncSession, dict[str, Any], Settings], Awaitable[Handled]]

_handlers: dict[str, EventHandler] = {}


def register_event_handler(event: str, handler: EventHandler) -> None:
    """Idempotent for the same handler; one handler per event name."""
    current = _handlers.get(event)
    if current is not None and current is not handler:
        raise ValueError(f"another handler is registered for GitHub {event!r} events")
    _handlers[event] = handler


def handler_for(event: str) -> EventHandler | None:
    return _handlers.get(event)


def registered_events() -> frozenset[str]:
    return frozenset(_handlers)
