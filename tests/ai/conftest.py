"""Fixtures of the resolver tests: a fake model server for the real OpenAI/Anthropic SDKs,
and a real headless Chromium that Stagehand can attach to (remote debugging port,
extensions allowed)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from playwright.async_api import Browser, Page, async_playwright

from backend.ai.stagehand import stagehand_launch_options
from tests.ai.fake_openai import FakeModelServer, free_port

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
def model_server_session() -> Iterator[FakeModelServer]:
    server = FakeModelServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def model_server(model_server_session: FakeModelServer) -> FakeModelServer:
    model_server_session.reset()
    return model_server_session


@dataclass
class Chromium:
    browser: Browser
    cdp_url: str


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Chromium]:
    port = free_port()
    options = stagehand_launch_options(port)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=[*CHROMIUM_ARGS, *options["args"]],
            ignore_default_args=options["ignore_default_args"],
        )
        try:
            yield Chromium(browser=browser, cdp_url=f"http://127.0.0.1:{port}")
        finally:
            await browser.close()


@pytest.fixture
async def page(chromium: Chromium) -> AsyncIterator[Page]:
    context = await chromium.browser.new_context()
    try:
        yield await context.new_page()
    finally:
        await context.close()
