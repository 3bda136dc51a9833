"""The async client over async Playwright: the same engine as the sync one.

Each test runs its coroutine on a fresh event loop in a worker thread: pytest-playwright's
session-wide sync Playwright keeps a loop on the main thread, and an asyncio loop cannot
run there while it lives (the same reason the plugin's ``async_ai`` launches its own
browser)."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.async_api import Page, async_playwright

from backend.cache.store.sqlite import SqliteStore
from backend.client import AsyncAI, TestAbleStepError
from backend.client.browser import launch_options
from backend.client.engine import EngineConfig

from .conftest import CountingResolver, Site

pytestmark = pytest.mark.browser
T = TypeVar("T")

PAGE = """
<label for="user">User name</label><input id="user">
<button id="go" onclick="window.clicked.push('go')">Continue</button>
<p id="greeting">Hello Ann</p>
"""


def with_async_page(body: Callable[[Page], Awaitable[T]]) -> T:
    async def main() -> T:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(**launch_options())
            try:
                return await body(await browser.new_page())
            finally:
                await browser.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result(timeout=120)


def test_async_client_cold_then_warm(
    site: Site, tmp_path: Path, resolver: CountingResolver
) -> None:
    url = site.serve("async", PAGE)

    async def body(page: Page) -> list[str]:
        store = await SqliteStore.open(tmp_path / "cache.db")
        try:
            await page.goto(url)
            ai = AsyncAI(page, store=store, resolver=resolver, config=EngineConfig(project="a"))
            await ai.act("fill %user% into the user name field", variables={"user": "ann"})
            await ai.act("click the continue button")
            assert await page.input_value("#user") == "ann"
            await page.goto(url)
            await ai.act("click the continue button")
            assert await page.evaluate("window.clicked") == ["go"]
            return [s.decision for s in ai.steps]
        finally:
            await store.close()

    assert with_async_page(body) == ["resolver", "resolver", "cache_hit"]
    assert len(resolver.calls) == 2


def test_async_goto_extract_and_failure(site: Site, resolver: CountingResolver) -> None:
    url = site.serve("async-extract", PAGE)

    async def body(page: Page) -> Any:
        ai = AsyncAI(page, resolver=resolver, config=EngineConfig(project="a", use_cache=False))
        assert (await ai.goto(url)).decision == "navigated"
        with pytest.raises(TestAbleStepError):
            await ai.act("click the delete account button")
        return await ai.extract(
            "the greeting",
            {"type": "object", "properties": {"greeting": {"type": "string"}}},
        )

    assert with_async_page(body) == {"greeting": "Hello Ann"}


NAV = """
<nav class="menu"><ul>
  <li><a href="/home">Home</a></li>
  {items}
</ul></nav>
<p>Welcome to the shop</p>
"""
PRODUCTS = '<li><a href="/products">{}</a></li>'
ORDERS = '<li><a href="/orders">Orders</a></li>'


def test_observe_answers_a_reworded_link_from_the_cache_without_the_resolver(
    site: Site, tmp_path: Path, resolver: CountingResolver
) -> None:
    """'Products' became 'All products': while its place still matches, observe() takes
    the verified band (70-89); once it also moved, healing finds it (the same rules as
    act()). The resolver is asked once, on the cold run."""
    url = site.serve("observe-heal", NAV.format(items=PRODUCTS.format("Products") + ORDERS))

    async def body(page: Page) -> tuple[list[str], list[str | None]]:
        store = await SqliteStore.open(tmp_path / "cache.db")
        texts: list[str | None] = []
        try:
            ai = AsyncAI(page, store=store, resolver=resolver, config=EngineConfig(project="a"))
            for items in (
                PRODUCTS.format("Products") + ORDERS,
                PRODUCTS.format("All products") + ORDERS,
                ORDERS + PRODUCTS.format("All products"),
            ):
                site.serve("observe-heal", NAV.format(items=items))
                await page.goto(url)
                found = await ai.observe("the products link")
                texts.append(await page.locator(found[0].selector).text_content())
            return [s.decision for s in ai.steps], texts
        finally:
            await store.close()

    decisions, texts = with_async_page(body)
    assert decisions == ["resolver", "cache_hit_verified", "healed"]
    assert texts == ["Products", "All products", "All products"]
    assert len(resolver.calls) == 1
