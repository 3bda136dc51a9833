"""Small helpers the example tests share: outcome checks that read the same on both
versions of the demo shop."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from backend.client.api import AI

PASSWORD = "wonderland1"  # the demo user's; in a real suite it comes from the environment
HIT = {"cache_hit", "cache_hit_verified"}


def demo_state(base_url: str) -> dict[str, Any]:
    """What the shop recorded: ``decoy_clicks`` and ``orders_placed`` (all tests so far)."""
    state: dict[str, Any] = httpx.get(f"{base_url}/__demo/state", timeout=5).json()
    return state


def money(amount: str) -> re.Pattern[str]:
    """A total as the shop prints it, whatever the label: "Total: €49.98",
    "Order total: €49.98"."""
    return re.compile(rf"total:\s*€{re.escape(amount)}", re.IGNORECASE)


def expect_decoy_untouched(page: Page, base_url: str, clicks_before: int) -> None:
    """The look-alike "Place order later" button (changed shop only) was never clicked."""
    expect(page.locator("body")).not_to_have_attribute("data-decoy-clicked", "true")
    assert demo_state(base_url)["decoy_clicks"] == clicks_before, "the look-alike was clicked"


def log_in(ai: AI, base_url: str) -> None:
    ai.goto(f"{base_url}/login")
    ai.act('type "alice@example.com" into the email field')
    ai.act("type %password% into the password field", variables={"password": PASSWORD})
    ai.act("click the log in button")
    expect(ai.page.get_by_text("Signed in as alice@example.com")).to_be_visible()


def add_to_cart(ai: AI, base_url: str, product_id: int, quantity: int = 1) -> None:
    """From the product page: set the quantity, press the add button, land on the cart."""
    ai.goto(f"{base_url}/products/{product_id}")
    ai.act(f'type "{quantity}" into the quantity field')
    ai.act("click the add to cart button")
    expect(ai.page).to_have_url(f"{base_url}/cart")
