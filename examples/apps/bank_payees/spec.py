"""Spec for the bank payees page (held out: written after the resolver, never tuned for it).

Starts with Current account €2,450.00 and Savings €8,000.00, payees Maria Santos, City
Water Ltd and Old Landlord, one past transfer. The original is a plain page of tables with
a modal for a new payee and a transfer section; the redesign has side drawers (dialogs),
placeholder-only fields, cards with "Pay now" and an icon "Remove payee" button, and decoys
"Save and pay", "Send later" and "Import payees". Checks read both variants.
"""

from __future__ import annotations

from playwright.sync_api import Locator, Page

from examples.apps.spec import AppSpec, Step

_PRELUDE = """
const q = (s) => document.querySelector(s);
const payeeOpen = q('#payee-overlay:not([hidden]), #payeeDrawer:not([hidden])') !== null;
const payeeName = q('#payee-name, [name=holder]').value;
const iban = q('#payee-iban, [name=acctNo]').value;
const payees = [...document.querySelectorAll('#payees tbody td:first-child, .rc-name')]
  .map((e) => e.textContent.trim()).join('|');
const transfer = q('#transfer:not([hidden]), #sendDrawer:not([hidden])');
const transferTo = transfer ? transfer.innerText : '';
const from = q('#from-account, [name=src]').value;
const amount = q('#amount, [name=amt]').value;
const history = [...document.querySelectorAll('#history tbody tr, .act-row')]
  .map((e) => e.innerText.replace(/\\s+/g, ' ').trim()).join('|');
const savings = q('[data-account=savings] .balance, [data-acct=savings] .acct__amt').textContent;
const current = q('[data-account=current] .balance, [data-acct=current] .acct__amt').textContent;
"""


def _check(expression: str) -> str:
    return "() => {" + _PRELUDE + "return Boolean(" + expression + ");}"


def _row(page: Page, name: str) -> Locator:
    return page.locator("#payees tbody tr, .rc-item").filter(has_text=name)


def _balance(page: Page) -> str:
    text: str = page.locator(
        "[data-account=savings] .balance, [data-acct=savings] .acct__amt"
    ).inner_text()
    return text.strip()


def _status(page: Page) -> str:
    row = page.locator("#history tbody tr, .act-row").filter(has_text="Jonas Weber")
    text: str = row.locator("td:nth-child(3), .pill").inner_text()
    return text.strip()


P0 = "Maria Santos|City Water Ltd|Old Landlord"
P1 = P0 + "|Jonas Weber"
IBAN = "DE89 3704 0044 0532 0130 00"
SENT = (
    "/^Jonas Weber €120\\.50 Sent/.test(history) || /^Jonas Weber · €120\\.50 · Sent/.test(history)"
)

SPEC = AppSpec(
    name="bank_payees",
    start="/",
    variables={"iban": IBAN},
    steps=(
        Step(
            kind="act",
            terse="click add payee",
            chatty="open the form to add a new payee",
            imperative="Click the 'Add payee' button",
            check=_check(f"payeeOpen && payees === '{P0}' && transfer === null"),
            playwright=lambda page: page.locator("#add-payee, #np").click(),
        ),
        Step(
            kind="act",
            terse="type 'Jonas Weber' in the payee name field",
            chatty="fill in 'Jonas Weber' as the payee's name",
            imperative="Enter 'Jonas Weber' into the Payee name field",
            check=_check("payeeOpen && payeeName === 'Jonas Weber' && iban === ''"),
            playwright=lambda page: page.locator("#payee-name, [name=holder]").fill("Jonas Weber"),
        ),
        Step(
            kind="act",
            terse="type %iban% in the IBAN field",
            chatty="paste the IBAN %iban% into the IBAN box",
            imperative="Enter %iban% in the IBAN field",
            check=_check(f"payeeOpen && payeeName === 'Jonas Weber' && iban === '{IBAN}'"),
            playwright=lambda page: page.locator("#payee-iban, [name=acctNo]").fill(IBAN),
        ),
        Step(
            kind="act",
            terse="click save payee",
            chatty="save the new payee",
            imperative="Click the 'Save payee' button",
            check=_check(f"!payeeOpen && payees === '{P1}' && transfer === null"),
            playwright=lambda page: page.locator("#save-payee, #pdSave").click(),
        ),
        Step(
            kind="act",
            terse="click pay for Jonas Weber",
            chatty="now pay 'Jonas Weber'",
            imperative="Click the Pay button in the Jonas Weber row",
            check=_check("/Jonas Weber/.test(transferTo) && amount === ''"),
            playwright=lambda page: _row(page, "Jonas Weber").locator(".pay, .rc-pay").click(),
        ),
        Step(
            kind="act",
            terse="choose Savings from the from account dropdown",
            chatty="select 'Savings' as the account to pay from",
            imperative="Select 'Savings' in the From account dropdown",
            check=_check("/Jonas Weber/.test(transferTo) && from === 'savings'"),
            playwright=lambda page: page.locator("#from-account, [name=src]").select_option(
                "savings"
            ),
        ),
        Step(
            kind="act",
            terse="type '120.50' in the amount field",
            chatty="enter '120.50' as the amount",
            imperative="Enter '120.50' into the Amount field",
            check=_check(
                "/Jonas Weber/.test(transferTo) && from === 'savings' && amount === '120.50'"
            ),
            playwright=lambda page: page.locator("#amount, [name=amt]").fill("120.50"),
        ),
        Step(
            kind="act",
            terse="click send money",
            chatty="go ahead and send the money",
            imperative="Click the 'Send money' button",
            check=_check(
                f"transfer === null && ({SENT}) && savings === '€7,879.50'"
                " && current === '€2,450.00'"
            ),
            playwright=lambda page: page.locator("#send, #sdGo").click(),
        ),
        Step(
            kind="extract",
            terse="get the Savings balance",
            chatty="what's the balance of the Savings account now?",
            imperative="Extract the balance shown for Savings",
            check=_check("savings === '€7,879.50'"),
            playwright=_balance,
            expected="€7,879.50",
        ),
        Step(
            kind="act",
            terse="delete 'Old Landlord'",
            chatty="remove the payee 'Old Landlord', we moved out",
            imperative="Click the Delete button in the Old Landlord row",
            check=_check("payees === 'Maria Santos|City Water Ltd|Jonas Weber'"),
            playwright=lambda page: _row(page, "Old Landlord").locator(".delete, .rc-del").click(),
        ),
        Step(
            kind="extract",
            terse="get the status of the transfer to Jonas Weber",
            chatty="what status does the Jonas Weber transfer show?",
            imperative="Extract the status of the transfer to Jonas Weber",
            check=_check(f"({SENT}) && payees === 'Maria Santos|City Water Ltd|Jonas Weber'"),
            playwright=_status,
            expected="Sent",
        ),
    ),
)
