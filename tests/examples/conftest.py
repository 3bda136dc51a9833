"""Fixtures for the demo shop's platform tests: both variants served on free ports, and
a real headless Chromium (async Playwright, so it runs beside pytest-asyncio's loop)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator

import pytest
from playwright.async_api import Browser, Page, async_playwright

from examples.demo_app import RunningDemo, Variant, running_demo_app

# Issue #11's "done when" (tests/examples/test_apps_plain_language.py: every dev app's spec
# in every phrasing, cold, warm and on the redesign) runs by default: the late-built board's
# warm-path timing is settled (the warm path waits while the page keeps changing); it passed
# 3 times in a row at -n 2 in 2m49s-2m53s under the shared load (3 Dec 2026, 16:30-16:38).

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def original_demo() -> Iterator[RunningDemo]:
    with running_demo_app(Variant.ORIGINAL) as demo:
        yield demo


@pytest.fixture(scope="session")
def changed_demo() -> Iterator[RunningDemo]:
    with running_demo_app(Variant.CHANGED) as demo:
        yield demo


@pytest.fixture(params=[Variant.ORIGINAL, Variant.CHANGED], ids=["original", "changed"])
def any_demo(request: pytest.FixtureRequest) -> RunningDemo:
    """Each test that takes this runs once per variant."""
    name = "original_demo" if request.param is Variant.ORIGINAL else "changed_demo"
    demo: RunningDemo = request.getfixturevalue(name)
    return demo


@pytest.fixture
def fresh_changed_demo() -> Iterator[RunningDemo]:
    """A changed-variant app of its own, for tests that change the server's counters."""
    with running_demo_app(Variant.CHANGED) as demo:
        yield demo


@pytest.fixture(scope="session")
async def demo_browser() -> AsyncIterator[Browser]:
    executable = shutil.which("chromium")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        await chromium.close()


@pytest.fixture
async def demo_page(demo_browser: Browser) -> AsyncIterator[Page]:
    context = await demo_browser.new_context()
    new_page = await context.new_page()
    new_page.set_default_timeout(10_000)
    yield new_page
    await context.close()
