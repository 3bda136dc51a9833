"""Data extraction: the order table and the product list come back as validated pydantic
models with exactly the shop's data; sorting the table changes what comes back."""

from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import expect
from pydantic import BaseModel, field_validator

from backend.client.api import AI
from examples.demo_app.catalogue import ORDERS, PRODUCTS


def _euros(value: object) -> object:
    """ "€113.99" -> "113.99" (pydantic turns that into a Decimal)."""
    return value.replace("€", "").replace(",", "").strip() if isinstance(value, str) else value


class OrderRow(BaseModel):
    number: int
    date: str
    customer: str
    status: str
    total: Decimal

    _total = field_validator("total", mode="before")(_euros)


class OrderTable(BaseModel):
    orders: list[OrderRow]


class ProductCard(BaseModel):
    name: str
    category: str
    price: Decimal

    _price = field_validator("price", mode="before")(_euros)


class ProductList(BaseModel):
    products: list[ProductCard]


def _expected_rows() -> list[OrderRow]:
    return [
        OrderRow(number=o.number, date=o.date, customer=o.customer, status=o.status, total=o.total)
        for o in sorted(ORDERS, key=lambda o: o.number)
    ]


def test_extract_the_order_table(ai: AI, base_url: str) -> None:
    ai.goto(f"{base_url}/orders")
    table = ai.extract(
        "every order in the table: order number, date, customer, status and total", OrderTable
    )
    assert isinstance(table, OrderTable)
    assert table.orders == _expected_rows()


def test_sorting_by_total_reorders_the_extracted_rows(ai: AI, base_url: str) -> None:
    ai.goto(f"{base_url}/orders")
    ai.act("click the Total column header")
    expect(ai.page).to_have_url(f"{base_url}/orders?sort=total&dir=asc")
    ai.act("click the Total column header")
    expect(ai.page).to_have_url(f"{base_url}/orders?sort=total&dir=desc")

    table = ai.extract(
        "every order in the table: order number, date, customer, status and total", OrderTable
    )
    assert [row.total for row in table.orders] == sorted((o.total for o in ORDERS), reverse=True)
    assert table.orders[0].customer == "Dan Brown"


def test_extract_the_filtered_product_list(ai: AI, base_url: str) -> None:
    ai.goto(f"{base_url}/products?category=Kitchen")
    found = ai.extract("the products listed: name, category and price", ProductList)
    expected = [
        ProductCard(name=p.name, category=p.category, price=p.price)
        for p in PRODUCTS
        if p.category == "Kitchen"
    ]
    assert found.products == expected
