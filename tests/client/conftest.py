"""Fixtures for the client tests: a local web server with pages the test writes, a real
SQLite element store per test, and the real local resolver wrapped to count its calls."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from backend.ai.base import Resolution, ResolveRequest
from backend.ai.local import LocalResolver
from backend.cache.store.base import ElementStore
from backend.client.api import AI
from backend.client.drivers import LoopThread
from backend.client.engine import EngineConfig

pytestmark = pytest.mark.browser


@dataclass
class Site:
    """Pages served at http://127.0.0.1:<port>/<path>; tests change them between runs."""

    base: str
    pages: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def serve(self, path: str, body: str) -> str:
        self.pages["/" + path.lstrip("/")] = page_html(body)
        return self.url(path)


def page_html(body: str) -> str:
    return (
        "<!doctype html><html><head><title>Test page</title></head><body>"
        "<script>window.clicked = [];</script>" + body + "</body></html>"
    )


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path.split("?")[0])
            if body is None:
                self.send_response(404)
                self.end_headers()
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Site(base=f"http://127.0.0.1:{server.server_address[1]}", pages=pages)
    server.shutdown()


class CountingResolver:
    """The real local resolver, counting how often the engine asks it."""

    name = "local"

    def __init__(self) -> None:
        self.inner = LocalResolver()
        self.calls: list[ResolveRequest] = []

    async def resolve(self, request: ResolveRequest, page: Any = None) -> Resolution:
        self.calls.append(request)
        return await self.inner.resolve(request, page)


@pytest.fixture
def resolver() -> CountingResolver:
    return CountingResolver()


@pytest.fixture(scope="session")
def store_loop() -> Iterator[LoopThread]:
    loop = LoopThread("test-store")
    yield loop
    loop.close()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "cache.db"


@pytest.fixture
def store(store_loop: LoopThread, store_path: Path) -> Iterator[ElementStore]:
    """A real SQLite store (no memory layer: each client sees what the last one wrote)."""
    from backend.cache.store.sqlite import SqliteStore

    opened: ElementStore = store_loop.run(SqliteStore.open(store_path))
    yield opened
    store_loop.run(opened.close())


@pytest.fixture
def config() -> EngineConfig:
    return EngineConfig(project="client-tests", scope="main", action_timeout_ms=3_000)


@pytest.fixture
def make_ai(
    page: Any,
    store: ElementStore,
    resolver: CountingResolver,
    config: EngineConfig,
    store_loop: LoopThread,
) -> Any:
    def make(**overrides: Any) -> AI:
        return AI(
            overrides.get("page", page),
            store=store,
            resolver=resolver,
            config=overrides.get("config", config),
            loop=store_loop,
        )

    return make
