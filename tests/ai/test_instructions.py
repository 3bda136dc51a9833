"""The instruction grammar (backend/cache/instructions.py): every phrasing issue #11 lists, the
qualifiers, values and placeholders kept as written, the cache key built from the same
reading, and refusals that name the part not understood."""

from __future__ import annotations

from typing import Any

import pytest

from backend.cache.instructions import InstructionParseError, key_parts, understand
from backend.cache.keys import normalise_instruction


def reading(instruction: str) -> dict[str, Any]:
    u = understand(instruction)
    fields = ("method", "target", "value", "key", "variant", "item", "region", "near")
    out = {name: getattr(u, name) for name in fields if getattr(u, name) is not None}
    if not out.get("target"):
        out.pop("target", None)
    for name in ("ordinal", "destination", "new_value"):
        if getattr(u, name) is not None:
            out[name] = getattr(u, name)
    return out


@pytest.mark.parametrize(
    ("instruction", "expected"),
    [
        # the forms of issue #11, point 2
        (
            "mark 'pay rent' as completed",
            {"method": "check", "target": "checkbox", "item": "pay rent"},
        ),
        ("mark 'pay rent' as done", {"method": "check", "target": "checkbox", "item": "pay rent"}),
        ("unmark 'pay rent'", {"method": "uncheck", "target": "checkbox", "item": "pay rent"}),
        (
            "mark 'pay rent' as not done",
            {"method": "uncheck", "target": "checkbox", "item": "pay rent"},
        ),
        (
            "choose Germany from the country dropdown",
            {"method": "select", "target": "country dropdown", "value": "Germany"},
        ),
        ("tick the newsletter box", {"method": "check", "target": "newsletter box"}),
        ("untick the newsletter box", {"method": "uncheck", "target": "newsletter box"}),
        ("toggle the dark mode switch", {"method": "click", "target": "dark mode switch"}),
        ("hit submit", {"method": "click", "target": "submit"}),
        (
            "fill in the e-mail with %email%",
            {"method": "fill", "target": "e-mail", "value": "%email%"},
        ),
        ("enter 'x' in search", {"method": "fill", "target": "search", "value": "x"}),
        ("open the user menu", {"method": "click", "target": "user menu"}),
        (
            "close the dialog",
            {"method": "click", "target": "close button", "region": "dialog"},
        ),
        ("go back", {"method": "back"}),
        ("navigate back to the previous page", {"method": "back"}),
        ("scroll to the footer", {"method": "scroll", "target": "footer"}),
        ("clear the search field", {"method": "fill", "target": "search field", "value": ""}),
        (
            "delete 'pay rent'",
            {"method": "click", "target": "delete button", "item": "pay rent"},
        ),
        (
            "edit 'pay rent' to 'pay the rent'",
            {
                "method": "edit",
                "item": "pay rent",
                "value": "pay the rent",
                "new_value": "pay the rent",
            },
        ),
        (
            "double-click the 'pay rent' item",
            {"method": "click", "target": "'pay rent'", "variant": "double"},
        ),
        (
            "right-click the 'pay rent' item",
            {"method": "click", "target": "'pay rent'", "variant": "right"},
        ),
        ("drag 'A' onto 'B'", {"method": "drag", "target": "'A'", "destination": "'B'"}),
        (
            "drag the 'Urgent' card to the 'Done' column",
            {"method": "drag", "target": "'Urgent'", "destination": "'Done' column"},
        ),
        # verbs, filler, word order
        ("please click the Save button", {"method": "click", "target": "Save button"}),
        ("then, now click the Save button, please.", {"method": "click", "target": "Save button"}),
        ("tap on Sign in", {"method": "click", "target": "Sign in"}),
        ("press the log in button", {"method": "click", "target": "log in button"}),
        ("select the Completed filter", {"method": "click", "target": "Completed filter"}),
        ("expand the details section", {"method": "click", "target": "details section"}),
        (
            "type 'pay rent' into the task input",
            {"method": "type", "target": "task input", "value": "pay rent"},
        ),
        (
            'fill the city field with "Paris"',
            {"method": "fill", "target": "city field", "value": "Paris"},
        ),
        (
            'put "10" in the quantity box',
            {"method": "fill", "target": "quantity box", "value": "10"},
        ),
        (
            'select "Red" from the colour list',
            {"method": "select", "target": "colour list", "value": "Red"},
        ),
        (
            'upload "cv.pdf" to the resume input',
            {"method": "upload", "target": "resume input", "value": "cv.pdf"},
        ),
        ("check remember me", {"method": "check", "target": "remember me"}),
        ("hover over the account menu", {"method": "hover", "target": "account menu"}),
        ("press Enter", {"method": "press", "value": "Enter", "key": "Enter"}),
        (
            "press Enter in the task field",
            {"method": "press", "target": "task field", "value": "Enter", "key": "Enter"},
        ),
        (
            "press ctrl+a in the notes",
            {"method": "press", "target": "notes", "value": "Control+a", "key": "Control+a"},
        ),
        ("hit the escape key", {"method": "press", "value": "Escape", "key": "Escape"}),
        # qualifiers
        (
            "click the second delete button",
            {"method": "click", "target": "delete button", "ordinal": 2},
        ),
        ("click the last link", {"method": "click", "target": "link", "ordinal": -1}),
        ("click the 3rd link", {"method": "click", "target": "link", "ordinal": 3}),
        ("click the first name field", {"method": "click", "target": "first name field"}),
        (
            "click the remove button in the Wireless Mouse row",
            {"method": "click", "target": "remove button", "item": "Wireless Mouse"},
        ),
        (
            "click the delete button for 'pay rent'",
            {"method": "click", "target": "delete button", "item": "pay rent"},
        ),
        (
            "click the add to cart button for the Watering Can",
            {"method": "click", "target": "add to cart button", "item": "Watering Can"},
        ),
        (
            "add the blue mug to the cart",
            {"method": "click", "target": "add to cart button", "item": "blue mug"},
        ),
        (
            "remove the Wireless Mouse from the cart",
            {
                "method": "click",
                "target": "remove button",
                "item": "Wireless Mouse",
                "region": "cart",
            },
        ),
        (
            "click the search box in the header",
            {"method": "click", "target": "search box", "region": "header"},
        ),
        ("click the link next to Total", {"method": "click", "target": "link", "near": "Total"}),
        (
            "click the Save button in the billing section",
            {"method": "click", "target": "Save button", "region": "billing"},
        ),
        ('click "Sign up"', {"method": "click", "target": '"Sign up"'}),
    ],
)
def test_each_phrasing_is_understood(instruction: str, expected: dict[str, Any]) -> None:
    assert reading(instruction) == expected


