"""The plugin's fixtures (registered by ``plugin.pytest_configure``, after pytest-playwright,
so ``browser_type_launch_args`` here overrides pytest-playwright's).

``ai``: the sync client over pytest-playwright's ``page``. ``async_ai``: the async client
on its own async Playwright browser (pytest-playwright-asyncio cannot be installed next to
pytest-playwright), launched with the same options; it needs pytest-asyncio (auto mode,
or mark the test ``@pytest.mark.asyncio``).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

from backend.client.events import send
from backend.client.session import REPORTS, TestAbleSession

if TYPE_CHECKING:
    from backend.cache.store.base import ElementStore
    from backend.client.api import AI, AsyncAI
    from backend.client.drivers import LoopThread


def _session(config: pytest.Config) -> TestAbleSession:
    session = config.pluginmanager.get_plugin(TestAbleSession.NAME)
    assert isinstance(session, TestAbleSession)
    session.ensure_started()
    return session


@pytest.fixture(scope="session")
def browser_type_launch_args(pytestconfig: pytest.Config) -> dict[str, Any]:
    """pytest-playwright's launch options plus the system Chromium and its flags."""
    from backend.client.browser import launch_options

    base: dict[str, Any] = {"headless": not pytestconfig.getoption("--headed", False)}
    channel = pytestconfig.getoption("--browser-channel", None)
    if channel:
        base["channel"] = channel
    slowmo = pytestconfig.getoption("--slowmo", 0)
    if slowmo:
        base["slow_mo"] = slowmo
    return launch_options(base)


@pytest.fixture
def ai(page: Any, request: pytest.FixtureRequest) -> Iterator[AI]:
    """The sync TestAble client over pytest-playwright's ``page``."""
    from backend.client.api import AI

    session = _session(request.config)
    assert session.loop is not None
    assert session.engine_config is not None
    nodeid = request.node.nodeid
    tracing = _start_tracing(page.context, request)
    client = AI(
        page,
        store=session.store,
        resolver=session.resolver,
        config=session.engine_config,
        loop=session.loop,
        on_step=lambda result: session.record(nodeid, result),
    )
    yield client
    failed = _failed(request)
    folder = _artifact_folder(request) if failed else None
    if folder is not None:
        # A closed page must not hide the real failure.
        with contextlib.suppress(Exception):
            page.screenshot(path=str(folder / "failure.png"), full_page=True)
            send("screenshot", nodeid=nodeid, path=str(folder / "failure.png"))
    if tracing:
        with contextlib.suppress(Exception):
            page.context.tracing.stop(path=str(folder / "trace.zip") if folder else None)


@pytest.fixture
async def async_ai(
    request: pytest.FixtureRequest, browser_type_launch_args: dict[str, Any]
) -> AsyncIterator[AsyncAI]:
    """The async TestAble client on its own async Playwright browser."""
    from playwright.async_api import async_playwright

    from backend.client.api import AsyncAI

    session = _session(request.config)
    assert session.loop is not None
    assert session.engine_config is not None
    nodeid = request.node.nodeid
    store = (
        cast("ElementStore", SessionStore(session.store, session.loop))
        if session.store is not None
        else None
    )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**browser_type_launch_args)
        context = await browser.new_context()
        await context.tracing.start(screenshots=True, snapshots=True)
        page = await context.new_page()
        client = AsyncAI(
            page,
            store=store,
            resolver=session.resolver,
            config=session.engine_config,
            on_step=lambda result: session.record(nodeid, result),
        )
        try:
            yield client
        finally:
            failed = _failed(request)
            folder = _artifact_folder(request) if failed else None
            if folder is not None:
                with contextlib.suppress(Exception):
                    await page.screenshot(path=str(folder / "failure.png"), full_page=True)
                    send("screenshot", nodeid=nodeid, path=str(folder / "failure.png"))
            await context.tracing.stop(path=str(folder / "trace.zip") if folder else None)
            await context.close()
            await browser.close()


class SessionStore:
    """The session's store (it lives on the private loop) made usable from any event loop,
    e.g. an async test's: each call is sent to the store's own loop and awaited here."""

    def __init__(self, store: ElementStore, loop: LoopThread) -> None:
        self._store = store
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            future = asyncio.run_coroutine_threadsafe(method(*args, **kwargs), self._loop.loop)
            return await asyncio.wrap_future(future)

        return call


def _failed(request: pytest.FixtureRequest) -> bool:
    reports = request.node.stash.get(REPORTS, {})
    return any(r.failed for r in reports.values())


def _artifact_folder(request: pytest.FixtureRequest) -> Path:
    root = (
        request.config.getoption("--testable-artifacts")
        or _session(request.config).artifacts_root
        or request.config.getoption("--output", "test-results")
    )
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.nodeid).strip("-")[:120]
    folder = Path(str(root)) / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _start_tracing(context: Any, request: pytest.FixtureRequest) -> bool:
    # pytest-playwright traces by itself with --tracing on / retain-on-failure.
    if request.config.getoption("--tracing", "off") != "off":
        return False
    context.tracing.start(screenshots=True, snapshots=True)
    return True
