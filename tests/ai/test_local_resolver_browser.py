"""The offline resolver on candidates collected from real pages in headless Chromium."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from backend.ai.local import LocalResolver
from tests.ai.helpers import collect, request

pytestmark = pytest.mark.browser

LOGIN_PAGE = """
<form>
  <label for="user">E-mail address</label><input id="user" type="email">
  <label for="pw">Password</label><input id="pw" type="password">
  <input type="checkbox" id="remember"><label for="remember">Keep me signed in</label>
  <button type="submit" data-testid="login-submit">Sign in</button>
  <a href="/register">Sign up</a>
</form>
"""

SHOP_PAGE = """
<header><a href="/">Home</a> <input type="search" placeholder="Search products">
  <a href="/basket" id="basket-link">Basket (2)</a></header>
<ul>
  <li><span>Blue mug</span> <button class="add">Add to basket</button></li>
  <li><span>Red mug</span> <button class="add">Add to basket</button></li>
</ul>
<select id="sort" aria-label="Sort by"><option>Price</option><option>Name</option></select>
"""


async def resolve(page: Page, target: str, method: str = "click") -> tuple[int | None, str]:
    candidates = await collect(page)
    result = LocalResolver().decide(request(target, candidates, method))
    chosen = result["index"]
    return chosen, (candidates[chosen].get("xpath", "") if chosen is not None else "")


async def test_finds_the_log_in_button_by_its_synonym(page: Page) -> None:
    await page.set_content(LOGIN_PAGE)
    index, xpath = await resolve(page, "the login button")
    assert index is not None
    assert await page.locator(f"xpath={xpath}").get_attribute("data-testid") == "login-submit"


async def test_fills_fields_by_their_label(page: Page) -> None:
    await page.set_content(LOGIN_PAGE)
    _, xpath = await resolve(page, "the email field", "fill")
    assert await page.locator(f"xpath={xpath}").get_attribute("id") == "user"
    _, xpath = await resolve(page, "password", "fill")
    assert await page.locator(f"xpath={xpath}").get_attribute("id") == "pw"


async def test_checks_the_checkbox_by_its_label(page: Page) -> None:
    await page.set_content(LOGIN_PAGE)
    _, xpath = await resolve(page, "keep me signed in", "check")
    assert await page.locator(f"xpath={xpath}").get_attribute("id") == "remember"


async def test_sign_up_link_is_not_taken_for_sign_in(page: Page) -> None:
    await page.set_content('<p>New here?</p><a href="/register">Sign up</a><button>Help</button>')
    candidates = await collect(page)
    result = LocalResolver().decide(request("sign in", candidates))
    assert result["index"] is None
    assert '"sign in" is not "Sign up"' in result["closest"][0]["why"]


async def test_test_id_names_the_button_when_its_text_does_not(page: Page) -> None:
    await page.set_content(LOGIN_PAGE.replace("Sign in</button>", "Continue</button>"))
    _, xpath = await resolve(page, "sign in")
    assert await page.locator(f"xpath={xpath}").get_attribute("data-testid") == "login-submit"


async def test_basket_link_for_cart_and_placeholder_for_search(page: Page) -> None:
    await page.set_content(SHOP_PAGE)
    _, xpath = await resolve(page, "the cart link")
    assert await page.locator(f"xpath={xpath}").get_attribute("id") == "basket-link"
    _, xpath = await resolve(page, "search products", "fill")
    assert await page.locator(f"xpath={xpath}").get_attribute("type") == "search"


async def test_two_identical_add_buttons_are_ambiguous(page: Page) -> None:
    await page.set_content(SHOP_PAGE)
    index, _ = await resolve(page, "the add to cart button")
    assert index is None


async def test_select_goes_to_the_select_element(page: Page) -> None:
    await page.set_content(SHOP_PAGE)
    _, xpath = await resolve(page, "sort by", "select")
    assert await page.locator(f"xpath={xpath}").get_attribute("id") == "sort"