def test_values_and_placeholders_are_kept_exactly() -> None:
    assert understand('type "  Mixed CASE  %x " into the notes').value == "  Mixed CASE  %x "
    assert understand("type %user.name% into the name field").value == "%user.name%"
    assert understand("type “curly” into the name field").value == "curly"


def test_a_placeholder_in_the_element_description_is_refused() -> None:
    with pytest.raises(InstructionParseError, match="not for the element"):
        understand("click the %product% link")


@pytest.mark.parametrize(
    ("instruction", "says"),
    [
        ("dance with the login button", "does not start with a step verb ('dance')"),
        ("clik the login button", "did you mean 'click'"),
        ("drag the slider", "the verb 'drag' is known, but not what follows it"),
        ("", "empty"),
    ],
)
def test_what_is_not_understood_is_named_with_the_closest_form(instruction: str, says: str) -> None:
    with pytest.raises(InstructionParseError) as error:
        understand(instruction)
    assert says in str(error.value)
    assert (
        "drag '<element>' onto '<element>'" in str(error.value) or instruction != "drag the slider"
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # one element, however it is asked for, shares one cache entry
        ("mark 'pay rent' as done", "tick the 'pay rent' checkbox"),
        ("mark 'pay rent' as completed", "unmark 'pay rent'"),
        ("delete 'pay rent'", "click the delete button for 'pay rent'"),
        ("click the remove button in the Wireless Mouse row", "remove the Wireless Mouse"),
        ("hit submit", "please click submit."),
        ('type "a" into the email field', "fill in the e-mail field with %email%"),
        ("clear the search field", 'type "x" into the search field'),
    ],
)
def test_the_cache_key_is_built_from_the_reading(a: str, b: str) -> None:
    assert normalise_instruction(a) == normalise_instruction(b)


@pytest.mark.parametrize(
    "instruction",
    [
        "mark 'pay rent' as done",
        "choose Germany from the country dropdown",
        "press Enter in the task field",
        "click the second delete button",
        "click the link next to Total",
        "select the Completed filter",
        "scroll to the footer",
        "go back",
        "the product prices",
        "edit 'pay rent' to 'pay the rent'",
    ],
)
def test_keys_are_idempotent(instruction: str) -> None:
    once = normalise_instruction(instruction)
    assert normalise_instruction(once) == once


def test_typed_values_never_reach_the_key() -> None:
    assert "secret" not in normalise_instruction('type "secret" into the password field')
    assert "rent" not in key_parts("edit 'pay rent' to 'the new rent'")[1].replace("pay rent", "")


