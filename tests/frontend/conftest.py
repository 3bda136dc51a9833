"""The dashboard end to end: the real api on uvicorn (embedded mode, SQLite, in-process
worker, in-memory event bus) serving the built ``frontend/out``, driven by headless
Chromium through Playwright's async API."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, async_playwright, expect

from backend.app import DASHBOARD_DIR
from backend.client.browser import launch_options
from backend.config import Settings
from backend.execution.environment import prepare_environment
from tests.runs.servers import free_port, live_api


@pytest.fixture(scope="session")
def shared_env_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One environment cache for every run of the session (the base env is built once)."""
    cache = tmp_path_factory.mktemp("dashboard-run-envs")
    prepare_environment(tmp_path_factory.mktemp("empty-repo"), cache_dir=cache)
    return cache


@pytest.fixture
def api_port() -> int:
    return free_port()


@pytest.fixture
def settings_overrides(shared_env_cache: Path, api_port: int) -> dict[str, Any]:
    base = f"http://127.0.0.1:{api_port}"
    return {
        "dispatcher": "inprocess",
        "event_bus": "memory",
        "env_cache_dir": shared_env_cache,
        "ws_heartbeat_seconds": 0.5,
        "public_url": base,  # links in e-mails and the run api URL of test processes
        "run_api_url": base,
    }


@pytest.fixture
def dashboard(settings: Settings, api_port: int) -> Iterator[str]:
    """The api serving the built dashboard; its base URL."""
    if not (DASHBOARD_DIR / "index.html").exists():
        pytest.fail(f"the dashboard is not built ({DASHBOARD_DIR}): run `make frontend` first")
    with live_api(settings, port=api_port) as base_url:
        yield base_url


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options())
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture(autouse=True)
def patient_expect() -> Iterator[None]:
    """`make test` runs two test processes on a shared 2-core machine: give each page
    change more than Playwright's default 5 s, for these tests only."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)  # Playwright's default, for other modules' tests


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """Screenshots of the main pages, kept after the tests as artifacts (path printed)."""
    root = Path(os.environ.get("TESTABLE_TEST_ARTIFACTS", tempfile.gettempdir()))
    folder = root / "testable-dashboard-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\ndashboard screenshots: {folder}")
    return folder
