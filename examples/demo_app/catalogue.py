"""The demo shop's fixed data: products and past orders.

Fixed (not random) so the example suite can assert exact outcomes: a cart total, the
first row of a sorted table, the list an extraction must return.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

CATEGORIES = ("Books", "Electronics", "Garden", "Kitchen")
USERS = {"alice@example.com": ("Alice", "wonderland1")}
COUPONS = {"SAVE10": Decimal("0.10")}
COUNTRIES = ("Austria", "France", "Germany", "Italy", "Netherlands", "Spain")
SHIPPING = {
    "standard": ("Standard shipping", Decimal("0.00")),
    "express": ("Express shipping", Decimal("9.90")),
}


@dataclass(frozen=True)
class Product:
    id: int
    name: str
    category: str
    price: Decimal
    description: str


@dataclass(frozen=True)
class Order:
    number: int
    date: str  # ISO date, sorts as text
    customer: str
    status: str
    total: Decimal


PRODUCTS = (
    Product(
        1,
        "Wireless Mouse",
        "Electronics",
        Decimal("24.99"),
        "A quiet two-button mouse with a USB receiver.",
    ),
    Product(
        2,
        "Mechanical Keyboard",
        "Electronics",
        Decimal("89.00"),
        "Tenkeyless, brown switches, white backlight.",
    ),
    Product(
        3,
        "USB-C Hub",
        "Electronics",
        Decimal("39.50"),
        "Four ports, HDMI out, 100 W pass-through charging.",
    ),
    Product(
        4, "The Pragmatic Gardener", "Books", Decimal("18.00"), "Raised beds, compost and patience."
    ),
    Product(
        5,
        "Cooking for Engineers",
        "Books",
        Decimal("27.95"),
        "Recipes written as dependency graphs.",
    ),
    Product(
        6, "Watering Can", "Garden", Decimal("15.00"), "Five litres, galvanised steel, long spout."
    ),
    Product(
        7, "Pruning Shears", "Garden", Decimal("21.49"), "Bypass blades for stems up to 20 mm."
    ),
    Product(8, "Chef's Knife", "Kitchen", Decimal("59.00"), "20 cm blade of stainless steel."),
    Product(9, "Cast Iron Pan", "Kitchen", Decimal("45.00"), "Pre-seasoned, 26 cm, oven safe."),
)

ORDERS = (
    Order(1041, "2026-03-02", "Bob Martin", "Delivered", Decimal("113.99")),
    Order(1038, "2026-02-11", "Carla Jones", "Cancelled", Decimal("18.00")),
    Order(1044, "2026-03-19", "Alice Liddell", "Processing", Decimal("45.00")),
    Order(1039, "2026-02-20", "Dan Brown", "Delivered", Decimal("236.45")),
    Order(1042, "2026-03-08", "Eve Adams", "Shipped", Decimal("59.00")),
    Order(1040, "2026-02-27", "Alice Liddell", "Delivered", Decimal("64.49")),
    Order(1043, "2026-03-12", "Frank Ocean", "Shipped", Decimal("27.95")),
)


def product(product_id: int) -> Product | None:
    return next((p for p in PRODUCTS if p.id == product_id), None)


def search(query: str, category: str, max_price: Decimal | None) -> list[Product]:
    words = query.lower().split()
    return [
        p
        for p in PRODUCTS
        if all(w in f"{p.name} {p.description}".lower() for w in words)
        and (not category or p.category == category)
        and (max_price is None or p.price <= max_price)
    ]
