"""extract() on the structures pages use for data (issue #11 point 9), in real Chromium:
definition lists, key/value tables, "label: value" text, labelled values in cards, current
form values, and the n-th item of a list ("the second task")."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, Field

from .conftest import Site

pytestmark = pytest.mark.browser

ORDER = """
<h1>Order A-1042</h1>
<dl class="details">
  <dt>Status</dt><dd>Shipped</dd>
  <dt>Carrier</dt><dd>Parcel Express</dd>
</dl>
<table class="totals">
  <tr><th>Subtotal</th><td>$38.00</td></tr>
  <tr><th>Shipping</th><td>$4.50</td></tr>
</table>
<p class="eta">Delivery: Tuesday morning</p>
<p class="owner"><b>Customer:</b> <span>Ada Lovelace</span></p>
<div class="kv"><span class="kv-key">Plan</span><span class="kv-value">Business</span></div>
<form>
  <label for="email">E-mail</label><input id="email" value="ada@example.com">
  <label for="size">Size</label>
  <select id="size"><option>Small</option><option selected>Large</option></select>
  <label><input type="checkbox" id="gift" checked> Gift wrap</label>
</form>
<h2>Tasks</h2>
<ul class="task-list"><li>buy milk</li><li>call mom</li><li>water plants</li></ul>
<nav><ul class="menu"><li><a href="#a">Home</a></li><li><a href="#b">Help</a></li></ul></nav>
"""


def one(ai: Any, instruction: str, kind: str = "string") -> Any:
    schema = {"type": "object", "properties": {"value": {"type": kind}}, "required": ["value"]}
    return ai.extract(instruction, schema)["value"]


@pytest.mark.parametrize(
    ("instruction", "kind", "expected"),
    [
        ("the status", "string", "Shipped"),  # <dt> -> its <dd>
        ("the carrier", "string", "Parcel Express"),
        ("the shipping cost", "number", 4.5),  # row header -> the next cell
        ("the delivery", "string", "Tuesday morning"),  # "Delivery: Tuesday morning"
        ("the customer", "string", "Ada Lovelace"),  # <b>Customer:</b> <span>...</span>
        ("the plan", "string", "Business"),  # key/value card
        ("the e-mail", "string", "ada@example.com"),  # a field's current value
        ("the size", "string", "Large"),  # a select's chosen option
        ("the gift wrap checkbox", "boolean", True),  # a check box's state
        ("the second task", "string", "call mom"),  # the n-th item of a list
        ("the last task in the list", "string", "water plants"),
    ],
)
def test_extract_reads_the_value_a_structure_holds(
    page: Any, site: Site, make_ai: Any, instruction: str, kind: str, expected: Any
) -> None:
    page.goto(site.serve("order", ORDER))
    assert one(make_ai(), instruction, kind) == expected


def test_a_typed_value_is_read_as_it_is_now_and_the_plan_is_replayed(
    page: Any, site: Site, make_ai: Any
) -> None:
    page.goto(site.serve("order-typed", ORDER))
    page.fill("#email", "grace@example.com")
    page.select_option("#size", "Small")
    assert one(make_ai(), "the e-mail") == "grace@example.com"
    ai = make_ai()
    assert one(ai, "the size") == "Small"
    page.select_option("#size", "Large")
    assert one(ai, "the size") == "Large"
    assert ai.steps[-1].decision == "cache_hit"


class Details(BaseModel):
    status: str = Field(description="status")
    carrier: str = Field(description="carrier")
    subtotal: float = Field(description="subtotal")


def test_a_model_is_filled_from_a_definition_list_and_a_table(
    page: Any, site: Site, make_ai: Any
) -> None:
    page.goto(site.serve("order-model", ORDER))
    details = make_ai().extract("the order details", Details)
    assert details == Details(status="Shipped", carrier="Parcel Express", subtotal=38.0)


LATE_TOTAL = """
<div id="app"></div>
<script>
addEventListener("load", () => setTimeout(() => {
  document.getElementById("app").innerHTML = "<p>Total: <strong>$42.00</strong></p>";
}, 500));
</script>
"""


def test_extract_waits_for_data_rendered_after_load(page: Any, site: Site, make_ai: Any) -> None:
    page.goto(site.serve("late-total", LATE_TOTAL))
    assert one(make_ai(), "the total", "number") == 42.0


ADDRESSES = """
<section><h2>Shipping address</h2><p><b>Country:</b> <span>France</span></p>
  <p><b>City:</b> <span>Lyon</span></p></section>
<section><h2>Billing address</h2><p><b>Country:</b> <span>Germany</span></p>
  <p><b>City:</b> <span>Berlin</span></p></section>
<header><span class="user-name">Grace Hopper</span></header>
"""


@pytest.mark.parametrize(
    ("instruction", "expected"),
    [
        ("get the country in the billing address", "Germany"),
        ("which country does the shipping address show?", "France"),
        ("Extract the city shown in the billing address", "Berlin"),
    ],
)
def test_a_named_section_says_which_of_two_equal_labels_is_meant(
    page: Any, site: Site, make_ai: Any, instruction: str, expected: str
) -> None:
    page.goto(site.serve("addresses", ADDRESSES))
    assert one(make_ai(), instruction) == expected


def test_without_the_section_two_equal_labels_are_refused_not_guessed(
    page: Any, site: Site, make_ai: Any
) -> None:
    from backend.client import TestAbleStepError

    page.goto(site.serve("addresses-ambiguous", ADDRESSES))
    with pytest.raises(TestAbleStepError):
        one(make_ai(), "the country")


INVOICE = """
<h1>Order #1042</h1>
<dl><dt>Order number</dt><dd>#1042</dd><dt>Status</dt><dd>Paid</dd></dl>
<table>
  <thead><tr><th>Product</th><th>Amount</th></tr></thead>
  <tbody><tr><td>Wireless Mouse</td><td>$49.00</td></tr></tbody>
  <tfoot><tr><th>Subtotal</th><td>$49.00</td></tr><tr><th>Total</th><td><b>$59.00</b></td></tr></tfoot>
