"""Fixtures for the element stores: every store on its real medium (a SQLite file, the
in-memory layer over one, PostgreSQL, Redis, the api over HTTP with a run token)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import backend.cache.models  # noqa: F401 - registers the cache tables (until backend/models.py does)
from backend.app import create_app
from backend.cache.records import CachedElement
from backend.cache.store.base import ElementStore
from backend.cache.store.http import HttpStore
from backend.cache.store.layered import LayeredStore
from backend.cache.store.postgres import DatabaseStore
from backend.cache.store.redis import RedisStore
from backend.cache.store.sqlite import SqliteStore
from backend.cache_api.router import router as cache_router
from backend.config import Settings
from backend.runs.tokens import issue_run_token

REDIS_URL = os.environ.get("TESTABLE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
STORE_KINDS = ["sqlite", "layered", "postgres", "redis", "http"]


def make_element(
    project: str,
    key: str = "login-button",
    *,
    instruction: str = "click the login button",
    route: str = "/login",
    scope: str = "main",
    frame: str = "",
    element_id: str = "login",
    method: str = "click",
    argument: str | None = None,
    attributes: dict[str, str] | None = None,
    text: str = "Log in",
) -> CachedElement:
    attrs = {"id": element_id, "type": "submit", "class": "btn primary"}
    attrs.update(attributes or {})
    element: dict[str, Any] = {
        "key": key,
        "project": project,
        "scope": scope,
        "instruction": instruction,
        "route": route,
        "frame": frame,
        "selectors": [
            {"kind": "css", "value": f"#{element_id}"},
            {"kind": "role", "value": f'internal:role=button[name="{text}"i]'},
            {"kind": "testid", "value": f'internal:testid=[data-testid="{element_id}"s]'},
        ],
        "fingerprint": {
            "tag": "button",
            "role": "button",
            "name": text,
            "text": text,
            "attributes": attrs,
            "visible": True,
            "enabled": True,
            "index": 7,
        },
        "context": {"url": f"http://shop.test{route}", "route": route, "title": "Shop"},
        "action": {"method": method, "argument": argument},
        "stats": {
            "uses": 99,  # the store owns statistics: these must be ignored
            "successes": 1,
            "failures": 98,
            "last_used_at": None,
            "created_at": "2026-01-01T00:00:00+00:00",
        },
        "version": 42,  # the store owns versions too
        "status": "active",
    }
    return element  # type: ignore[return-value]


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:10]}"


@dataclass
class StoreUnderTest:
    """One store kind; ``for_project`` gives the store a test process of that project uses
    (for HTTP: a store holding a run token of that project)."""

    kind: str
    shared: ElementStore | None = None
    http_app: FastAPI | None = None
    opened: list[ElementStore] = field(default_factory=list)

    async def for_project(self, project: str) -> ElementStore:
        if self.shared is not None:
            return self.shared
        assert self.http_app is not None
        token = await issue_token(self.http_app, project)
        store = HttpStore("http://testserver", token, transport=httpx.ASGITransport(self.http_app))
        self.opened.append(store)
        return store

    async def close(self) -> None:
        for store in self.opened:
            await store.close()
        if self.shared is not None:
            await self.shared.close()


async def issue_token(
    app: FastAPI, project: str, *, ttl: timedelta = timedelta(hours=1), run_id: str | None = None
) -> str:
    async with app.state.db.session() as session:
        return await issue_run_token(session, project, run_id, ttl)


def include_cache_router(app: FastAPI) -> FastAPI:
    # create_app registers the router once backend/app.py lists it; until then, add it here.
    if not any(getattr(r, "path", "").startswith("/api/cache/") for r in app.routes):
        app.include_router(cache_router)
    return app


@pytest.fixture(scope="session")
def cache_keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One keys directory for the session: generating an RSA key per test is slow."""
    return tmp_path_factory.mktemp("cache-keys")


@pytest.fixture
def cache_settings(tmp_path: Path, sqlite_template: Path, cache_keys_dir: Path) -> Settings:
    path = tmp_path / "platform.db"
    shutil.copyfile(sqlite_template, path)
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path / "data",
        database_url=f"sqlite+aiosqlite:///{path}",
        redis_url=REDIS_URL,
        keys_dir=cache_keys_dir,
    )


@pytest.fixture
async def cache_app(cache_settings: Settings) -> AsyncIterator[FastAPI]:
    """The real api (on a migrated SQLite platform database) with the cache router."""
    app = include_cache_router(create_app(cache_settings))
    yield app
    await app.state.db.dispose()


@pytest.fixture(params=STORE_KINDS)
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StoreUnderTest]:
    kind: str = request.param
    if kind == "sqlite":
        subject = StoreUnderTest(kind, shared=await SqliteStore.open(tmp_path / "cache.db"))
    elif kind == "layered":
        backing = await SqliteStore.open(tmp_path / "cache.db")
        subject = StoreUnderTest(kind, shared=LayeredStore(backing))
    elif kind == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        subject = StoreUnderTest(kind, shared=DatabaseStore.open(url))
    elif kind == "redis":
        redis = RedisStore.open(REDIS_URL, prefix=unique("testable-test"))
        subject = StoreUnderTest(kind, shared=redis)
    else:
        settings: Settings = request.getfixturevalue("cache_settings")
        subject = StoreUnderTest(kind, http_app=include_cache_router(create_app(settings)))
    yield subject
    if kind == "redis":
        await redis.delete_prefix()  # a unique prefix per test: remove what it wrote
    await subject.close()
    if subject.http_app is not None:
        await subject.http_app.state.db.dispose()
