"""Data extraction: the order table and the product list come back as validated pydantic
models with exactly the shop's data; sorting the table changes what comes back."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from playwright.sync_api import expect
from pydantic import BaseModel, BeforeValidator, Field, field_validator

from backend.client.api import AI
from examples.demo_app.catalogue import ORDERS, PRODUCTS


def _euros(value: object) -> object:
    """ "€113.99" -> "113.99" (pydantic turns that into a Decimal)."""
    return value.replace("€", "").replace(",", "").strip() if isinstance(value, str) else value


class OrderRow(BaseModel):
    order_number: int
    date: str
    customer: str
    status: str
    total: Decimal

    _total = field_validator("total", mode="before")(_euros)


class OrderTable(BaseModel):
    orders: list[OrderRow]


Euros = Annotated[Decimal, BeforeValidator(_euros)]


class ProductList(BaseModel):
    names: list[str] = Field(description="product name")
    prices: list[Euros] = Field(description="product price")


def _expected_rows() -> list[OrderRow]:
    return [
        OrderRow(
            order_number=o.number, date=o.date, customer=o.customer, status=o.status, total=o.total
        )
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
    ai.act("click the Total link")
    expect(ai.page).to_have_url(f"{base_url}/orders?sort=total&dir=asc")
    ai.act("click the Total link")
    expect(ai.page).to_have_url(f"{base_url}/orders?sort=total&dir=desc")

    table = ai.extract(
        "every order in the table: order number, date, customer, status and total", OrderTable
    )
    assert [row.total for row in table.orders] == sorted((o.total for o in ORDERS), reverse=True)
    assert table.orders[0].customer == "Dan Brown"


def test_extract_the_filtered_product_list(ai: AI, base_url: str) -> None:
    ai.goto(f"{base_url}/products?category=Kitchen")
    found = ai.extract("the names and prices of the products listed", ProductList)
    kitchen = [p for p in PRODUCTS if p.category == "Kitchen"]
    assert found.names == [p.name for p in kitchen]
    assert found.prices == [p.price for p in kitchen]
