"""The local resolver's rules for issue #11, on hand-made fingerprints (the same rules run
in real Chromium in tests/client/test_plain_language.py)."""

from __future__ import annotations

from typing import Any, cast

import pytest

from backend.ai.base import ResolveRequest
from backend.ai.local import LocalResolver, RankedCandidate, _meaning_changing_extra
from backend.ai.settings import ResolverSettings
from backend.cache.records import ActionSpec, Fingerprint

from .helpers import fp

resolver = LocalResolver()


def ask(target: str, candidates: list[Fingerprint], method: str = "click", **extra: Any) -> Any:
    request = ResolveRequest(
        instruction=f"{method} {target}",
        target=target,
        action=cast(ActionSpec, {"method": method}),
        candidates=candidates,
        shortlist=extra.pop("shortlist", None),
    )
    request.update(extra)  # type: ignore[typeddict-item]
    return resolver.decide(request)


def row(n: int, title: str) -> list[Fingerprint]:
    base = f"/html/body/ul/li[{n}]/div"
    return [
        fp("input", "checkbox", container_text=title, xpath=f"{base}/input[1]"),
        fp("label", "", text=title, container_text=title, xpath=f"{base}/label[1]"),
        fp(
            "button",
            "button",
            attributes={"class": "destroy"},
            container_text=title,
            xpath=f"{base}/button[1]",
        ),
    ]


TODOS = row(1, "buy milk") + row(2, "pay rent") + row(3, "walk the dog")


def test_class_words_and_placeholder_name_the_only_field() -> None:
    page = [
        fp("h1", "heading", "todos"),
        fp(
            "input",
            "textbox",
            "What should be done?",
            editable=True,
            attributes={"class": "task-input", "placeholder": "What should be done?"},
        ),
    ]
    result = ask("task input", page, "type")
    assert result["index"] == 1
    # the page's only text field, asked for as "the … field", even without a word in common
    page[1]["attributes"] = {"class": "new-todo"}
    assert ask("task field", page, "fill")["index"] == 1


def test_three_unnamed_checkboxes_become_one_answer_when_scoped_to_the_item() -> None:
    assert ask("checkbox", TODOS, "check")["index"] is None  # three tie
    result = ask("checkbox", TODOS, "check", item="pay rent")
    assert result["index"] == 3
    assert any('in the item "pay rent"' in r for r in result["reasons"])


def test_the_delete_button_of_a_row_is_found_by_its_class() -> None:
    result = ask("delete button", TODOS, item="walk the dog")
    assert result["index"] == 8


def test_another_rows_control_is_never_taken_for_the_asked_row() -> None:
    # healing asks only about the "pay rent" row's button: "buy milk"'s is not among them
    result = ask("delete button", TODOS, item="buy milk", shortlist=[5])
    assert result["index"] is None


def test_the_only_button_of_an_item_is_not_an_edit_button() -> None:
    assert ask("edit button", TODOS, item="pay rent")["index"] is None


def test_exact_link_beats_containing_button_for_a_filter() -> None:
    page = [
        fp("a", "link", "All", attributes={"href": "#/"}),
        fp("a", "link", "Completed", attributes={"href": "#/completed"}),
        fp("button", "button", "Clear completed"),
    ]
    assert ask("Completed filter", page)["index"] == 1


def test_a_key_press_needs_a_field_not_a_heading() -> None:
    page = [fp("h1", "heading", "Tasks"), fp("input", "textbox", editable=True)]
    result = ask("task field", page, "press")
    assert result["index"] == 1
    assert "not an editable field" in next(c["why"] for c in result["closest"] if c["index"] == 0)


def test_ordinals_count_equal_matches_in_page_order() -> None:
    buttons = [fp("button", "button", "Remove") for _ in range(3)]
    assert ask("remove button", buttons)["index"] is None
    assert ask("remove button", buttons, ordinal=2)["index"] == 1
    assert ask("remove button", buttons, ordinal=-1)["index"] == 2
    assert ask("remove button", buttons, ordinal=4)["index"] is None


@pytest.mark.parametrize(
    ("asked", "name", "extra"),
    [
        ("create account", "Create account for a friend", "for a friend"),
        ("log in", "Sign in with Google", "with google"),
        ("delete", "Delete all", "all"),
        ("completed", "Clear completed", "clear"),
        ("products", "All products", None),
        ("log in", "Log in to your account", None),
        ("add to cart", "Add to cart →", None),
        ("checkout", "Checkout (3)", None),
        ("save", "Save now", None),
        ("log in", "Log in to win a prize", "win a prize"),
        ("orders", "Orders (12)", None),
    ],
)
def test_which_extra_words_change_the_meaning(asked: str, name: str, extra: str | None) -> None:
    assert _meaning_changing_extra(asked, RankedCandidate(0, 80, "", True, None, False, name)) == (
        extra
    )


