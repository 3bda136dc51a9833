"""The async driver reads the same parts of the page as the sync one (issue #11 point 6):
an open shadow root, a same-origin iframe and a form rendered after ``load``, through
``AsyncAI`` over async Playwright."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page

from backend.cache.store.sqlite import SqliteStore
from backend.client import AsyncAI
from backend.client.engine import EngineConfig

from .conftest import CountingResolver, Site
from .test_async import with_async_page
from .test_page_parts import FRAME_CHILD, LATE, TASK_FORM

pytestmark = pytest.mark.browser


def test_async_client_acts_in_a_shadow_root_an_iframe_and_a_late_form(
    site: Site, tmp_path: Path, resolver: CountingResolver
) -> None:
    shadow = site.serve("async-shadow", TASK_FORM)
    site.serve("frame-child", FRAME_CHILD)
    framed = site.serve("async-frame", '<iframe name="payment" src="/frame-child"></iframe>')
    late = site.serve("async-late", LATE)

    async def body(page: Page) -> list[object]:
        store = await SqliteStore.open(tmp_path / "cache.db")
        config = EngineConfig(project="async-parts", action_timeout_ms=3_000)
        try:
            ai = AsyncAI(page, store=store, resolver=resolver, config=config)
            await page.goto(shadow)
            await ai.act('type "pay rent" into the new task field')
            await ai.act("click the add task button")
            tasks = await page.eval_on_selector_all(
                "#tasks li", "els => els.map(e => e.textContent)"
            )
            await page.goto(framed)
            paid = await ai.act("click the pay now button")
            await page.goto(late)
            await ai.act('type "rent" into the search field')
            await ai.act("click the go button")
            return [
                tasks,
                "enter-frame" in (paid.selector or ""),
                await page.evaluate("window.clicked"),
            ]
        finally:
            await store.close()

    tasks, in_frame, clicked = with_async_page(body)
    assert tasks == ["pay rent"]
    assert in_frame is True
    assert clicked == ["go:rent"]
