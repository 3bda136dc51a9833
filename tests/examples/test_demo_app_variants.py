"""The demo shop serves its pages on both variants, works as a shop, and the changed
variant really has every difference that ``examples/demo_app/CHANGES.md`` lists (the
example suite's resilience claims are only as good as this ground truth)."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Page, expect

from examples.demo_app import RunningDemo

pytestmark = pytest.mark.browser

PAGES = ["/", "/login", "/products", "/products/1", "/cart", "/checkout", "/orders"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_on_both_variants(any_demo: RunningDemo, path: str) -> None:
    response = httpx.get(any_demo.base_url + path)
    assert response.status_code == 200
    assert "<h1>" in response.text
    assert f"variant {any_demo.variant.value}" in response.text


def test_unknown_product_is_a_404_page(any_demo: RunningDemo) -> None:
    response = httpx.get(any_demo.base_url + "/products/999")
    assert response.status_code == 404
    assert "Page not found" in response.text


# (path, original selector, changed selector): exactly one match on its own variant, none
# on the other. One row per renamed id/class and moved wrapper in CHANGES.md.
RENAMED = [
    ("/", "nav#main-nav.topnav", "nav#site-menu.sidebar-menu"),
    ("/", "header.site-header nav", "div.shell > aside.sidebar nav"),
    ("/", "main#content", "main.page-body > div.container"),
    ("/login", "form.login-form", "form.auth-box"),
    ("/login", "input#login-email", "input#signin-user"),
    ("/login", "input#login-password", "input#signin-secret"),
    ("/login", "button#login-submit", "button#signin-btn"),
    ("/products", "input#search-input", "input#q"),
    ("/products", "select#category-filter", "select#dept"),
    ("/products", "input#max-price", "input#price-cap"),
    ("/products", "[data-testid='add-to-cart-1']", "[data-test='basket-add-1']"),
    ("/products/1", "input#quantity", "input#qty"),
    ("/products/1", "article.image-left", "article.image-right"),
    ("/checkout", "input#full-name", "input#customer-name"),
    ("/checkout", "input#checkout-email", "input#customer-email"),
    ("/checkout", "input#address", "input#addr-line"),
    ("/checkout", "input#city", "input#town"),
    ("/checkout", "select#country", "select#country-select"),
    ("/checkout", "input#card-number", "input#cc-number"),
    ("/checkout", "input#accept-terms", "input#terms"),
    ("/checkout", "input#coupon-code", "input#promo"),
    ("/checkout", "button#place-order", "button#submit-order"),
    (
        "/orders",
        "table.orders-table[data-testid='orders-table']",
        "div.grid-wrapper > table.data-grid",
    ),
]


@pytest.mark.parametrize(("path", "original", "changed"), RENAMED)
async def test_changed_variant_renames_ids_classes_and_wrappers(
    demo_page: Page,
    original_demo: RunningDemo,
    changed_demo: RunningDemo,
    path: str,
    original: str,
    changed: str,
) -> None:
    await demo_page.goto(original_demo.base_url + path)
    assert await demo_page.locator(original).count() == 1
    assert await demo_page.locator(changed).count() == 0
    await demo_page.goto(changed_demo.base_url + path)
    assert await demo_page.locator(changed).count() == 1
    assert await demo_page.locator(original).count() == 0


# (path, how to find it, original name, changed name)
REWORDED = [
    ("/", "link", "Products", "All products"),
    ("/", "link", "Cart", "Basket"),
    ("/", "link", "Orders", "Order history"),
    ("/", "link", "Log in", "Sign in"),
    ("/login", "button", "Log in", "Sign in"),
    ("/login", "label", "Email", "E-mail address"),
    ("/products", "label", "Search", "Find"),
    ("/products", "label", "Category", "Department"),
    ("/products", "label", "Max price (€)", "Price up to (€)"),
    ("/products", "button", "Apply filters", "Filter"),
    ("/products/1", "button", "Add to cart", "Add to basket"),
    ("/products/1", "label", "Quantity", "Qty"),
    ("/checkout", "label", "Full name", "Your name"),
    ("/checkout", "label", "Email", "E-mail address"),
    ("/checkout", "label", "Street address", "Street and number"),
    ("/checkout", "label", "Country", "Country / region"),
    ("/checkout", "label", "I accept the terms and conditions", "I accept the terms of sale"),
    ("/orders", "link", "Order #", "Order no."),
]


async def _named(page: Page, kind: str, name: str) -> int:
    if kind == "label":
        return await page.get_by_label(name, exact=True).count()
    if kind == "link":  # a link's name may carry a count after it: "Cart 2", "Basket (2)"
        pattern = re.compile(rf"^{re.escape(name)}(\s|$)")
        return await page.get_by_role("link", name=pattern).count()
    return await page.get_by_role("button", name=name, exact=True).count()


@pytest.mark.parametrize(("path", "kind", "original", "changed"), REWORDED)
async def test_changed_variant_rewords_labels(
    demo_page: Page,
    original_demo: RunningDemo,
    changed_demo: RunningDemo,
    path: str,
    kind: str,
    original: str,
    changed: str,
) -> None:
    await demo_page.goto(original_demo.base_url + path)
    assert await _named(demo_page, kind, original) == 1
    assert await _named(demo_page, kind, changed) == 0
    await demo_page.goto(changed_demo.base_url + path)
    assert await _named(demo_page, kind, changed) == 1
    assert await _named(demo_page, kind, original) == 0


async def test_changed_variant_moves_the_navigation_to_the_right(
    demo_page: Page, original_demo: RunningDemo, changed_demo: RunningDemo
) -> None:
    await demo_page.goto(original_demo.base_url + "/")
    top = await demo_page.get_by_role("navigation", name="Main").bounding_box()
    await demo_page.goto(changed_demo.base_url + "/")
    side = await demo_page.get_by_role("navigation", name="Main").bounding_box()
    assert top is not None
    assert side is not None
    viewport = demo_page.viewport_size
    assert viewport is not None
    assert top["y"] < 10
    assert top["width"] > viewport["width"] * 0.9
    assert side["x"] > viewport["width"] / 2


async def test_changed_checkout_asks_for_email_before_name(
    demo_page: Page, original_demo: RunningDemo, changed_demo: RunningDemo
) -> None:
    async def field_names(base_url: str) -> list[str]:
        await demo_page.goto(base_url + "/checkout")
        names: list[str] = await demo_page.locator(
            "#checkout-form input[type=text], #checkout-form input[type=email]"
        ).evaluate_all("els => els.map(e => e.name)")
        return names

    assert (await field_names(original_demo.base_url))[:2] == ["full_name", "email"]
    assert (await field_names(changed_demo.base_url))[:2] == ["email", "full_name"]


async def test_changed_orders_table_swaps_status_and_total(
    demo_page: Page, original_demo: RunningDemo, changed_demo: RunningDemo
) -> None:
    await demo_page.goto(original_demo.base_url + "/orders")
    assert await demo_page.locator("thead th a").all_inner_texts() == [
        "Order #", "Date", "Customer", "Status", "Total"
    ]  # fmt: skip
    await demo_page.goto(changed_demo.base_url + "/orders")
    assert await demo_page.locator("thead th a").all_inner_texts() == [
        "Order no.",
        "Date",
        "Customer",
        "Total",
        "Status",
    ]


async def test_look_alike_sits_before_the_real_place_order_button_and_looks_the_same(
    demo_page: Page, changed_demo: RunningDemo
) -> None:
    await demo_page.goto(changed_demo.base_url + "/checkout")
    buttons = demo_page.locator("#checkout-form .actions button")
    assert await buttons.all_inner_texts() == ["Place order later", "Place order"]
    classes = await buttons.evaluate_all("els => els.map(e => e.className)")
    assert classes[0] == classes[1] == "btn btn-primary"


async def test_original_has_no_look_alike(demo_page: Page, original_demo: RunningDemo) -> None:
    await demo_page.goto(original_demo.base_url + "/checkout")
    assert await demo_page.get_by_role("button", name="Place order later").count() == 0
    assert await demo_page.locator("#checkout-form .actions button").all_inner_texts() == [
        "Place order"
    ]


async def test_clicking_the_look_alike_is_observable(
    demo_page: Page, fresh_changed_demo: RunningDemo
) -> None:
    assert fresh_changed_demo.state()["decoy_clicks"] == 0
    await demo_page.goto(fresh_changed_demo.base_url + "/checkout")
    async with demo_page.expect_response("**/__demo/decoy"):
        await demo_page.get_by_role("button", name="Place order later").click()
    await expect(demo_page.locator("#decoy-message")).to_have_text(re.compile("Decoy clicked"))
    await expect(demo_page.locator("body")).to_have_attribute("data-decoy-clicked", "true")
    assert fresh_changed_demo.state()["decoy_clicks"] == 1
    assert fresh_changed_demo.state()["orders_placed"] == 0


async def test_apply_coupon_exists_and_works_only_on_the_original(
    demo_page: Page, original_demo: RunningDemo, changed_demo: RunningDemo
) -> None:
    await demo_page.goto(original_demo.base_url + "/products/1")
    await demo_page.get_by_role("button", name="Add to cart").click()
    await demo_page.goto(original_demo.base_url + "/checkout")
    await demo_page.get_by_label("Coupon code").fill("SAVE10")
    await demo_page.get_by_role("button", name="Apply coupon").click()
    await expect(demo_page.get_by_role("status")).to_have_text("Coupon SAVE10 applied: 10% off.")
    await expect(demo_page.locator(".summary-total")).to_have_text("Total: €22.49")

    await demo_page.goto(changed_demo.base_url + "/checkout")
    assert await demo_page.get_by_label("Coupon code").count() == 1
    assert await demo_page.get_by_role("button", name=re.compile("coupon", re.I)).count() == 0
