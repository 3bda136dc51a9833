"""What a job is, and the handlers embedded mode runs for each job name.

A job is a name plus JSON arguments, exactly what Celery sends: in distributed mode the
name is a Celery task (``workers/``, ``backend/*/tasks.py``); in embedded mode it is a
coroutine registered here with :func:`handler`, by the domain module that also builds
the job (so whoever can build a job has registered its handler).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from backend.config import Settings

Handler = Callable[..., Awaitable[object]]
H = TypeVar("H", bound=Handler)

_handlers: dict[str, Handler] = {}


@dataclass(frozen=True)
class Job:
    """One unit of background work.

    ``group`` marks a run: embedded mode caps how many run at once and takes turns between
    groups (organisations) for the free slots. ``serial`` orders jobs: one with the same
    ``serial`` as an earlier one starts after it ended. ``key`` is what ``wait`` finds it
    by (tests, the CLI)."""

    name: str
    args: tuple[str | None, ...] = ()
    task_id: str | None = None
    soft_time_limit: int | None = None
    time_limit: int | None = None
    group: str | None = None
    serial: str | None = None
    key: str | None = None


def handler(name: str) -> Callable[[H], H]:
    """Register the coroutine ``fn(settings, *job.args)`` embedded mode runs for ``name``
    (the function keeps its own signature, so a Celery task can call it too)."""

    def register(fn: H) -> H:
        _handlers[name] = fn
        return fn

    return register


def handler_for(name: str) -> Handler:
    try:
        return _handlers[name]
    except KeyError:
        raise LookupError(f"no embedded handler is registered for job {name!r}") from None


async def run_embedded(job: Job, settings: Settings) -> None:
    await handler_for(job.name)(settings, *job.args)