</table>
<section><h2>In progress (2)</h2>
  <div class="card">Fix login bug</div><div class="card">Logo</div></section>
<div class="lane"><h3>Done</h3><span class="lane-count">1</span></div>
"""


@pytest.mark.parametrize(
    ("instruction", "kind", "expected"),
    [
        ("get the order status", "string", "Paid"),  # "Status" is the label the request names
        ("what's the amount shown next to Total?", "string", "$59.00"),
        ("get the count next to In progress", "integer", 2),  # "In progress (2)"
        ("the count shown next to the 'Done' heading", "integer", 1),  # a badge beside it
    ],
)
def test_a_label_named_by_the_request_says_where_the_value_is(
    page: Any, site: Site, make_ai: Any, instruction: str, kind: str, expected: Any
) -> None:
    page.goto(site.serve("invoice", INVOICE))
    assert one(make_ai(), instruction, kind) == expected


def test_a_whole_table_is_never_read_as_one_value(page: Any, site: Site, make_ai: Any) -> None:
    from backend.client import TestAbleStepError

    page.goto(site.serve("invoice-table", INVOICE))
    try:
        value = one(make_ai(), "the product amounts table")
    except TestAbleStepError:
        return
    assert "Wireless Mouse" not in value or "$59.00" not in value


# Columns whose own heading sits inside them, cards that also show a tag and a delete
# button, and a column left with one card.
BOARD = """
<div class="columns">
  <section class="column"><h2>To do (2)</h2>
    <div class="card"><span class="title">Write release notes</span><span class="tag">Docs</span>
      <button title="Delete">×</button></div>
    <div class="card"><span class="title">Fix login bug</span><span class="tag">Backend</span>
      <button title="Delete">×</button></div>
  </section>
  <section class="column"><h2>In progress (1)</h2>
    <div class="card"><span class="title">Design new logo</span><span class="tag">Design</span>
      <button title="Delete">×</button></div>
  </section>
</div>
<style>.card span { display: block }</style>
"""


@pytest.mark.parametrize(
    ("instruction", "expected"),
    [
        ("get the second card in To do", "Fix login bug"),  # the heading inside the column
        ("what's the first card in the In progress column?", "Design new logo"),  # one card
        ("the last card in To do", "Fix login bug"),
    ],
)
def test_the_nth_card_of_a_column_is_read_by_its_title(
    page: Any, site: Site, make_ai: Any, instruction: str, expected: str
) -> None:
    page.goto(site.serve("board", BOARD))
    assert one(make_ai(), instruction) == expected


def test_an_ordinal_without_its_list_is_refused_not_dropped(
    page: Any, site: Site, make_ai: Any
) -> None:
    from backend.client import TestAbleStepError

    page.goto(site.serve("board-third", BOARD))
    # In progress has one card: reading any other element would drop the "second".
    with pytest.raises(TestAbleStepError):
        one(make_ai(), "the second card in In progress")


COUNTS = """
<div id="card-details" class="modal"><div class="modal-box">
  <h3>Fix login bug</h3><p class="tag">Tag: Backend</p><button>Close</button></div></div>
<section class="column"><h2>In progress</h2><span class="badge">2</span>
  <input placeholder="Add a card">
  <div class="card">Logo</div><div class="card">Login</div></section>
<footer><span class="pill">3 left</span><a href="#/">All</a></footer>
"""


@pytest.mark.parametrize(
    ("instruction", "kind", "expected"),
    [
        # the region is named only by an id: <div id="card-details">
        ("which tag does the card details panel show?", "string", "Backend"),
        # a number asked for in a region: the badge, not the add-card field's words
        ("how many cards does the In progress column say it has?", "integer", 2),
        # the one short text showing a number that shares a word with the request
        ("read the number of items left", "integer", 3),
    ],
)
def test_regions_named_by_ids_and_numbers_asked_for(
    page: Any, site: Site, make_ai: Any, instruction: str, kind: str, expected: Any
) -> None:
    page.goto(site.serve("counts", COUNTS))
    assert one(make_ai(), instruction, kind) == expected


@pytest.mark.parametrize(
    ("header", "instruction"),
    [
        # the header's one value: not its title, not the text around the name
        (
            "<h1>Account settings</h1><span>Signed in as <strong>Grace Hopper</strong></span>",
            "what name is shown up in the header?",
        ),
        # two values: the one whose class names the datum
        (
            '<span class="logo">acme</span><span class="user__name">Grace Hopper</span>',
            "Extract the signed-in user's name from the header",
        ),
    ],
)
def test_an_unlabelled_value_in_a_named_region(
    page: Any, site: Site, make_ai: Any, header: str, instruction: str
) -> None:
    page.goto(site.serve("header", f"<header>{header}</header><main><p>Settings</p></main>"))
    assert one(make_ai(), instruction) == "Grace Hopper"
