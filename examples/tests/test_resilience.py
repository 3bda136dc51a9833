"""Resilience: the same steps work on the redesigned shop (``--demo-variant changed``,
see ``examples/demo_app/CHANGES.md``), never act on the look-alike "Place order later"
button, and a step whose element was removed fails loudly instead of guessing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from backend.client.api import AI
from backend.client.errors import TestAbleStepError
from examples.demo_app import Variant
from examples.tests.helpers import add_to_cart, demo_state, expect_decoy_untouched, log_in, money


def test_logged_in_customer_orders_without_touching_the_look_alike(ai: AI, base_url: str) -> None:
    clicks_before = demo_state(base_url)["decoy_clicks"]
    log_in(ai, base_url)
    add_to_cart(ai, base_url, product_id=9)  # Cast Iron Pan, €45.00
    ai.act("click the proceed to checkout link")
    expect(ai.page).to_have_url(f"{base_url}/checkout")

    ai.act('type "Alice Liddell" into the full name field')
    ai.act('type "alice@example.com" into the email field')
    ai.act('type "1 Rabbit Hole Lane" into the street address field')
    ai.act('type "Oxford" into the city field')
    ai.act('select "France" from the country dropdown')
    ai.act('type "4111111111111111" into the card number field')
    ai.act("check the Standard shipping radio button")
    ai.act("check the accept terms checkbox")
    ai.act("click the place order button")

    expect(ai.page.get_by_role("status")).to_contain_text("Total charged: €45.00.")
    expect_decoy_untouched(ai.page, base_url, clicks_before)


def test_removed_apply_coupon_button_fails_clearly_and_clicks_nothing_else(
    ai: AI, base_url: str, demo_variant: Variant
) -> None:
    """The original shop has "Apply coupon"; the changed one removed it. There the step
    must fail with a message naming it, and must click nothing else (not the look-alike,
    not "Place order")."""
    clicks_before = demo_state(base_url)["decoy_clicks"]
    orders_before = demo_state(base_url)["orders_placed"]
    add_to_cart(ai, base_url, product_id=1)  # Wireless Mouse, €24.99
    ai.goto(f"{base_url}/checkout")
    ai.act('type "SAVE10" into the coupon code field')

    if demo_variant is Variant.ORIGINAL:
        ai.act("click the apply coupon button")
        expect(ai.page.get_by_role("status")).to_have_text("Coupon SAVE10 applied: 10% off.")
        expect(ai.page.get_by_text(money("22.49"))).to_be_visible()
    else:
        with pytest.raises(TestAbleStepError) as failure:
            ai.act("click the apply coupon button")
        assert "apply coupon" in str(failure.value).lower()
        expect(ai.page).to_have_url(f"{base_url}/checkout")
        expect(ai.page.get_by_text("Coupon SAVE10 applied")).to_have_count(0)
        expect(ai.page.get_by_text(money("24.99"))).to_be_visible()

    expect_decoy_untouched(ai.page, base_url, clicks_before)
    assert demo_state(base_url)["orders_placed"] == orders_before
