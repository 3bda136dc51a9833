"""observe() and extract() against real headless Chromium."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, Field

from backend.cache.store.base import ElementStore
from backend.client.drivers import LoopThread
from backend.client.engine import EngineConfig

from .conftest import CountingResolver, Site

pytestmark = pytest.mark.browser

SHOP = """
<h1>Catalogue</h1>
<input id="q" placeholder="Search products" aria-label="Search products">
<button id="go">Search</button>
<h2 id="title">Blue shirt</h2>
<span class="price" data-testid="price">$1,299.50</span>
<span class="stock" data-testid="stock-count">17 in stock</span>
<ul>
  <li class="product" data-testid="product-name">Red hat</li>
  <li class="product" data-testid="product-name">Green scarf</li>
  <li class="product" data-testid="product-name">Black belt</li>
</ul>
<table id="orders">
  <thead><tr><th>Order</th><th>Customer</th><th>Total</th></tr></thead>
  <tbody>
    <tr><td>A-1</td><td>Ann</td><td>10.00</td></tr>
    <tr><td>A-2</td><td>Bob</td><td>25.50</td></tr>
  </tbody>
</table>
"""


class Product(BaseModel):
    price: float = Field(description="the price")
    stock: int = Field(description="the stock count")


class Order(BaseModel):
    order: str
    customer: str
    total: float


class Orders(BaseModel):
    orders: list[Order]


def test_observe_returns_selectors_and_a_suggested_method_then_uses_the_cache(
    page: Any, site: Site, make_ai: Any, resolver: CountingResolver
) -> None:
    page.goto(site.serve("observe", SHOP))
    ai = make_ai()
    found = ai.observe("the search box")
    assert found, "the search box is observed"
    best = found[0]
    assert best.method == "fill"
    assert page.locator(best.selector).get_attribute("id") == "q"
    assert ai.steps[-1].kind == "observe"
    assert ai.steps[-1].decision == "resolver"

    page.reload()
    again = make_ai()
    warm = again.observe("the search box")
    assert again.steps[-1].decision == "cache_hit"
    assert page.locator(warm[0].selector).get_attribute("id") == "q"
    assert len(resolver.calls) == 1


def test_observe_with_an_action_suggests_that_action(page: Any, site: Site, make_ai: Any) -> None:
    page.goto(site.serve("observe-act", SHOP))
    found = make_ai().observe("click the search button")
    assert found[0].method == "click"
    assert page.locator(found[0].selector).get_attribute("id") == "go"


def test_extract_scalars_then_replays_the_cached_plan(
    page: Any,
    site: Site,
    make_ai: Any,
    resolver: CountingResolver,
    store: ElementStore,
    store_loop: LoopThread,
    config: EngineConfig,
) -> None:
    page.goto(site.serve("extract", SHOP))
    product = make_ai().extract("the product details", Product)
    assert product == Product(price=1299.5, stock=17)
    calls = len(resolver.calls)
    assert calls >= 2

    page.goto(site.serve("extract", SHOP.replace("$1,299.50", "$15.00")))
    ai = make_ai()
    again = ai.extract("the product details", Product)
    assert again == Product(price=15.0, stock=17)
    assert ai.steps[-1].decision == "cache_hit"
    assert len(resolver.calls) == calls  # the plan was replayed, no resolver call
    stored = json.dumps(store_loop.run(store.list_elements(config.project)))
    assert "1299" not in stored
    assert "15.00" not in stored  # the plan is stored, never the data


def test_extract_list_and_table_with_a_json_schema_and_a_model(
    page: Any, site: Site, make_ai: Any
) -> None:
    page.goto(site.serve("extract-table", SHOP))
    ai = make_ai()
    orders = ai.extract("the orders table", Orders)
    assert orders.orders == [
        Order(order="A-1", customer="Ann", total=10.0),
        Order(order="A-2", customer="Bob", total=25.5),
    ]
    names = ai.extract(
        "the product names",
        {
            "type": "object",
            "properties": {"products": {"type": "array", "items": {"type": "string"}}},
            "required": ["products"],
        },
    )
    assert names == {"products": ["Red hat", "Green scarf", "Black belt"]}
