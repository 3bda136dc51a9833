"""The two versions of the demo app: ``original`` and ``changed``.

Both render the same templates; a variant is only the words, ids, classes and layout
switches those templates read. Keeping every difference in this one table makes the
changed version reviewable at a glance; ``CHANGES.md`` lists the same differences for
people and for the tests that rely on them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class Variant(StrEnum):
    ORIGINAL = "original"
    CHANGED = "changed"


@dataclass(frozen=True)
class Skin:
    # layout switches
    nav_side: str  # "top" bar or "right" sidebar
    checkout_email_first: bool  # checkout fields reordered
    detail_image_right: bool  # product detail columns swapped
    cart_as_list: bool  # cart rendered as a list of divs instead of a table
    orders_status_last: bool  # orders table: Status and Total columns swapped
    has_decoy_button: bool  # look-alike "Place order later" next to "Place order"
    has_apply_coupon: bool  # the removed element
    # navigation
    nav_id: str
    nav_class: str
    nav_home: str
    nav_products: str
    nav_cart: str
    nav_orders: str
    nav_login: str
    nav_logout: str
    # login
    login_title: str
    login_email_label: str
    login_email_id: str
    login_password_label: str
    login_password_id: str
    login_button: str
    login_button_id: str
    login_form_class: str
    # catalogue
    search_label: str
    search_placeholder: str
    search_id: str
    category_label: str
    category_id: str
    all_categories: str
    max_price_label: str
    max_price_id: str
    filter_button: str
    card_class: str
    add_to_cart: str
    add_testid_attr: str  # the attribute name of the per-product test id
    add_testid_prefix: str
    # product detail
    quantity_label: str
    quantity_id: str
    back_to_products: str
    # cart
    cart_title: str
    cart_total_label: str
    remove_button: str
    checkout_link: str
    cart_empty: str
    # checkout
    name_label: str
    name_id: str
    email_label: str
    email_id: str
    address_label: str
    address_id: str
    city_label: str
    city_id: str
    country_label: str
    country_id: str
    country_placeholder: str
    card_label: str
    card_id: str
    shipping_legend: str
    shipping_standard: str
    shipping_express: str
    terms_label: str
    terms_id: str
    coupon_label: str
    coupon_id: str
    apply_coupon: str
    place_order: str
    place_order_id: str
    place_order_class: str
    decoy_button: str
    field_wrapper_class: str
    # orders
    orders_title: str
    orders_table_class: str
    col_number: str
    col_date: str
    col_customer: str
    col_status: str
    col_total: str


ORIGINAL = Skin(
    nav_side="top",
    checkout_email_first=False,
    detail_image_right=False,
    cart_as_list=False,
    orders_status_last=False,
    has_decoy_button=False,
    has_apply_coupon=True,
    nav_id="main-nav",
    nav_class="topnav",
    nav_home="Home",
    nav_products="Products",
    nav_cart="Cart",
    nav_orders="Orders",
    nav_login="Log in",
    nav_logout="Log out",
    login_title="Log in to your account",
    login_email_label="Email",
    login_email_id="login-email",
    login_password_label="Password",
    login_password_id="login-password",
    login_button="Log in",
    login_button_id="login-submit",
    login_form_class="login-form",
    search_label="Search",
    search_placeholder="Search products",
    search_id="search-input",
    category_label="Category",
    category_id="category-filter",
    all_categories="All categories",
    max_price_label="Max price (€)",
    max_price_id="max-price",
    filter_button="Apply filters",
    card_class="product-card",
    add_to_cart="Add to cart",
    add_testid_attr="data-testid",
    add_testid_prefix="add-to-cart-",
    quantity_label="Quantity",
    quantity_id="quantity",
    back_to_products="Back to products",
    cart_title="Your cart",
    cart_total_label="Total",
    remove_button="Remove",
    checkout_link="Proceed to checkout",
    cart_empty="Your cart is empty.",
    name_label="Full name",
    name_id="full-name",
    email_label="Email",
    email_id="checkout-email",
    address_label="Street address",
    address_id="address",
    city_label="City",
    city_id="city",
    country_label="Country",
    country_id="country",
    country_placeholder="Choose a country",
    card_label="Card number",
    card_id="card-number",
    shipping_legend="Shipping method",
    shipping_standard="Standard shipping",
    shipping_express="Express shipping",
    terms_label="I accept the terms and conditions",
    terms_id="accept-terms",
    coupon_label="Coupon code",
    coupon_id="coupon-code",
    apply_coupon="Apply coupon",
    place_order="Place order",
    place_order_id="place-order",
    place_order_class="btn btn-primary",
    decoy_button="",
    field_wrapper_class="field",
    orders_title="Orders",
    orders_table_class="orders-table",
    col_number="Order #",
    col_date="Date",
    col_customer="Customer",
    col_status="Status",
    col_total="Total",
)

CHANGED = replace(
    ORIGINAL,
    nav_side="right",
    checkout_email_first=True,
    detail_image_right=True,
    cart_as_list=True,
    orders_status_last=True,
    has_decoy_button=True,
    has_apply_coupon=False,
    nav_id="site-menu",
    nav_class="sidebar-menu",
    nav_products="All products",
    nav_cart="Basket",
    nav_orders="Order history",
    nav_login="Sign in",
    nav_logout="Sign out",
    login_title="Sign in to continue",
    login_email_label="E-mail address",
    login_email_id="signin-user",
    login_password_id="signin-secret",
    login_button="Sign in",
    login_button_id="signin-btn",
    login_form_class="auth-box",
    search_label="Find",
    search_placeholder="Search the shop",
    search_id="q",
    category_label="Department",
    category_id="dept",
    all_categories="All departments",
    max_price_label="Price up to (€)",
    max_price_id="price-cap",
    filter_button="Filter",
    card_class="tile",
    add_to_cart="Add to basket",
    add_testid_attr="data-test",
    add_testid_prefix="basket-add-",
    quantity_label="Qty",
    quantity_id="qty",
    back_to_products="Back to all products",
    cart_title="Your basket",
    cart_total_label="Order total",
    checkout_link="Go to checkout",
    cart_empty="Your basket is empty.",
    name_label="Your name",
    name_id="customer-name",
    email_label="E-mail address",
    email_id="customer-email",
    address_label="Street and number",
    address_id="addr-line",
    city_id="town",
    country_label="Country / region",
    country_id="country-select",
    country_placeholder="Select your country",
    card_id="cc-number",
    shipping_legend="Delivery method",
    terms_label="I accept the terms of sale",
    terms_id="terms",
    coupon_id="promo",
    place_order_id="submit-order",
    decoy_button="Place order later",
    field_wrapper_class="form-row",
    orders_title="Order history",
    orders_table_class="data-grid",
    col_number="Order no.",
)

SKINS = {Variant.ORIGINAL: ORIGINAL, Variant.CHANGED: CHANGED}
