"""Navigation: links in the menu and the catalogue take you to the right pages, and
``observe()`` points at real elements."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from backend.client.api import AI


def test_menu_links_reach_products_orders_and_cart(ai: AI, base_url: str) -> None:
    ai.goto(base_url)
    expect(ai.page.get_by_role("heading", level=1)).to_have_text("Welcome to the demo shop")

    ai.act("click the Products link")
    expect(ai.page).to_have_url(f"{base_url}/products")
    expect(ai.page.get_by_text("9 products found")).to_be_visible()

    ai.act("click the Orders link")
    expect(ai.page).to_have_url(f"{base_url}/orders")
    expect(ai.page.get_by_role("table")).to_be_visible()

    ai.act("click the Cart link")
    expect(ai.page).to_have_url(f"{base_url}/cart")
    expect(ai.page.get_by_text(re.compile(r"Your (cart|basket) is empty"))).to_be_visible()


def test_product_link_opens_its_detail_page_and_back_link_returns(ai: AI, base_url: str) -> None:
    ai.goto(f"{base_url}/products")
    ai.act("click the Chef's Knife link")
    expect(ai.page).to_have_url(f"{base_url}/products/8")
    expect(ai.page.get_by_role("heading", level=1)).to_have_text("Chef's Knife")
    expect(ai.page.get_by_text("€59.00")).to_be_visible()

    ai.act("click the back to products link")
    expect(ai.page).to_have_url(f"{base_url}/products")


def test_observe_points_at_the_login_link(ai: AI, base_url: str) -> None:
    ai.goto(base_url)
    observed = ai.observe("the log in link in the navigation")
    assert observed, "observe() found nothing"
    best = ai.page.locator(observed[0].selector)
    expect(best).to_have_count(1)
    expect(best).to_have_attribute("href", "/login")
    assert observed[0].method == "click"
