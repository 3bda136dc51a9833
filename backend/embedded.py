"""``testable up``: the api app plus the schedule tick, in the same process and event loop
(embedded mode has no Celery beat)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from backend.app import create_app
from backend.config import Settings


def create_embedded_app(settings: Settings | None = None) -> FastAPI:
    app = create_app(settings)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[Any]:
        from backend.workflows.tasks import tick_forever

        async with inner(application) as state:
            # Stopped before the inner lifespan closes the database it uses.
            ticker = asyncio.create_task(
                tick_forever(application.state.settings, application.state.db),
                name="schedule-tick",
            )
            try:
                yield state
            finally:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker

    app.router.lifespan_context = lifespan
    return app
