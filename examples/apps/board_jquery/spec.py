"""Spec for the sprint board (jQuery, page built ~0.6–0.8 s after load, HTML5 drag and drop).

The board starts with To do: 'Write release notes', 'Fix login bug', 'Update dependencies';
In progress: 'Design new logo'; Done: 'Set up CI'. Checks find the columns by their
headings and the cards by `draggable`, so the same check judges the original and the
redesign.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page

from examples.apps.spec import AppSpec, Step

_PRELUDE = """
const NAMES = ['To do', 'In progress', 'Done'];
const headingName = (h) => NAMES.find(
  (n) => h.textContent.trim().toLowerCase().startsWith(n.toLowerCase()));
const headings = [...document.querySelectorAll('h1, h2, h3, h4')].filter(headingName);
const columnOf = (el) => {
  for (let up = el.parentElement; up; up = up.parentElement) {
    const inside = headings.filter((h) => up.contains(h));
    if (inside.length === 1) return headingName(inside[0]);
    if (inside.length > 1) return null;
  }
  return null;
};
const visible = (el) => el.getClientRects().length > 0;
const cards = [...document.querySelectorAll('[draggable=true]')].filter(visible);
const titleOf = (card) => card.innerText.trim().split('\\n')[0].trim();
const col = (name) => cards.filter((c) => columnOf(c) === name).map(titleOf).join('|');
const todo = col('To do');
const doing = col('In progress');
const done = col('Done');
const inputs = [...document.querySelectorAll('input')];
const details = [...document.querySelectorAll('.modal, [role=dialog]')].filter(visible);
const detailsText = details.map((d) => d.innerText).join('\\n');
const typedIn = (value) => inputs.filter((i) => i.value === value).map(columnOf);
"""


def _check(expression: str) -> str:
    return "() => {" + _PRELUDE + "return Boolean(" + expression + ");}"


def _column(page: Page, name: str) -> Locator:
    # original: <section class="column"><h2>To do (3)</h2>…
    # redesign: <div class="lane"><h3>To do</h3>…
    return page.locator("section, .lane").filter(
        has=page.get_by_role("heading", name=re.compile(f"^{name}", re.I))
    )


def _card(page: Page, title: str) -> Locator:
    return page.locator("[draggable=true]").filter(has_text=title)


def _heading(page: Page, name: str) -> Locator:
    return page.get_by_role("heading", name=re.compile(f"^{name}", re.I))


def _add_field(page: Page) -> Locator:
    return _column(page, "To do").get_by_role("textbox")


def _count(page: Page, name: str) -> str:
    # original: the count is in the heading "In progress (2)"; redesign: a badge beside it
    found = re.search(r"\d+", _column(page, name).locator("h2, .lane__head").first.inner_text())
    assert found is not None
    return found.group()


def _details(page: Page) -> Locator:
    # original: a .modal div without a role; redesign: a role=dialog side drawer
    return page.locator("#card-details, .drawer")


def _tag(page: Page) -> str:
    # original: <p class="tag">Tag: Backend</p>; redesign: <dt>Tag</dt><dd>Backend</dd>
    text: str = _details(page).locator(".tag, dt:text-is('Tag') + dd").inner_text()
    return re.sub(r"^Tag:\s*", "", text.strip())


def _delete(page: Page) -> None:
    card = _card(page, "Set up CI")
    card.hover()  # the redesign's trash icon only shows on hover
    card.get_by_role("button").click()


def _nth_title(page: Page, column: str, index: int) -> str:
    text: str = _column(page, column).locator("[draggable=true]").nth(index).inner_text()
    return text.strip().split("\n")[0].strip()


TODO0 = "Write release notes|Fix login bug|Update dependencies"

SPEC = AppSpec(
    name="board_jquery",
    start="/",
    steps=(
        Step(
            kind="act",
            terse="type 'Write tests' in the add card field under To do",
            chatty="in the To do column, type 'Write tests' into the box for a new card",
            imperative="Enter 'Write tests' in the new card field of the To do column",
            check=_check(f"typedIn('Write tests').join() === 'To do' && todo === '{TODO0}'"),
            playwright=lambda page: _add_field(page).fill("Write tests"),
        ),
        Step(
            kind="act",
            terse="press Enter",
            chatty="hit Enter to add the card",
            imperative="Press Enter in the To do column's new card field",
            check=_check(f"todo === '{TODO0}|Write tests' && typedIn('Write tests').length === 0"),
            playwright=lambda page: _add_field(page).press("Enter"),
        ),
        Step(
            kind="act",
            terse="double-click 'Fix login bug'",
            chatty="double-click the 'Fix login bug' card to open its details",
            imperative="Double-click the 'Fix login bug' card",
            check=_check(
                "details.length === 1 && /Fix login bug/.test(detailsText)"
                f" && todo === '{TODO0}|Write tests'"
            ),
            playwright=lambda page: _card(page, "Fix login bug").dblclick(),
        ),
        Step(
            kind="extract",
            terse="get the tag in the card details",
            chatty="which tag does the card details panel show?",
            imperative="Extract the tag shown in the card details",
            check=_check(
                "details.length === 1 && /Fix login bug/.test(detailsText)"
                " && /Backend/.test(detailsText)"
            ),
            playwright=_tag,
            expected="Backend",
        ),
        Step(
            kind="act",
            terse="close the dialog",
            chatty="close the card details again",
            imperative="Close the card details dialog",
            check=_check(f"details.length === 0 && todo === '{TODO0}|Write tests'"),
            playwright=lambda page: (
                _details(page).get_by_role("button", name=re.compile("^Close")).click()
            ),
        ),
        Step(
            kind="act",
            terse="drag 'Fix login bug' onto In progress",
            chatty="move 'Fix login bug' over to the In progress column by dragging it there",
            imperative="Drag the 'Fix login bug' card onto the 'In progress' column",
            check=_check(
                "todo === 'Write release notes|Update dependencies|Write tests'"
                " && doing === 'Design new logo|Fix login bug' && done === 'Set up CI'"
            ),
            playwright=lambda page: _card(page, "Fix login bug").drag_to(
                _heading(page, "In progress")
            ),
        ),
        Step(
            kind="act",
            terse="drag 'Update dependencies' onto 'Write release notes'",
            chatty="drag 'Update dependencies' up onto 'Write release notes' so it comes first",
            imperative="Drag the 'Update dependencies' card onto the 'Write release notes' card",
            check=_check(
                "todo === 'Update dependencies|Write release notes|Write tests'"
                " && doing === 'Design new logo|Fix login bug'"
            ),
            playwright=lambda page: _card(page, "Update dependencies").drag_to(
                _card(page, "Write release notes")
            ),
        ),
        Step(
            kind="extract",
            terse="get the count next to In progress",
            chatty="how many cards does the In progress column say it has?",
            imperative="Extract the card count shown next to the 'In progress' heading",
            check=_check("doing === 'Design new logo|Fix login bug'"),
            playwright=lambda page: _count(page, "In progress"),
            expected="2",
        ),
        Step(
            kind="act",
            terse="delete 'Set up CI'",
            chatty="delete the 'Set up CI' card, it's not needed any more",
            imperative="Click the delete button on the 'Set up CI' card",
            check=_check(
                "done === '' && doing === 'Design new logo|Fix login bug'"
                " && todo === 'Update dependencies|Write release notes|Write tests'"
            ),
            playwright=_delete,
        ),
        Step(
            kind="act",
            terse="drag 'Design new logo' onto Done",
            chatty="the logo is finished, so drag 'Design new logo' into Done",
            imperative="Drag the 'Design new logo' card onto the 'Done' column",
            check=_check("done === 'Design new logo' && doing === 'Fix login bug'"),
            playwright=lambda page: _card(page, "Design new logo").drag_to(_heading(page, "Done")),
        ),
        Step(
            kind="extract",
            terse="get the second card in To do",
            chatty="which card is second in the To do column now?",
            imperative="Extract the title of the second card in the 'To do' column",
            check=_check(
                "todo === 'Update dependencies|Write release notes|Write tests'"
                " && done === 'Design new logo'"
            ),
            playwright=lambda page: _nth_title(page, "To do", 1),
            expected="Write release notes",
        ),
        Step(
            kind="act",
            terse="enter 'logo' in the filter",
            chatty="type 'logo' into the filter box at the top to narrow the board down",
            imperative="Type 'logo' in the board filter field",
            check=_check("todo === '' && doing === '' && done === 'Design new logo'"),
            playwright=lambda page: page.get_by_placeholder(re.compile("filter|search", re.I)).fill(
                "logo"
            ),
        ),
        Step(
            kind="act",
            terse="clear the filter field",
            chatty="now clear the filter again so every card shows",
            imperative="Clear the board filter field",
            check=_check(
                "todo === 'Update dependencies|Write release notes|Write tests'"
                " && doing === 'Fix login bug' && done === 'Design new logo'"
                " && inputs.every((i) => i.value === '')"
            ),
            playwright=lambda page: page.get_by_placeholder(
                re.compile("filter|search", re.I)
            ).clear(),
        ),
        Step(
            kind="extract",
            terse="get the first card in In progress",
            chatty="what's the first card in the In progress column?",
            imperative="Extract the title of the first card under 'In progress'",
            check=_check("doing === 'Fix login bug' && done === 'Design new logo'"),
            playwright=lambda page: _nth_title(page, "In progress", 0),
            expected="Fix login bug",
        ),
    ),
)
