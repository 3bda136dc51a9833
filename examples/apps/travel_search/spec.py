"""Spec for the flight search page (held out: written after the resolver, never tuned for it).

Paris → Lisbon, four flights (one with a stop); results appear 0.3 s after the search.
The redesign has placeholder-only fields ("Leaving from", "Going to"), a "Direct only"
box after the search button, filter chips, result tiles with "Choose this flight", a
sticky trip bar, and decoys: "Search hotels & flights" in the navigation, a "Price alerts"
box, non-interactive "Free cancellation" chips on the tiles.
"""

from __future__ import annotations

from playwright.sync_api import Page

from examples.apps.spec import AppSpec, Step

_PRELUDE = """
const q = (s) => document.querySelector(s);
const from = q('#from, [name=o]').value;
const to = q('#to, [name=d]').value;
const pax = q('#passengers, [name=p]').value;
const direct = q('#direct, [name=nonstop]').checked;
const free = q('#f-free, [name=fc]').checked;
const morning = q('#f-morning, [name=am]').checked;
const sort = q('#sort, [name=ord]').value;
const codes = [...document.querySelectorAll('[data-code]')].map((e) => e.dataset.code).join('|');
const searching = /Searching|Looking for flights/.test(q('#results, #out').innerText);
const trip = q('#summary:not([hidden]), #tripBar:not([hidden])');
const tripText = trip ? trip.innerText.replace(/\\s+/g, ' ') : '';
"""


def _check(expression: str) -> str:
    return "() => {" + _PRELUDE + "return Boolean(" + expression + ");}"


def _first_price(page: Page) -> str:
    text: str = page.locator("[data-code]").first.locator(".price, .tile__price").inner_text()
    return text.strip()


def _total(page: Page) -> str:
    text: str = page.locator("#s-total, .bar__total").inner_text()
    return text.replace("Total:", "").strip()


def _search(page: Page) -> None:
    page.locator("#search button[type=submit], #sbx button[type=submit]").click()
    page.locator("[data-code]").first.wait_for()


FORM = "from === 'Paris' && to === 'Lisbon' && pax === '2' && direct"

SPEC = AppSpec(
    name="travel_search",
    start="/",
    steps=(
        Step(
            kind="act",
            terse="type 'Paris' in the From field",
            chatty="start by typing 'Paris' as the departure city",
            imperative="Enter 'Paris' in the From field",
            check=_check("from === 'Paris' && to === ''"),
            playwright=lambda page: page.locator("#from, [name=o]").fill("Paris"),
        ),
        Step(
            kind="act",
            terse="type 'Lisbon' in the To field",
            chatty="type 'Lisbon' into the destination field",
            imperative="Enter 'Lisbon' in the To field",
            check=_check("from === 'Paris' && to === 'Lisbon'"),
            playwright=lambda page: page.locator("#to, [name=d]").fill("Lisbon"),
        ),
        Step(
            kind="act",
            terse="choose 2 passengers from the passengers dropdown",
            chatty="pick '2 passengers' in the passengers list",
            imperative="Select '2 passengers' in the Passengers dropdown",
            check=_check("from === 'Paris' && to === 'Lisbon' && pax === '2'"),
            playwright=lambda page: page.locator("#passengers, [name=p]").select_option("2"),
        ),
        Step(
            kind="act",
            terse="tick direct flights only",
            chatty="tick the direct flights only box",
            imperative="Check the 'Direct flights only' checkbox",
            check=_check(FORM + " && codes === ''"),
            playwright=lambda page: page.locator("#direct, [name=nonstop]").check(),
        ),
        Step(
            kind="act",
            terse="click search flights",
            chatty="run the flight search",
            imperative="Click the 'Search flights' button",
            check=_check(FORM + " && (searching || codes === 'AF1024|TP1351|U24411')"),
            playwright=_search,
        ),
        Step(
            kind="act",
            terse="choose Price (lowest first) from the sort dropdown",
            chatty="pick 'Price (lowest first)' in the sort by list",
            imperative="Select 'Price (lowest first)' in the Sort by dropdown",
            check=_check(FORM + " && sort === 'price'"),
            playwright=lambda page: page.locator("#sort, [name=ord]").select_option("price"),
        ),
        Step(
            kind="extract",
            terse="get the price of the first result",
            chatty="what does the first flight in the results cost?",
            imperative="Extract the price of the first flight in the results",
            check=_check(FORM + " && codes === 'U24411|TP1351|AF1024'"),
            playwright=_first_price,
            expected="€74",
        ),
        Step(
            kind="act",
            terse="tick free cancellation",
            chatty="tick the free cancellation filter as well",
            imperative="Check the 'Free cancellation' checkbox",
            check=_check(FORM + " && free && !morning && codes === 'TP1351|AF1024'"),
            playwright=lambda page: page.locator("#f-free, [name=fc]").check(),
        ),
        Step(
            kind="act",
            terse="click select on the TAP flight",
            chatty="choose the 'TAP TP1351' flight",
            imperative="Click the Select button on the 'TAP TP1351' result",
            check=_check("/TAP TP1351/.test(tripText) && !/AF1024/.test(tripText)"),
            playwright=lambda page: page.locator("[data-code=TP1351] button").click(),
        ),
        Step(
            kind="extract",
            terse="get the total price",
            chatty="what's the total for the trip?",
            imperative="Extract the total price of the trip",
            check=_check("/TAP TP1351/.test(tripText) && /€178/.test(tripText)"),
            playwright=_total,
            expected="€178",
        ),
    ),
)
