"""Spec for the Northwind back-office (server-rendered, Starlette + Jinja2).

The app starts with 13 orders (#1040–#1052, newest first, 5 a page). Checks read the URL,
the order numbers in the list's table rows and the page text, so the same check judges the
original and the redesign.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page

from examples.apps.spec import AppSpec, Step

_PRELUDE = """
const path = location.pathname;
const params = new URLSearchParams(location.search);
const q = params.get('q') || '';
const page = params.get('page') || '1';
const text = document.body.innerText;
const listRows = path === '/orders' ? [...document.querySelectorAll('table tbody tr')] : [];
const ids = listRows.map((r) => (r.innerText.match(/#(\\d{4})/) || [])[1])
  .filter(Boolean).join(',');
const search = document.querySelector('input[type=search]') || {};
const visible = (el) => el.getClientRects().length > 0
  && getComputedStyle(el).visibility !== 'hidden';
const menuOpen = [...document.querySelectorAll('a')]
  .some((a) => /^(sign|log) out$/i.test(a.textContent.trim()) && visible(a));
const footer = document.querySelector('footer');
"""


def _check(expression: str) -> str:
    return "() => {" + _PRELUDE + "return Boolean(" + expression + ");}"


def _status(page: Page) -> str:
    # original: <dt>Status</dt><dd>…</dd>; redesign: <p><strong>Status:</strong> …</p>
    text = page.locator(
        "dt:text-is('Status') + dd, .meta p:has(strong:text-is('Status:'))"
    ).inner_text()
    return re.sub(r"^Status:\s*", "", text.strip())


def _total(page: Page) -> str:
    row = page.locator("tr, li").filter(has=page.get_by_text("Total", exact=True))
    found = re.search(r"\$[\d,]+\.\d\d", row.inner_text())
    assert found is not None
    return found.group()


def _row(page: Page, customer: str) -> Locator:
    return page.get_by_role("row").filter(has_text=customer)


SPEC = AppSpec(
    name="backoffice",
    start="/orders",
    steps=(
        Step(
            kind="act",
            terse="click Next",
            chatty="go to the next page of orders",
            imperative="Click the 'Next' pagination link",
            check=_check(
                "path === '/orders' && page === '2' && ids === '1047,1046,1045,1044,1043'"
            ),
            playwright=lambda page: page.get_by_role("link", name=re.compile(r"^Next")).click(),
        ),
        Step(
            kind="act",
            terse="click remove in the Chen Wei row",
            chatty="get rid of Chen Wei's order with the remove button on that row",
            imperative="Press the remove button in the 'Chen Wei' row",
            check=_check(
                "page === '2' && ids === '1047,1045,1044,1043,1042'"
                " && /#1046\\b[^\\n]*(removed|deleted)/i.test(text)"
            ),
            playwright=lambda page: (
                _row(page, "Chen Wei").get_by_role("button", name=re.compile("^Remove")).click()
            ),
        ),
        Step(
            kind="act",
            terse="click Edit for Olivia Brown",
            chatty="open the edit page for Olivia Brown's order",
            imperative="Click the edit link in the 'Olivia Brown' row",
            check=_check("path === '/orders/1044/edit'"),
            playwright=lambda page: (
                _row(page, "Olivia Brown").get_by_role("link", name="Edit", exact=True).click()
            ),
        ),
        Step(
            kind="act",
            terse="choose Shipped from the status dropdown",
            chatty="set the status to Shipped in the dropdown",
            imperative="Select 'Shipped' in the status dropdown",
            check=_check(
                "path === '/orders/1044/edit'"
                " && document.querySelector('select[name=status]').value === 'Shipped'"
            ),
            playwright=lambda page: page.get_by_label(re.compile("status", re.I)).select_option(
                "Shipped"
            ),
        ),
        Step(
            kind="act",
            terse="hit save",
            chatty="hit the save button to store the new status",
            imperative="Click Save",
            check=_check(
                "path === '/orders/1044' && /Status:?\\s*Shipped/.test(text)"
                " && /(updated|saved)/i.test(text)"
            ),
            playwright=lambda page: page.get_by_role("button", name=re.compile("^Save")).click(),
        ),
        Step(
            kind="act",
            terse="click Orders in the header",
            chatty="head back to the orders list using the Orders link up in the header",
            imperative="Click the 'Orders' link in the header",
            check=_check(
                "path === '/orders' && !q && page === '1' && ids === '1052,1051,1050,1049,1048'"
                " && /of 12\\b/.test(text)"
            ),
            playwright=lambda page: (
                page.get_by_role("banner").get_by_role("link", name="Orders", exact=True).click()
            ),
        ),
        Step(
            kind="act",
            terse="enter 'Lopez' in search",
            chatty="type 'Lopez' into the search box to look for her orders",
            imperative="Type 'Lopez' in the search field",
            check=_check("search.value === 'Lopez' && !q && /of 12\\b/.test(text)"),
            playwright=lambda page: page.get_by_role("searchbox").fill("Lopez"),
        ),
        Step(
            kind="act",
            terse="hit search",
            chatty="and hit the search button",
            imperative="Click the Search button",
            check=_check("path === '/orders' && q === 'Lopez' && ids === '1051,1042'"),
            playwright=lambda page: page.get_by_role("button", name="Search", exact=True).click(),
        ),
        Step(
            kind="act",
            terse="open order #1042",
            chatty="click on order #1042 to see its details",
            imperative="Click the '#1042' link",
            check=_check("path === '/orders/1042' && text.includes('Maria Lopez')"),
            playwright=lambda page: page.get_by_role("link", name="#1042", exact=True).click(),
        ),
        Step(
            kind="extract",
            terse="get the order status",
            chatty="what status is this order in?",
            imperative="Extract the status of the order",
            check=_check("path === '/orders/1042' && /Status:?\\s*Paid/.test(text)"),
            playwright=_status,
            expected="Paid",
        ),
        Step(
            kind="extract",
            terse="get the amount next to Total",
            chatty="what's the amount shown next to Total?",
            imperative="Extract the order total",
            check=_check("path === '/orders/1042' && text.includes('$148.50')"),
            playwright=_total,
            expected="$148.50",
        ),
        Step(
            kind="act",
            terse="scroll to the footer",
            chatty="scroll all the way down to the footer",
            imperative="Scroll down to the page footer",
            check=_check(
                "path === '/orders/1042' && window.scrollY > 0"
                " && footer.getBoundingClientRect().top < innerHeight"
            ),
            playwright=lambda page: page.get_by_role("contentinfo").scroll_into_view_if_needed(),
        ),
        Step(
            kind="act",
            terse="go back",
            chatty="go back to the search results",
            imperative="Navigate back to the previous page",
            check=_check("path === '/orders' && q === 'Lopez' && ids === '1051,1042'"),
            playwright=lambda page: page.go_back(),
        ),
        Step(
            kind="act",
            terse="open the user menu",
            chatty="open the user menu in the top right corner",
            imperative="Click the user menu in the header",
            check=_check("menuOpen && q === 'Lopez'"),
            playwright=lambda page: (
                page.get_by_role("banner").locator("summary, [aria-haspopup=menu]").click()
            ),
        ),
    ),
)
