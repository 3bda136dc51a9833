"""How fast the GitHub webhook receiver answers (GitHub gives up after 10 s; we aim for
well under one second), on the real api over HTTP (uvicorn) with a real database.
Prints one JSON line:

* ``answer_ms`` — a signed ``push`` delivery (the real octokit payload, ~9 KB, a fresh
  ``X-GitHub-Delivery`` each time) sent -> its 202 received: p50 / p95 / max;
* ``duplicate_ms`` — the same for a delivery already stored (200 ``duplicate``);
* ``received_to_processed_ms`` — stored -> processed by the in-process worker (a
  connected repository without workflows: matching only, no run), p50 / p95.

    set -a && source .services.env && set +a
    uv run python bench/bench_webhooks.py                       # SQLite file
    uv run python bench/bench_webhooks.py --database postgres   # TESTABLE_TEST_POSTGRES_URL
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from backend.config import Settings, normalise_database_url
from backend.db import Database
from backend.db.migrate import upgrade
from backend.github.models import WebhookDelivery
from backend.github.tasks import wait_for_deliveries
from backend.orgs.models import Organization
from backend.projects.models import Project
from backend.repositories.models import Repository
from tests.github.webhook_helpers import HELLO_WORLD, HELLO_WORLD_ID, SECRET, load, signed_headers
from tests.runs.servers import live_api

POSTGRES_ADMIN_URL = os.environ.get(
    "TESTABLE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2),
        "max": round(ordered[-1], 2),
    }


async def _admin(statement: str) -> None:
    engine = create_async_engine(
        normalise_database_url(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT"
    )
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def _seed(url: str) -> None:
    """A connected Hello-World repository without workflows."""
    database = Database(url)
    try:
        async with database.session() as session:
            org = Organization(id=uuid.uuid4(), name="Bench", slug=f"bench-{uuid.uuid4().hex[:6]}")
            session.add(org)
            await session.flush()
            project = Project(id=uuid.uuid4(), org_id=org.id, name="shop", repository="/nowhere")
            session.add(project)
            await session.flush()
            session.add(
                Repository(
                    id=uuid.uuid4(),
                    org_id=org.id,
                    project_id=project.id,
                    provider="github",
                    full_name=HELLO_WORLD,
                    clone_url=f"https://github.com/{HELLO_WORLD}.git",
                    github_repo_id=HELLO_WORLD_ID,
                    protected_branches=[],
                )
            )
    finally:
        await database.dispose()


async def _processing_times(url: str) -> list[float]:
    database = Database(url)
    try:
        async with database.session(read_only=True) as session:
            rows = await session.scalars(
                select(WebhookDelivery).where(WebhookDelivery.processed_at.is_not(None))
            )
            return [
                (d.processed_at - d.received_at).total_seconds() * 1000
                for d in rows
                if d.processed_at is not None and d.event == "push"
            ]
    finally:
        await database.dispose()


async def _bench(base_url: str, deliveries: int) -> dict[str, Any]:
    body = json.dumps(load("push.with-new-branch")).encode()
    answers: list[float] = []
    duplicates: list[float] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        for _ in range(deliveries):
            headers = signed_headers(body, "push")
            started = time.perf_counter()
            response = await client.post("/api/webhooks/github", content=body, headers=headers)
            answers.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 202, response.text
            started = time.perf_counter()
            again = await client.post("/api/webhooks/github", content=body, headers=headers)
            duplicates.append((time.perf_counter() - started) * 1000)
            assert again.status_code == 200, again.text
    return {"answer_ms": _percentiles(answers), "duplicate_ms": _percentiles(duplicates)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--deliveries", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        name = f"testable_bench_{uuid.uuid4().hex[:8]}"
        if args.database == "postgres":
            asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
            base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
            url = normalise_database_url(f"{base}/{name}")
        else:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        try:
            upgrade(url)
            asyncio.run(_seed(url))
            settings = Settings(
                _env_file=None,
                data_dir=Path(tmp) / "data",
                database_url=url,
                github_webhook_secret=SECRET,
                dispatcher="inprocess",
                event_bus="memory",
            )
            with live_api(settings) as base_url:
                result = asyncio.run(_bench(base_url, args.deliveries))
                wait_for_deliveries(timeout=120)
            processing = asyncio.run(_processing_times(url))
        finally:
            if args.database == "postgres":
                asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(
        json.dumps(
            {
                "bench": "webhooks",
                "database": args.database,
                "deliveries": args.deliveries,
                **result,
                "received_to_processed_ms": _percentiles(processing),
                "loadavg_1m": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
