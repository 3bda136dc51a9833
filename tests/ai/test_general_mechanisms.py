"""General mechanisms of the offline resolver and the grammar, found on apps written after
the resolver (examples/apps held-out group: clinic_booking, bank_payees, travel_search),
each reproduced here without any of those apps' words being special. The same mechanisms
run in real Chromium in tests/examples/test_general_mechanisms_browser.py."""

from __future__ import annotations

from typing import Any, cast

import pytest

from backend.ai.base import ResolveRequest
from backend.ai.local import LocalResolver
from backend.cache.instructions import InstructionParseError, understand
from backend.cache.records import ActionSpec, Fingerprint

from .helpers import fp

resolver = LocalResolver()


def ask(
    target: str,
    candidates: list[Fingerprint],
    method: str = "click",
    argument: str | None = None,
    **extra: Any,
) -> Any:
    request = ResolveRequest(
        instruction=f"{method} {target}",
        target=target,
        action=cast(ActionSpec, {"method": method, "argument": argument}),
        candidates=candidates,
        shortlist=extra.pop("shortlist", None),
    )
    request.update(extra)  # type: ignore[typeddict-item]
    return resolver.decide(request)


# --- grammar ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instruction", "method", "target", "item", "verb"),
    [
        # a verb the grammar does not know, on a row named by a Capitalised name
        ("reschedule the appointment with Dr. Ito", "click", "reschedule", "Dr. Ito", "reschedule"),
        (
            "please cancel the Dr. Moreau appointment as well",
            "click",
            "cancel",
            "Dr. Moreau",
            "cancel",
        ),
        ("now pay 'Jonas Weber'", "click", "pay", "Jonas Weber", "pay"),
        ("archive the 'Q3 report' document", "click", "archive", "Q3 report", "archive"),
        # … or on the page: the control saying the verb
        ("save the new payee", "click", "save new payee", None, "save"),
        ("go ahead and send the money", "click", "send money", None, "send"),
        ("save the new time for that appointment", "click", "save new time", None, "save"),
    ],
)
def test_a_verb_the_grammar_does_not_know_is_the_control_that_says_it(
    instruction: str, method: str, target: str, item: str | None, verb: str
) -> None:
    understood = understand(instruction)
    assert (understood.method, understood.target, understood.item, understood.verb) == (
        method,
        target,
        item,
        verb,
    )


@pytest.mark.parametrize(
    "instruction", ["dance with the login button", "verify the total", "clik the save button"]
)
def test_what_is_not_a_domain_verb_stays_not_understood(instruction: str) -> None:
    with pytest.raises(InstructionParseError):
        understand(instruction)


@pytest.mark.parametrize(
    ("instruction", "method", "target", "value"),
    [
        ("fill in 'Jonas Weber' as the payee's name", "fill", "payee's name", "Jonas Weber"),
        ("put 'Ana Lima' in as the patient's name", "fill", "patient's name", "Ana Lima"),
        ("enter '120.50' as the amount", "fill", "amount", "120.50"),
        ("start by typing 'Paris' as the departure city", "type", "departure city", "Paris"),
        ("pick 'Tue 14:30' as the new time", "select", "new time", "Tue 14:30"),
        ("paste the IBAN %iban% into the IBAN box", "fill", "IBAN box", "%iban%"),
        # "sort by" is the name of the list, not "next to 'list'"
        ("pick 'Price (lowest first)' in the sort by list", "select", "sort by list", None),
        # the box named first is the field
        ("in the reason for visit box, write 'Knee pain'", "fill", "reason for visit box", None),
    ],
)
def test_value_as_the_field_and_other_field_forms(
    instruction: str, method: str, target: str, value: str | None
) -> None:
    understood = understand(instruction)
    assert (understood.method, understood.target, understood.near) == (method, target, None)
    if value is not None:
        assert understood.value == value


@pytest.mark.parametrize(
    ("instruction", "target", "item"),
    [
        # any noun after a quoted or Capitalised name is the item's kind: no list of nouns
        ("Click the Select button on the 'TAP TP1351' result", "Select button", "TAP TP1351"),
        ("click the Pay button in the Jonas Weber row", "Pay button", "Jonas Weber"),
        ("click select on the TAP flight", "select", "TAP"),
        ("remove the payee 'Old Landlord', we moved out", "remove button", "Old Landlord"),
        ("mark the 'call mom' chore as done", "checkbox", "call mom"),
    ],
)
def test_items_are_named_by_a_name_and_any_kind_noun(
    instruction: str, target: str, item: str
) -> None:
    understood = understand(instruction)
    assert (understood.target, understood.item) == (target, item)


# --- resolver ---------------------------------------------------------------------------


def test_a_domain_verb_only_takes_a_control_that_says_it() -> None:
    def row(n: int, who: str) -> list[Fingerprint]:
        base = f"/html/body/table/tbody/tr[{n}]"
        text = f"{who} Mon 10:00 Reschedule Cancel"
        return [
            fp("td", "cell", text=who, container_text=text, xpath=f"{base}/td[1]"),
            fp("button", "button", "Reschedule", container_text=text, xpath=f"{base}/td[3]/b[1]"),
            fp("button", "button", "Cancel", container_text=text, xpath=f"{base}/td[3]/b[2]"),
        ]

    page = row(1, "Dr. Ito") + row(2, "Dr. Moreau")
    result = ask("reschedule", page, item="Dr. Ito", verb="reschedule")
    assert result["index"] == 1
    # nothing in the row says "postpone": refused, never the row's other button
    refused = ask("postpone", page, item="Dr. Ito", verb="postpone")
    assert refused["index"] is None


