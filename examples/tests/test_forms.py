"""Forms: logging in (and its validation errors), the catalogue's search and filters,
the cart, and the checkout form with every kind of field and its validation."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from backend.client.api import AI
from examples.tests.helpers import PASSWORD, add_to_cart, demo_state, log_in, money


def test_login_with_valid_credentials_signs_the_user_in(ai: AI, base_url: str) -> None:
    log_in(ai, base_url)
    expect(ai.page).to_have_url(f"{base_url}/products")
    expect(ai.page.get_by_role("status")).to_have_text("Welcome back, Alice!")


def test_login_shows_each_validation_error(ai: AI, base_url: str) -> None:
    ai.goto(f"{base_url}/login")
    ai.act("click the log in button")
    expect(ai.page.get_by_text("Email is required")).to_be_visible()
    expect(ai.page.get_by_text("Password is required")).to_be_visible()

    ai.act('type "alice-at-example.com" into the email field')
    ai.act("type %password% into the password field", variables={"password": PASSWORD})
    ai.act("click the log in button")
    expect(ai.page.get_by_text("Enter a valid email address")).to_be_visible()

    ai.act('type "alice@example.com" into the email field')
    ai.act('type "not-her-password" into the password field')
    ai.act("click the log in button")
    expect(ai.page.get_by_role("alert")).to_have_text("Incorrect email or password")
    expect(ai.page.get_by_text("Signed in as")).to_have_count(0)


def test_password_value_is_never_in_the_step_log(ai: AI, base_url: str) -> None:
    ai.goto(f"{base_url}/login")
    result = ai.act("type %password% into the password field", variables={"password": PASSWORD})
    expect(ai.page.locator("input[type=password]")).to_have_value(PASSWORD)
    assert PASSWORD not in result.model_dump_json()


def test_search_and_filters_narrow_the_catalogue(ai: AI, base_url: str) -> None:
    ai.goto(f"{base_url}/products")
    ai.act('select "Garden" from the category dropdown')  # the shop submits on change
    expect(ai.page.get_by_text("2 products found")).to_be_visible()

    ai.act('type "20" into the max price field')
    ai.act("click the apply filters button")
    expect(ai.page.get_by_text("1 product found")).to_be_visible()
    expect(ai.page.get_by_role("link", name="Watering Can")).to_be_visible()
    expect(ai.page.get_by_role("link", name="Pruning Shears")).to_have_count(0)

    ai.goto(f"{base_url}/products")
    ai.act('type "mouse" into the search field')
    ai.act("click the apply filters button")
    expect(ai.page.get_by_text("1 product found")).to_be_visible()
    expect(ai.page.get_by_role("link", name="Wireless Mouse")).to_be_visible()


def test_cart_adds_removes_and_totals(ai: AI, base_url: str) -> None:
    ai.goto(f"{base_url}/products")
    ai.act("click the add to cart button for the Wireless Mouse")
    expect(ai.page.get_by_role("status")).to_contain_text("Wireless Mouse")
    ai.act("click the add to cart button for the Watering Can")
    expect(ai.page.get_by_role("status")).to_contain_text("Watering Can")

    add_to_cart(ai, base_url, product_id=8, quantity=2)  # 2 × Chef's Knife
    expect(ai.page.get_by_text(money("157.99"))).to_be_visible()  # 24.99 + 15.00 + 118.00

    ai.act("click the remove button for the Wireless Mouse")
    expect(ai.page.get_by_role("status")).to_have_text("Removed Wireless Mouse.")
    expect(ai.page.get_by_role("link", name="Wireless Mouse")).to_have_count(0)
    expect(ai.page.get_by_text(money("133.00"))).to_be_visible()


def test_checkout_validates_every_field_then_places_the_order(ai: AI, base_url: str) -> None:
    add_to_cart(ai, base_url, product_id=1, quantity=2)  # 2 × Wireless Mouse = €49.98
    orders_before = demo_state(base_url)["orders_placed"]
    ai.goto(f"{base_url}/checkout")

    ai.act("click the place order button")
    for message in (
        "Full name is required",
        "Email is required",
        "Street address is required",
        "City is required",
        "Country is required",
        "Card number is required",
        "Choose a shipping method",
        "You must accept the terms to place an order",
    ):
        expect(ai.page.get_by_text(message, exact=True)).to_be_visible()

    ai.act('type "Alice Liddell" into the full name field')
    ai.act('type "alice@example" into the email field')
    ai.act('type "1 Rabbit Hole Lane" into the street address field')
    ai.act('type "Oxford" into the city field')
    ai.act('select "Germany" from the country dropdown')
    ai.act('type "4111 1111" into the card number field')
    ai.act("check the Express shipping radio button")
    ai.act("check the accept terms checkbox")
    ai.act("click the place order button")
    expect(ai.page.get_by_text("Enter a valid email address")).to_be_visible()
    expect(ai.page.get_by_text("Card number must be 16 digits")).to_be_visible()
    expect(ai.page.get_by_text("Full name is required")).to_have_count(0)
    assert demo_state(base_url)["orders_placed"] == orders_before

    ai.act('type "alice@example.com" into the email field')
    ai.act('type "4111 1111 1111 1111" into the card number field')
    ai.act("click the place order button")
    expect(ai.page.get_by_role("status")).to_have_text(
        re.compile(r"Order #\d+ placed\. Total charged: €59\.88\.")  # 49.98 + 9.90 express
    )
    expect(ai.page.get_by_text("A confirmation was sent to alice@example.com.")).to_be_visible()
    assert demo_state(base_url)["orders_placed"] == orders_before + 1
