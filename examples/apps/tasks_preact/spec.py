"""Spec for the task list (Preact, hash routes), written from its visible UI.

The app starts with three tasks: 'buy milk', 'call mom', 'water plants'. Checks read the
list items that hold an input (the task rows in both variants) and the hash route, so the
same check judges the original and the redesign.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page

from examples.apps.spec import AppSpec, Step

# Shared by every check: the task rows, their titles, which are done, the route.
_PRELUDE = """
const rows = [...document.querySelectorAll('li')].filter((li) => li.querySelector('input'));
const tasks = rows.map((li) => ({
  title: li.innerText.trim(),
  done: !!(li.querySelector('input[type=checkbox]') || {}).checked,
  editing: [...li.querySelectorAll('input:not([type=checkbox])')]
    .some((i) => i.offsetParent !== null),
}));
const titles = tasks.map((t) => t.title).join('|');
const done = tasks.filter((t) => t.done).map((t) => t.title).join('|');
const route = location.hash.replace(/^#/, '') || '/';
const composer = [...document.querySelectorAll('input:not([type=checkbox])')]
  .filter((i) => !i.closest('li'));
"""


def _check(expression: str) -> str:
    return "() => {" + _PRELUDE + "return Boolean(" + expression + ");}"


def _row(page: Page, title: str) -> Locator:
    # a task row is a list item with a checkbox (the filter bar's items have none)
    return (
        page.get_by_role("listitem").filter(has=page.get_by_role("checkbox")).filter(has_text=title)
    )


def _type_task(page: Page) -> None:
    page.get_by_placeholder(re.compile(r"should be done|new task", re.I)).fill("pay rent")


def _press_enter(page: Page) -> None:
    page.get_by_placeholder(re.compile(r"should be done|new task", re.I)).press("Enter")


def _items_left(page: Page) -> str:
    text = page.get_by_text(re.compile(r"^\s*\d+\s+(items?\s+)?left\s*$")).inner_text()
    found = re.search(r"\d+", text)
    assert found is not None
    return found.group()


def _edit(page: Page) -> None:
    page.get_by_text("buy milk", exact=True).dblclick()
    editor = page.get_by_role("listitem").get_by_role("textbox")
    editor.fill("buy oat milk")
    editor.press("Enter")


def _delete(page: Page) -> None:
    row = _row(page, "water plants")
    row.hover()  # the delete button only shows on hover
    row.get_by_role("button").click()


def _second_task(page: Page) -> str:
    text: str = (
        page.get_by_role("listitem").filter(has=page.get_by_role("checkbox")).nth(1).inner_text()
    )
    return text


SPEC = AppSpec(
    name="tasks_preact",
    start="/",
    steps=(
        Step(
            kind="act",
            terse="type 'pay rent' in task input",
            chatty="now type 'pay rent' into the box where you add a new task",
            imperative="Enter 'pay rent' in the new task field",
            check=_check(
                "composer.some((i) => i.value === 'pay rent')"
                " && titles === 'buy milk|call mom|water plants'"
            ),
            playwright=_type_task,
        ),
        Step(
            kind="act",
            terse="press Enter in task input",
            chatty="then hit Enter in the new task box so it gets added",
            imperative="Press Enter in the new task field",
            check=_check(
                "titles === 'buy milk|call mom|water plants|pay rent'"
                " && composer.every((i) => i.value === '')"
            ),
            playwright=_press_enter,
        ),
        Step(
            kind="act",
            terse="mark 'pay rent' as completed",
            chatty="go ahead and mark 'pay rent' as done",
            imperative="Check the checkbox next to 'pay rent'",
            check=_check(
                "done === 'pay rent' && titles === 'buy milk|call mom|water plants|pay rent'"
            ),
            playwright=lambda page: _row(page, "pay rent").get_by_role("checkbox").check(),
        ),
        Step(
            kind="act",
            terse="tick 'call mom'",
            chatty="tick the checkbox for 'call mom' as well",
            imperative="Mark the 'call mom' task as completed",
            check=_check("done === 'call mom|pay rent'"),
            playwright=lambda page: _row(page, "call mom").get_by_role("checkbox").check(),
        ),
        Step(
            kind="extract",
            terse="read the number of items left",
            chatty="how many items are left, according to the counter?",
            imperative="Extract the count of items left",
            check=_check(
                "/(^|\\D)2\\s+(items?\\s+)?left/i.test(document.body.innerText)"
                " && done === 'call mom|pay rent'"
            ),
            playwright=_items_left,
            expected="2",
        ),
        Step(
            kind="act",
            terse="click the Active filter",
            chatty="switch the list to show only the active tasks with the Active filter",
            imperative="Click the 'Active' filter link",
            check=_check("route === '/active' && titles === 'buy milk|water plants'"),
            playwright=lambda page: page.get_by_role("link", name="Active", exact=True).click(),
        ),
        Step(
            kind="act",
            terse="edit 'buy milk' to 'buy oat milk'",
            chatty="double-click 'buy milk' and change it to 'buy oat milk'",
            imperative="Rename the task 'buy milk' to 'buy oat milk'",
            check=_check(
                "route === '/active' && titles === 'buy oat milk|water plants'"
                " && !tasks.some((t) => t.editing)"
            ),
            playwright=_edit,
        ),
        Step(
            kind="act",
            terse="click Completed filter",
            chatty="now look at just the finished ones by clicking the Completed filter",
            imperative="Click the 'Completed' link in the filter bar",
            check=_check("route === '/completed' && titles === 'call mom|pay rent'"),
            playwright=lambda page: page.get_by_role("link", name="Completed", exact=True).click(),
        ),
        Step(
            kind="act",
            terse="go back",
            chatty="go back to the previous view with the browser's back button",
            imperative="Navigate back",
            check=_check("route === '/active' && titles === 'buy oat milk|water plants'"),
            playwright=lambda page: page.go_back(),
        ),
        Step(
            kind="act",
            terse="click All",
            chatty="show every task again by picking the All filter",
            imperative="Click the 'All' filter",
            check=_check(
                "route === '/' && titles === 'buy oat milk|call mom|water plants|pay rent'"
            ),
            playwright=lambda page: page.get_by_role("link", name="All", exact=True).click(),
        ),
        Step(
            kind="act",
            terse="delete 'water plants'",
            chatty="hover over 'water plants' and click its delete button",
            imperative="Click the delete button for 'water plants'",
            check=_check(
                "titles === 'buy oat milk|call mom|pay rent' && done === 'call mom|pay rent'"
            ),
            playwright=_delete,
        ),
        Step(
            kind="act",
            terse="untick 'call mom'",
            chatty="actually 'call mom' isn't done yet, so untick it",
            imperative="Uncheck the checkbox in the 'call mom' row",
            check=_check("titles === 'buy oat milk|call mom|pay rent' && done === 'pay rent'"),
            playwright=lambda page: _row(page, "call mom").get_by_role("checkbox").uncheck(),
        ),
        Step(
            kind="act",
            terse="click Clear completed",
            chatty="hit the Clear completed button to tidy away the finished tasks",
            imperative="Press the 'Clear completed' button",
            check=_check("titles === 'buy oat milk|call mom' && done === ''"),
            playwright=lambda page: page.get_by_role("button", name="Clear completed").click(),
        ),
        Step(
            kind="extract",
            terse="get the second task in the list",
            chatty="what's the second task in the list now?",
            imperative="Extract the title of the second task",
            check=_check("titles === 'buy oat milk|call mom'"),
            playwright=_second_task,
            expected="call mom",
        ),
    ),
)