def test_a_qualifier_that_changes_meaning_lets_the_other_control_win() -> None:
    page = [
        fp("button", "button", "Confirm booking", attributes={"type": "submit"}),
        fp("button", "button", "Book for a family member", attributes={"type": "submit"}),
    ]
    result = ask("book appointment", page)
    assert result["index"] == 0
    assert any("passed over" in r and "family member" in r for r in result["reasons"])
    # alone, the qualified control is still refused, naming it
    alone = ask("book appointment", page[1:])
    assert alone["index"] is None
    assert "family member" in alone["reasons"][0]


@pytest.mark.parametrize(
    ("asked", "names", "chosen"),
    [
        # a name joining another thing or action is not the asked control
        ("save payee", ["Save", "Save and pay", "Import payees"], 0),
        ("search flights", ["Search", "Search hotels & flights"], 0),
        # a time qualifier changes what "send" does
        ("send money", ["Send now", "Send later"], 0),
        # a related word restates, it does not qualify: "New payee" is the "add payee" button
        ("add payee", ["+ New payee"], 0),
    ],
)
def test_joined_and_timed_names_are_not_the_asked_control(
    asked: str, names: list[str], chosen: int | None
) -> None:
    page = [fp("button", "button", name) for name in names]
    assert ask(asked, page)["index"] == chosen


def test_a_quoted_name_is_the_asked_words_for_the_containment_rule() -> None:
    page = [fp("button", "button", "+ New payee"), fp("h2", "heading", "Payees")]
    assert ask("'Add payee' button", page)["index"] == 0


def test_a_heading_is_not_clicked_when_a_control_also_matches() -> None:
    page = [
        fp("h2", "heading", "Send money"),
        fp("button", "button", "Send now"),
        fp("button", "button", "Close"),
    ]
    result = ask("send money", page)
    assert result["index"] is None
    assert "heading" in result["reasons"][0]


def test_a_name_of_small_words_is_matched() -> None:
    page = [
        fp("input", "textbox", "From", editable=True),
        fp("input", "textbox", "To", editable=True),
    ]
    assert ask("To field", page, "fill")["index"] == 1
    assert ask("From field", page, "fill")["index"] == 0


def test_the_only_dropdown_holding_the_asked_option() -> None:
    page = [
        fp("select", "combobox", "Practitioner", xpath="/html/body/form/select[1]"),
        fp("option", "option", text="Dr. Ito", xpath="/html/body/form/select[1]/option[1]"),
        fp("select", "combobox", "Available slots", xpath="/html/body/div/select[1]"),
        fp("option", "option", text="Tue 14:30", xpath="/html/body/div/select[1]/option[1]"),
    ]
    result = ask("new time dropdown", page, "select", argument="Tue 14:30")
    assert result["index"] == 2
    assert any('only dropdown with an option "Tue 14:30"' in r for r in result["reasons"])
    # both lists offering it: no evidence, refused
    page.append(
        fp("option", "option", text="Tue 14:30", xpath="/html/body/form/select[1]/option[2]")
    )
    assert ask("new time dropdown", page, "select", argument="Tue 14:30")["index"] is None


def test_the_only_field_any_asked_word_points_to() -> None:
    page = [
        fp("input", "textbox", "Full name", editable=True),
        fp(
            "textarea",
            "textbox",
            "",
            editable=True,
            attributes={"placeholder": "Tell us why you're coming in"},
            neighbour_text="About your visit",
        ),
    ]
    result = ask("reason for visit field", page, "fill")
    assert result["index"] == 1
    assert any("any asked word points to" in r for r in result["reasons"])
    # two fields pointed to: no such evidence
    page[0]["neighbour_text"] = "Visit details"
    assert ask("reason for visit field", page, "fill")["index"] is None


def test_a_label_wrapping_a_dropdown_is_not_clicked() -> None:
    page = [
        fp("label", "", text="Priority AllLowNormalHigh", xpath="/html/body/div/label[1]"),
        fp("select", "combobox", "Priority", xpath="/html/body/div/label[1]/select[1]"),
        fp("input", "radio", "High", attributes={"type": "radio"}, xpath="/html/body/form/i[1]"),
    ]
    result = ask("High priority", page)
    assert result["index"] != 0


def test_an_item_fallback_never_takes_the_items_own_title() -> None:
    page = [
        fp("div", "", text="Printer jammed on 3rd floor", xpath="/html/body/div[1]/div[1]"),
        fp("button", "button", "Take", xpath="/html/body/div[1]/button[1]"),
    ]
    result = ask("assign to me", page, item="Printer jammed on 3rd floor")
    assert result["index"] is None
    assert "nothing there says" in result["reasons"][0]


def test_close_a_quoted_item_is_its_close_control() -> None:
    understood = understand("the VPN issue is fixed, close 'VPN drops every hour'")
    assert (understood.method, understood.target, understood.item, understood.verb) == (
        "click",
        "close",
        "VPN drops every hour",
        "close",
    )
    assert understand("close the dialog").region == "dialog"


def test_a_domain_verb_is_never_a_click_on_a_field() -> None:
    page = [
        fp("select", "combobox", "Filter by priority"),
        fp("input", "textbox", "Find a ticket", editable=True),
    ]
    assert ask("filter list down to high priority", page, verb="filter")["index"] is None


def test_the_only_element_with_evidence_is_for_field_actions_only() -> None:
    near = "Any priority Low Normal High"
    page = [
        fp("input", "textbox", "Find a ticket", editable=True, neighbour_text=near),
        fp("select", "combobox", "Filter by priority", neighbour_text="Priority"),
        fp("button", "button", "Bulk close", neighbour_text="Priority"),
    ]
    # a click in a region: the one element with a stray word nearby is no evidence
    result = ask("High", page, region="priority filter")
    assert result["index"] is None or result["index"] != 0
