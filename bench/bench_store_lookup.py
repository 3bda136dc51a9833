"""Lookup latency per element store: ``find()`` of a cached step (exact instruction) and of a
near-identical one, against each store on its real medium. Prints one JSON line.

    set -a && source <(scripts/services.sh) && set +a
    uv run python bench/bench_store_lookup.py [--elements 200] [--lookups 1000]

Stores: the SQLite file, the in-memory layer over it (warm: after one lookup per entry,
as in a test session), PostgreSQL (a temporary database), Redis (a temporary prefix) and
the HTTP store against the real api served by uvicorn on a free localhost port (its
platform database a SQLite file).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from backend.app import create_app
from backend.cache.records import CachedElement
from backend.cache.store.base import ElementStore
from backend.cache.store.http import HttpStore
from backend.cache.store.layered import LayeredStore
from backend.cache.store.postgres import DatabaseStore
from backend.cache.store.redis import RedisStore
from backend.cache.store.sqlite import SqliteStore
from backend.cache_api.router import router as cache_router
from backend.config import Settings, normalise_database_url
from backend.db.engine import Database
from backend.db.migrate import upgrade
from backend.runs.tokens import issue_run_token

POSTGRES_ADMIN_URL = os.environ.get(
    "TESTABLE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TESTABLE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PROJECT = "bench"
TARGETS = ["button", "link", "field", "checkbox", "tab", "menu item", "row", "card"]
NAMES = ["login", "checkout", "search", "profile", "cart", "filter", "export", "settings"]


def element(index: int) -> CachedElement:
    name, target = NAMES[index % len(NAMES)], TARGETS[index // len(NAMES) % len(TARGETS)]
    route = f"/page-{index // 20}"
    value: dict[str, Any] = {
        "key": f"k{index:05d}",
        "project": PROJECT,
        "scope": "main",
        "instruction": f"click the {name} {target}",
        "route": route,
        "frame": "",
        "selectors": [
            {"kind": "testid", "value": f'internal:testid=[data-testid="{name}-{index}"s]'},
            {"kind": "role", "value": f'internal:role=button[name="{name}"i]'},
            {"kind": "css", "value": f"#{name}-{index}"},
        ],
        "fingerprint": {
            "tag": "button",
            "role": "button",
            "name": name,
            "text": name.title(),
            "attributes": {"id": f"{name}-{index}", "class": "btn btn-primary"},
            "neighbour_text": "Some nearby heading",
            "parents": [{"tag": "div", "classes": ["toolbar"]}, {"tag": "main"}],
            "bbox": {"x": 10.0, "y": 20.0 * index, "width": 120.0, "height": 32.0},
            "visible": True,
            "enabled": True,
        },
        "context": {"route": route, "title": "Bench"},
        "action": {"method": "click", "argument": None},
        "stats": {
            "uses": 0,
            "successes": 0,
            "failures": 0,
            "last_used_at": None,
            "created_at": "2026-01-01T00:00:00+00:00",
        },
        "version": 1,
        "status": "active",
    }
    return value  # type: ignore[return-value]


async def measure(
    store: ElementStore, elements: list[CachedElement], lookups: int, rng: random.Random
) -> dict[str, Any]:
    for e in elements:
        await store.put(e, change="created", actor="resolver")
    # Warm-up (also fills the in-memory layer, as a session's first lookups do).
    for e in elements:
        await store.find(PROJECT, e["scope"], e["route"], e["frame"], e["instruction"])
    results: dict[str, Any] = {}
    for label, phrase in (("exact", None), ("near_identical", "press")):
        timings: list[float] = []
        for _ in range(lookups):
            e = rng.choice(elements)
            instruction = (
                e["instruction"] if phrase is None else e["instruction"].replace("click", phrase, 1)
            )
            start = time.perf_counter()
            found = await store.find(PROJECT, e["scope"], e["route"], e["frame"], instruction)
            timings.append((time.perf_counter() - start) * 1000)
            if found is None or found["key"] != e["key"]:
                raise SystemExit(f"lookup of {e['key']} ({label}) found {found and found['key']}")
        timings.sort()
        results[label] = {
            "p50_ms": round(statistics.median(timings), 3),
            "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 3),
        }
    return results


async def admin(statement: str) -> None:
    engine = create_async_engine(
        normalise_database_url(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT"
    )
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ApiServer:
    """The real api with the cache router, served by uvicorn in a background thread."""

    def __init__(self, workdir: Path) -> None:
        self.database_url = f"sqlite+aiosqlite:///{workdir / 'platform.db'}"
        upgrade(self.database_url)
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, data_dir=workdir / "data", database_url=self.database_url
        )
        app = create_app(settings)
        if not any(getattr(r, "path", "").startswith("/api/cache/") for r in app.routes):
            app.include_router(cache_router)
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ApiServer:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    async def token(self) -> str:
        database = Database(self.database_url)
        try:
            async with database.session() as session:
                return await issue_run_token(session, PROJECT, None, timedelta(hours=1))
        finally:
            await database.dispose()


async def main(element_count: int, lookups: int, seed: int) -> dict[str, Any]:
    elements = [element(i) for i in range(element_count)]
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)

        async def run(name: str, opener: Callable[[], Awaitable[ElementStore]]) -> None:
            store = await opener()
            try:
                figures[name] = await measure(store, elements, lookups, random.Random(seed))
            finally:
                await store.close()

        await run("sqlite", lambda: SqliteStore.open(workdir / "cache.db"))

        async def layered() -> ElementStore:
            return LayeredStore(await SqliteStore.open(workdir / "layered.db"))

        await run("memory+sqlite", layered)

        name = f"testable_bench_{uuid.uuid4().hex[:8]}"
        await admin(f'CREATE DATABASE "{name}"')
        try:
            url = normalise_database_url(POSTGRES_ADMIN_URL.rpartition("/")[0] + "/" + name)
            await asyncio.to_thread(upgrade, url)

            async def postgres() -> ElementStore:
                return DatabaseStore.open(url)

            await run("postgres", postgres)
        finally:
            await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        redis = RedisStore.open(REDIS_URL, prefix=f"testable-bench-{uuid.uuid4().hex[:8]}")

        async def redis_store() -> ElementStore:
            return redis

        try:
            await run("redis", redis_store)
        finally:
            cleanup = RedisStore.open(REDIS_URL, prefix=redis.prefix)
            await cleanup.delete_prefix()
            await cleanup.close()

        with ApiServer(workdir) as server:
            token = await server.token()

            async def http() -> ElementStore:
                return HttpStore(f"http://127.0.0.1:{server.port}", token)

            await run("http", http)
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--elements", type=int, default=200)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    stores = asyncio.run(main(args.elements, args.lookups, args.seed))
    line = {
        "benchmark": "store_lookup",
        "elements": args.elements,
        "lookups_per_kind": args.lookups,
        "stores": stores,
        # Latencies on a shared machine move with its load; record it next to them.
        "load_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }
    sys.stdout.write(json.dumps(line) + "\n")