def test_second_and_first_do_not_share_a_key() -> None:
    assert normalise_instruction("click the second delete button") != normalise_instruction(
        "click the first delete button"
    )


@pytest.mark.parametrize(
    ("instruction", "expected"),
    [
        # chatty phrasings: filler, remarks, purpose clauses and where-first sentences
        (
            "go ahead and mark 'pay rent' as done",
            {"method": "check", "target": "checkbox", "item": "pay rent"},
        ),
        (
            "tick the checkbox for 'call mom' as well",
            {"method": "check", "target": "checkbox", "item": "call mom"},
        ),
        ("tick 'call mom'", {"method": "check", "target": "checkbox", "item": "call mom"}),
        (
            "Mark the 'call mom' task as completed",
            {"method": "check", "target": "checkbox", "item": "call mom"},
        ),
        ("switch dark mode on with its toggle", {"method": "check", "target": "dark mode"}),
        (
            "now wipe out whatever is in the name box",
            {"method": "fill", "target": "name box", "value": ""},
        ),
        (
            "now click the link to delete the account, which should ask for confirmation",
            {"method": "click", "target": "link to delete the account"},
        ),
        (
            "changed my mind, close the dialog without deleting anything",
            {"method": "click", "target": "close button", "region": "dialog"},
        ),
        (
            "close the card details again",
            {"method": "click", "target": "close button", "region": "dialog"},
        ),
        (
            "set the status to Shipped in the dropdown",
            {"method": "select", "target": "status dropdown", "value": "Shipped"},
        ),
        (
            "hit the save button to store the new status",
            {"method": "click", "target": "save button"},
        ),
        ("scroll all the way down to the footer", {"method": "scroll", "target": "footer"}),
        ("go back to the search results", {"method": "back"}),
        (
            "hover over 'water plants' and click its delete button",
            {"method": "click", "target": "delete button", "item": "water plants"},
        ),
        (
            "double-click 'buy milk' and change it to 'buy oat milk'",
            {
                "method": "edit",
                "item": "buy milk",
                "value": "buy oat milk",
                "new_value": "buy oat milk",
            },
        ),
        (
            "in the To do column, type 'Write tests' into the box for a new card",
            {
                "method": "type",
                "target": "box for a new card",
                "value": "Write tests",
                "region": "To do",
            },
        ),
        (
            "Press Enter in the To do column's new card field",
            {
                "method": "press",
                "target": "new card field",
                "value": "Enter",
                "key": "Enter",
                "region": "To do",
            },
        ),
        ("hit Enter to add the card", {"method": "press", "value": "Enter", "key": "Enter"}),
        (
            "the logo is finished, so drag 'Design new logo' into Done",
            {"method": "drag", "target": "'Design new logo'", "destination": "Done"},
        ),
        ("open order #1042", {"method": "click", "target": "order #1042"}),
        (
            "now look at just the finished ones by clicking the Completed filter",
            {"method": "click", "target": "Completed filter"},
        ),
        (
            "switch the list to show only the active tasks with the Active filter",
            {"method": "click", "target": "Active filter"},
        ),
        (
            "actually 'call mom' isn't done yet, so untick it",
            {"method": "uncheck", "target": "checkbox", "item": "call mom"},
        ),
        ("click on order #1042 to see its details", {"method": "click", "target": "order #1042"}),
        ("go to the next page of orders", {"method": "click", "target": "next"}),
        (
            "we don't want product updates, so untick that one",
            {"method": "uncheck", "target": "product updates"},
        ),
        (
            "open the edit page for Olivia Brown's order",
            {"method": "click", "target": "edit", "item": "Olivia Brown"},
        ),
        (
            "get rid of Chen Wei's order with the remove button on that row",
            {"method": "click", "target": "remove button", "item": "Chen Wei"},
        ),
        (
            "head back to the orders list using the Orders link up in the header",
            {"method": "click", "target": "Orders link", "region": "header"},
        ),
        (
            "now clear the filter again so every card shows",
            {"method": "fill", "target": "filter", "value": ""},
        ),
        (
            "click Edit for Olivia Brown",
            {"method": "click", "target": "Edit", "item": "Olivia Brown"},
        ),
    ],
)
def test_chatty_phrasings_are_understood(instruction: str, expected: dict[str, Any]) -> None:
    assert reading(instruction) == expected


def test_two_steps_in_one_sentence_are_refused() -> None:
    with pytest.raises(InstructionParseError, match="several steps in one"):
        understand("type 'x' into the name field and click the save button")
