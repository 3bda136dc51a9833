"""Shared fixtures: real databases (a SQLite file and a PostgreSQL server), the real app.

API tests take ``client`` and run once per database: ``[sqlite]`` and ``[postgres]``.
PostgreSQL comes from ``TESTABLE_TEST_POSTGRES_URL`` (``make test`` starts or reuses a
server and sets it). A missing server is an error, never a skip.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from backend.app import create_app
from backend.config import Settings, normalise_database_url
from backend.db.migrate import upgrade
from backend.models import Base

POSTGRES_ADMIN_URL = os.environ.get(
    "TESTABLE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
T = TypeVar("T")
REDIS_URL = os.environ.get("TESTABLE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def _admin_execute(statement: str) -> None:
    engine = create_async_engine(
        normalise_database_url(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT"
    )
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for every test (migrating once is much faster)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


def run_blocking(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even when a loop is already running."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test process (one per xdist worker)."""
    name = f"testable_test_{uuid.uuid4().hex[:12]}"
    run_blocking(_admin_execute(f'CREATE DATABASE "{name}"'))
    url = normalise_database_url(_with_database(POSTGRES_ADMIN_URL, name))
    try:
        upgrade(url)
        yield url
    finally:
        run_blocking(_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _truncate_all(url: str) -> None:
    engine = create_async_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    try:
        for attempt in range(5):
            try:
                async with engine.begin() as conn:
                    if names:
                        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                return
            except DBAPIError as exc:
                # A run's last writes (finish hooks, token revocation) may still be landing
                # when its test ends; PostgreSQL then picks one side of the deadlock to abort.
                # When that is the truncation, it is retried.
                if "deadlock detected" not in str(exc) or attempt == 4:
                    raise
                await asyncio.sleep(0.2 * (attempt + 1))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def shared_env_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One environment cache for every run of the session, whichever folder the test is in
    (the base environment is built once per test process, not once per folder)."""
    # Imported here: most test processes never build an environment.
    from backend.execution.environment import prepare_environment

    cache = tmp_path_factory.mktemp("run-envs")
    prepare_environment(tmp_path_factory.mktemp("empty-repo"), cache_dir=cache)
    return cache


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "testable.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
    else:
        url: str = request.getfixturevalue("postgres_url")
        yield url
        run_blocking(_truncate_all(url))


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change settings for its tests."""
    return {}


@pytest.fixture
def settings(tmp_path: Path, database_url: str, settings_overrides: dict[str, Any]) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "bcrypt_rounds": 4,  # the default (12) is asserted in its own test; 4 keeps tests fast
        "redis_url": REDIS_URL,
    }
    values.update(settings_overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    yield application
    await application.state.db.dispose()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def _uses_sync_playwright(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    for name in ("page", "ai", "context", "browser", "playwright"):
        definitions = info.name2fixturedefs.get(name)
        if definitions and definitions[-1].func.__module__.startswith(
            ("pytest_playwright", "backend.client")
        ):
            return not _is_async_fixture(definitions[-1].func)
    return False


def _is_async_fixture(func: Any) -> bool:
    import inspect

    return inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Playwright's sync API leaves its event loop marked as running in the main thread
    # between calls, so no asyncio test can run in the same process after it. `make test`
    # runs these tests in a pytest process of their own (-m sync_browser).
    for item in items:
        if _uses_sync_playwright(item):
            item.add_marker(pytest.mark.sync_browser)
