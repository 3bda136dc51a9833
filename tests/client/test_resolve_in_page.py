"""The cache-hit path resolves stored selectors in the page (collect.js "resolve", one
round trip) instead of asking Playwright once per selector. It must agree with Playwright
on every selector collect.js makes, or the cache would act on another element."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from backend.cache.collect import all_identities_expression, page_expression, request

from .conftest import Site
from .test_async import with_async_page

pytestmark = pytest.mark.browser

PAGE = """
<nav class="menu"><ul>
  <li><a href="/">Home</a></li><li><a href="/products">Products</a></li>
  <li><a href="/cart" data-testid="nav-cart">Cart <span>0</span></a></li>
</ul></nav>
<form class="login">
  <label for="email">E-mail</label><input id="email" type="email" placeholder="you@example.com">
  <label>Password <input type="password" name="password"></label>
  <button type="submit" class="btn primary">Log in</button>
  <button type="button" class="btn">Log in</button>
  <select aria-label="Country"><option>France</option><option>Spain</option></select>
  <input type="checkbox" id="terms"><label for="terms">I accept</label>
</form>
<ul class="products">
  <li class="card"><h3>Red hat</h3><button data-test="add-1">Add to cart</button></li>
  <li class="card"><h3>Blue hat</h3><button data-test="add-2">Add to cart</button></li>
</ul>
<p>Need help? <a href="/help">Contact <b>us</b></a></p>
<div role="button" tabindex="0">Custom</div>
<div style="display:none"><button>Log in</button><a href="/products">Products</a></div>
<div aria-hidden="true"><button>Custom</button></div>
<p style="visibility:hidden"><button type="button">Need help?</button></p>
"""


def test_in_page_resolution_agrees_with_playwright_on_every_generated_selector(
    site: Site,
) -> None:
    url = site.serve("resolve-in-page", PAGE)

    async def body(page: Page) -> tuple[int, list[str]]:
        await page.goto(url)
        snapshot = await page.evaluate(page_expression(), request("snapshot"))
        checked = 0
        differences: list[str] = []
        for index in range(len(snapshot["candidates"])):
            made = await page.evaluate(page_expression(), request("selectors", index=index))
            selectors = [s["value"] for s in made["selectors"]]
            in_page = await page.evaluate(
                page_expression(), request("resolve", selectors=selectors)
            )
            for selector, mine in zip(selectors, in_page["matches"], strict=True):
                theirs = await page.locator(selector).evaluate_all(all_identities_expression())
                checked += 1
                if mine is None or sorted(mine) != sorted(theirs):
                    differences.append(f"{selector}: page {mine} vs Playwright {theirs}")
        return checked, differences

    checked, differences = with_async_page(body)
    assert checked > 50
    assert differences == []
