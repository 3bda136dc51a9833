"""Spec for the account settings page (Lit web components, open shadow DOM).

The page starts with: name 'Ada Lovelace', email 'ada@example.com', country 'United
Kingdom', newsletter unticked, product updates ticked, dark mode off. Every control lives in
a shadow root; the checks walk open shadow roots and find controls by their label,
aria-label or placeholder, so the same check judges the original and the redesign.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page

from examples.apps.spec import AppSpec, Step

EMAIL = "grace@navy.example"

_PRELUDE = (
    """
const deep = [];
(function walk(root) {
  for (const el of root.querySelectorAll('*')) {
    deep.push(el);
    if (el.shadowRoot) walk(el.shadowRoot);
  }
})(document);
const labelOf = (el) => [el.getAttribute('aria-label'), el.getAttribute('placeholder'),
  ...[...(el.labels || [])].map((l) => l.textContent)].filter(Boolean).join(' ');
const field = (re) => deep.find((el) => /^(INPUT|SELECT)$/.test(el.tagName)
  && el.getAttribute('role') !== 'switch' && re.test(labelOf(el))) || {};
const textbox = (re) => deep.find((el) => el.tagName === 'INPUT'
  && /^(text|email)$/.test(el.type) && re.test(labelOf(el))) || {};
const name = textbox(/name/i).value;
const email = textbox(/e-?mail/i).value;
const countrySelect = field(/country/i);
const country = countrySelect.selectedOptions
  ? countrySelect.selectedOptions[0].textContent.trim() : '';
const newsletter = field(/newsletter/i).checked === true;
const updates = field(/product update/i).checked === true;
const sw = deep.find((el) => el.getAttribute('role') === 'switch') || {};
const dark = (sw.checked === true || sw.getAttribute?.('aria-checked') === 'true')
  && document.documentElement.dataset.theme === 'dark';
// texts of leaf elements outside form controls: what the page shows (summary, header, toast)
const shown = deep.filter((el) => el.childElementCount === 0 && !el.closest('select, option, style')
  && el.getClientRects().length > 0).map((el) => el.textContent.trim());
const shows = (text) => shown.includes(text);
const dialogOpen = deep.some((el) => (el.tagName === 'DIALOG' && el.open)
  || (el.getAttribute('role') === 'dialog' && el.getClientRects().length > 0));
const deleted = shown.some((t) => /account (has been|was) deleted/i.test(t));
const saved = shows('Grace Hopper') && shows('"""
    + EMAIL
    + """') && shows('Germany')
  && shown.some((t) => /saved/i.test(t));
"""
)


def _check(expression: str) -> str:
    return "() => {" + _PRELUDE + "return Boolean(" + expression + ");}"


def _summary_value(page: Page, label: str) -> str:
    # original: <p class="summary-row"><b>Country:</b> <span>…</span>; redesign: .kv rows
    row = page.locator(".summary-row, .kv").filter(has_text=re.compile(rf"^\s*{label}"))
    return re.sub(rf"^\s*{label}:?\s*", "", row.inner_text())


SPEC = AppSpec(
    name="settings_lit",
    start="/",
    variables={"email": EMAIL},
    steps=(
        Step(
            kind="act",
            terse="fill in the email with %email%",
            chatty="first, put %email% into the email field",
            imperative="Fill in the email field with %email%",
            check=_check(
                f"email === '{EMAIL}' && shows('ada@example.com') && name === 'Ada Lovelace'"
            ),
            playwright=lambda page: page.get_by_role(
                "textbox", name=re.compile("e-?mail", re.I)
            ).fill(EMAIL),
        ),
        Step(
            kind="act",
            terse="clear the name field",
            chatty="now wipe out whatever is in the name box",
            imperative="Clear the name input",
            check=_check(f"name === '' && email === '{EMAIL}'"),
            playwright=lambda page: page.get_by_role(
                "textbox", name=re.compile("name", re.I)
            ).clear(),
        ),
        Step(
            kind="act",
            terse="type 'Grace Hopper' in name",
            chatty="and type 'Grace Hopper' into the name box instead",
            imperative="Enter 'Grace Hopper' in the name field",
            check=_check(
                f"name === 'Grace Hopper' && email === '{EMAIL}' && shows('Ada Lovelace')"
            ),
            playwright=lambda page: page.get_by_role("textbox", name=re.compile("name", re.I)).fill(
                "Grace Hopper"
            ),
        ),
        Step(
            kind="act",
            terse="choose Germany from the country dropdown",
            chatty="pick Germany in the country dropdown",
            imperative="Select 'Germany' from the country dropdown",
            check=_check("country === 'Germany' && name === 'Grace Hopper'"),
            playwright=lambda page: page.get_by_label(re.compile("country", re.I)).select_option(
                label="Germany"
            ),
        ),
        Step(
            kind="act",
            terse="tick the newsletter box",
            chatty="tick the box to get the newsletter",
            imperative="Check the newsletter checkbox",
            check=_check("newsletter && updates && country === 'Germany'"),
            playwright=lambda page: page.get_by_label(re.compile("newsletter", re.I)).check(),
        ),
        Step(
            kind="act",
            terse="untick product updates",
            chatty="we don't want product updates, so untick that one",
            imperative="Uncheck the product updates checkbox",
            check=_check("!updates && newsletter"),
            playwright=lambda page: page.get_by_label(re.compile("product update", re.I)).uncheck(),
        ),
        Step(
            kind="act",
            terse="toggle dark mode",
            chatty="switch dark mode on with its toggle",
            imperative="Turn on the dark mode switch",
            check=_check("dark && newsletter && !updates"),
            playwright=lambda page: page.get_by_role("switch", name="Dark mode").click(),
        ),
        Step(
            kind="act",
            terse="hit save",
            chatty="hit the save button so the changes stick",
            imperative="Click the Save button",
            check=_check("saved && dark && !dialogOpen"),
            playwright=lambda page: page.get_by_role("button", name=re.compile(r"^Save")).click(),
        ),
        Step(
            kind="extract",
            terse="get the country in the profile summary",
            chatty="which country does the profile summary show now?",
            imperative="Extract the country shown in the profile summary",
            check=_check("saved"),
            playwright=lambda page: _summary_value(page, "Country"),
            expected="Germany",
        ),
        Step(
            kind="extract",
            terse="read the user name in the header",
            chatty="what name is shown up in the header?",
            imperative="Extract the signed-in user's name from the header",
            check=_check("saved"),
            playwright=lambda page: page.locator("header strong, header .user__name").inner_text(),
            expected="Grace Hopper",
        ),
        Step(
            kind="act",
            terse="click Delete account",
            chatty="now click the link to delete the account, which should ask for confirmation",
            imperative="Press the delete account button",
            check=_check("dialogOpen && saved && !deleted"),
            playwright=lambda page: page.get_by_role(
                "button", name=re.compile("^Delete (my )?account$")
            ).click(),
        ),
        Step(
            kind="act",
            terse="close the dialog",
            chatty="changed my mind, close the dialog without deleting anything",
            imperative="Close the confirmation dialog",
            check=_check("!dialogOpen && !deleted && shows('Grace Hopper')"),
            playwright=lambda page: (
                page.get_by_role("dialog").get_by_role("button", name=re.compile("^Close")).click()
            ),
        ),
    ),
)