def test_containment_with_meaning_is_refused_unless_lenient() -> None:
    page = [fp("h2", "heading", "Accounts"), fp("button", "button", "Create account for a friend")]
    refused = ask("create account button", page)
    assert refused["index"] is None
    assert "Create account for a friend" in refused["reasons"][0]
    assert "TESTABLE_LOCAL_LENIENT" in refused["reasons"][0]
    lenient = LocalResolver(ResolverSettings(local_lenient=True))
    request = ResolveRequest(
        instruction="click the create account button",
        target="create account button",
        action={"method": "click"},
        candidates=page,
        shortlist=None,
    )
    accepted = lenient.decide(request)
    assert accepted["index"] == 1
    assert "matched by containment" in (accepted.get("containment") or "")


def test_a_whole_table_is_never_clicked_and_numbers_are_specific() -> None:
    page = [
        fp("a", "link", "Orders", attributes={"href": "/orders"}),
        fp("table", "table", text="Order Customer Total #1051 Maria #1042 Olivia"),
        fp("a", "link", "#1042", attributes={"href": "/orders/1042"}),
        fp("a", "link", "#1051", attributes={"href": "/orders/1051"}),
    ]
    result = ask("order #1042", page)
    assert result["index"] == 2
    assert "whole table" in next(c["why"] for c in result["closest"] if c["index"] == 1)


def test_a_box_one_ticks_is_a_checkbox() -> None:
    page = [
        fp("input", "textbox", "Newsletter e-mail", editable=True),
        fp("input", "checkbox", "Send me the newsletter"),
    ]
    assert ask("newsletter box", page, "check")["index"] == 1


def test_a_row_holding_its_own_controls_is_not_clicked() -> None:
    page = [
        fp("tr", "row", text="#1044 Olivia Brown Paid Edit Remove", xpath="/html/body/table/tr[1]"),
        fp(
            "a",
            "link",
            "Edit",
            attributes={"href": "/e/1044"},
            xpath="/html/body/table/tr[1]/td[5]/a[1]",
        ),
        fp("tr", "row", text="#1045 Chen Wei Paid Edit Remove", xpath="/html/body/table/tr[2]"),
        fp(
            "a",
            "link",
            "Edit",
            attributes={"href": "/e/1045"},
            xpath="/html/body/table/tr[2]/td[5]/a[1]",
        ),
    ]
    result = ask("edit page for Olivia Brown's order", page)
    assert result["index"] != 0
    assert "holding its own controls" in next(
        c["why"] for c in result["closest"] if c["index"] == 0
    )


def test_the_one_control_that_opens_a_menu_is_the_user_menu() -> None:
    header = [
        fp("a", "link", "Orders", attributes={"href": "/orders"}),
        fp("summary", "button", "Sam Admin ▾"),  # <details class="user-menu"><summary>
    ]
    chosen = ask("user menu", header)
    assert chosen["index"] == 1
    assert "opens a menu" in chosen["reasons"][0]
    icon = [
        fp("a", "link", "Reports", attributes={"href": "/reports"}),
        fp("button", "button", "Account", text="SA", attributes={"aria-haspopup": "menu"}),
    ]
    assert ask("user menu", icon)["index"] == 1
    # in a named region too, when no element there shows the asked words
    in_header = [
        fp("a", "link", "Orders", parents=[{"tag": "header"}]),
        fp("summary", "button", "Sam Admin ▾", parents=[{"tag": "header"}]),
        fp("button", "button", "Search", parents=[{"tag": "main"}]),
    ]
    assert ask("user menu", in_header, region="header")["index"] == 1
    # two menus: which one is not said
    both = [*header, fp("button", "button", "Help", attributes={"aria-haspopup": "true"})]
    assert ask("user menu", both)["index"] is None


def test_a_search_box_is_the_filter_field() -> None:
    board = [
        fp("input", "textbox", "+ New task", editable=True),
        fp("input", "searchbox", "Search the board", editable=True),
        fp("input", "textbox", "+ New task", editable=True),
    ]
    for target in ("filter", "filter field", "filter box"):
        assert ask(target, board, "fill")["index"] == 1, target


def test_the_one_field_of_the_asked_kind_in_a_named_region() -> None:
    lanes = [
        fp(
            "input",
            "textbox",
            "+ New task",
            editable=True,
            neighbour_text="To do",
            parents=[{"tag": "div", "classes": ["lane"]}],
        ),
        fp(
            "input",
            "textbox",
            "+ New task",
            editable=True,
            neighbour_text="In progress",
            parents=[{"tag": "div", "classes": ["lane"]}],
        ),
    ]
    chosen = ask("add card field", lanes, "type", region="To do")
    assert chosen["index"] == 0
    assert "the only textbox in the To do" in chosen["reasons"][0]
