"""The synthetic history generator, small: its runs and results land in the tables and
the rollups answer the api like a real history (SQLite and PostgreSQL)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from backend.analytics.synthetic import generate
from backend.config import Settings
from backend.runs.models import Run, RunTest


async def test_synthetic_history(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    project_id = await generate(
        settings.resolved_database_url,
        runs=60,
        tests=100,
        per_run=20,
        days=10,
        seed=3,
        password="bench-Password-16",
    )
    async with app.state.db.session(read_only=True) as session:
        runs = await session.scalar(select(func.count()).select_from(Run))
        results = await session.scalar(select(func.count()).select_from(RunTest))
    assert (runs, results) == (60, 1200)

    login = await client.post(
        "/api/auth/login", json={"email": "bench@example.com", "password": "bench-Password-16"}
    )
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    base = f"/api/projects/{project_id}/analytics"
    tests = (await client.get(f"{base}/tests", params={"limit": 500}, headers=headers)).json()
    assert tests["total"] == 100
    # Every result but the skipped ones counts (skips are ~1 %).
    assert 1100 < sum(t["results"] for t in tests["items"]) <= 1200
    assert all(t["p50_ms"] is not None for t in tests["items"] if t["results"])
    trends = (await client.get(f"{base}/trends", headers=headers)).json()
    assert sum(p["results"] for p in trends["points"]) == sum(t["results"] for t in tests["items"])
    clusters = (await client.get(f"{base}/clusters", headers=headers)).json()
    assert clusters["total"] >= 1
