"""A locked SQLite database gives a retryable 503, never a 500."""

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from backend.app import create_app
from backend.config import Settings
from backend.db.deps import SessionDep


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"sqlite_busy_timeout_ms": 100}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_write_while_database_locked_answers_503_with_retry_after(
    settings: Settings,
) -> None:
    app: FastAPI = create_app(settings)

    @app.post("/api/_probe")
    async def probe(session: SessionDep) -> dict[str, int]:
        return {"one": (await session.execute(text("SELECT 1"))).scalar_one()}

    path = Path(settings.resolved_database_url.split("///", 1)[1])
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.post("/api/_probe")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        await app.state.db.dispose()
    assert response.status_code == 503
    assert response.json()["error"] == "database_busy"
    assert response.headers["retry-after"] == "1"
