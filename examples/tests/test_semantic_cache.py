"""The element cache: a step seen before is served from the cache, and an instruction
worded a little differently on the same page finds the same entry."""

from __future__ import annotations

from playwright.sync_api import expect

from backend.client.api import AI
from examples.tests.helpers import HIT


def test_near_identical_instructions_share_one_cache_entry(ai: AI, base_url: str) -> None:
    ai.goto(f"{base_url}/login")
    first = ai.act("click the log in button")
    expect(ai.page.get_by_text("Email is required")).to_be_visible()

    second = ai.act("press the login button")
    expect(ai.page.get_by_text("Email is required")).to_be_visible()
    assert first.key is not None
    assert second.key == first.key, "a near-identical instruction made a new cache entry"
    assert second.decision in HIT
    assert second.resolver_calls == 0


def test_repeated_step_is_served_from_the_cache(ai: AI, base_url: str) -> None:
    ai.goto(f"{base_url}/products")
    ai.act("click the Orders link")
    expect(ai.page).to_have_url(f"{base_url}/orders")

    ai.goto(f"{base_url}/products")
    again = ai.act("click the Orders link")
    expect(ai.page).to_have_url(f"{base_url}/orders")
    assert again.decision in HIT
    assert again.resolver_calls == 0


def test_different_elements_get_different_entries(ai: AI, base_url: str) -> None:
    ai.goto(f"{base_url}/login")
    email = ai.act('type "alice@example.com" into the email field')
    password = ai.act('type "x" into the password field')
    assert email.key is not None
    assert password.key is not None
    assert email.key != password.key
    expect(ai.page.locator("input[name=email]")).to_have_value("alice@example.com")
    expect(ai.page.locator("input[name=password]")).to_have_value("x")
