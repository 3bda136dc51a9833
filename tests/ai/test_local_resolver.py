"""The offline resolver on hand-made candidate lists."""

from __future__ import annotations

from backend.ai.local import LocalResolver
from backend.ai.settings import ResolverSettings
from tests.ai.helpers import fp, request

resolver = LocalResolver(ResolverSettings())

AUTH = [
    fp("button", "button", "Sign up"),
    fp("button", "button", "Log in"),
    fp("a", "link", "Forgot password?", attributes={"href": "/reset"}),
]


def test_login_button_is_log_in_not_sign_up() -> None:
    result = resolver.decide(request("the login button", AUTH))
    assert result["index"] == 1
    assert result["confidence"] >= 90


def test_sign_in_means_log_in() -> None:
    assert resolver.decide(request("sign in", AUTH))["index"] == 1


def test_register_means_sign_up() -> None:
    assert resolver.decide(request("the register button", AUTH))["index"] == 0


def test_sign_up_is_contradicted_and_named_in_the_failure() -> None:
    # Only "Sign up" is on the page: it must not be taken for "sign in".
    only_signup = [AUTH[0], AUTH[2]]
    result = resolver.decide(request("sign in", only_signup))
    assert result["index"] is None
    assert '"sign in" is not "Sign up"' in result["reasons"][0]
    assert result["closest"][0]["index"] == 0
    assert '"sign in" is not "Sign up"' in result["closest"][0]["why"]


def test_basket_is_cart() -> None:
    shop = [
        fp("a", "link", "Home", attributes={"href": "/"}),
        fp("button", "button", "Add to basket"),
        fp("button", "button", "Remove"),
    ]
    assert resolver.decide(request("the add to cart button", shop))["index"] == 1


def test_add_is_not_remove() -> None:
    shop = [fp("button", "button", "Remove from cart"), fp("a", "link", "Help")]
    result = resolver.decide(request("add to cart", shop))
    assert result["index"] is None
    assert "is not" in result["closest"][0]["why"]


def test_next_is_not_previous() -> None:
    pager = [fp("button", "button", "Previous"), fp("button", "button", "Next")]
    assert resolver.decide(request("the next button", pager))["index"] == 1
    result = resolver.decide(request("the next button", pager[:1]))
    assert result["index"] is None


def test_cancel_is_not_confirm() -> None:
    dialog = [fp("button", "button", "Confirm")]
    assert resolver.decide(request("cancel", dialog))["index"] is None


def test_label_match_for_a_field() -> None:
    form = [
        fp("input", "textbox", label="E-mail address", editable=True),
        fp("input", "textbox", label="Password", editable=True),
    ]
    assert resolver.decide(request("the email field", form, "fill"))["index"] == 0
    assert resolver.decide(request("password", form, "fill"))["index"] == 1


def test_placeholder_match_for_an_unlabelled_field() -> None:
    form = [
        fp("input", "textbox", attributes={"placeholder": "First name"}, editable=True),
        fp("input", "textbox", attributes={"placeholder": "Surname"}, editable=True),
    ]
    assert resolver.decide(request("last name", form, "fill"))["index"] == 1
    assert resolver.decide(request("first name", form, "fill"))["index"] == 0


def test_test_id_match() -> None:
    toolbar = [
        fp("button", "button", attributes={"data-testid": "save-draft"}),
        fp("button", "button", attributes={"data-testid": "publishPost"}),
    ]
    assert resolver.decide(request("publish post", toolbar))["index"] == 1


def test_abstains_on_a_tie_and_names_both() -> None:
    rows = [fp("button", "button", "Delete"), fp("button", "button", "Delete")]
    result = resolver.decide(request("the delete button", rows))
    assert result["index"] is None
    assert "#0" in result["reasons"][0]
    assert "#1" in result["reasons"][0]


def test_abstains_when_nothing_matches() -> None:
    result = resolver.decide(request("the checkout button", AUTH))
    assert result["index"] is None
    assert result["closest"], "the failure names the closest candidates"


def test_shortlist_is_respected() -> None:
    rows = [fp("button", "button", "Delete"), fp("button", "button", "Delete")]
    result = resolver.decide(request("the delete button", rows, shortlist=[1]))
    assert result["index"] == 1
    assert [c["index"] for c in result["closest"]] == [1]


def test_shortlist_without_the_best_candidate_abstains() -> None:
    result = resolver.decide(request("the login button", AUTH, shortlist=[0, 2]))
    assert result["index"] is None
    assert all(c["index"] in (0, 2) for c in result["closest"])


def test_fill_needs_an_editable_field() -> None:
    page = [
        fp("button", "button", "Search"),
        fp("input", "searchbox", "Search", editable=True),
    ]
    assert resolver.decide(request("search", page, "fill"))["index"] == 1
    result = resolver.decide(request("search", page[:1], "fill"))
    assert result["index"] is None
    assert "not an editable field" in result["closest"][0]["why"]


def test_select_needs_a_select_or_combobox() -> None:
    page = [
        fp("input", "textbox", label="Country", editable=True),
        fp("select", "combobox", label="Country"),
    ]
    assert resolver.decide(request("country", page, "select"))["index"] == 1


def test_check_needs_a_checkbox_or_radio() -> None:
    page = [
        fp("a", "link", "Terms and conditions", attributes={"href": "/terms"}),
        fp("input", "checkbox", "I accept the terms", attributes={"type": "checkbox"}),
    ]
    assert resolver.decide(request("the terms", page, "check"))["index"] == 1


def test_role_word_prefers_the_named_role() -> None:
    page = [
        fp("a", "link", "Pricing", attributes={"href": "/pricing"}),
        fp("button", "button", "Pricing"),
    ]
    assert resolver.decide(request("the pricing button", page))["index"] == 1
    assert resolver.decide(request("the pricing link", page))["index"] == 0


def test_role_word_alone_picks_the_only_element_of_that_kind() -> None:
    page = [
        fp("button", "button", "Save"),
        fp("input", "checkbox", "Remember me", attributes={"type": "checkbox"}),
    ]
    assert resolver.decide(request("the checkbox", page, "check"))["index"] == 1


def test_quoted_values_and_placeholders_are_not_matched() -> None:
    form = [
        fp("input", "textbox", label="Email", editable=True),
        fp("input", "textbox", label="Name", editable=True),
    ]
    result = resolver.decide(
        request('"Name" into the email field', form, "fill", instruction="fill %name% into email")
    )
    assert result["index"] == 0


def test_ranking_is_deterministic() -> None:
    rows = [fp("button", "button", "Delete"), fp("button", "button", "Delete")]
    first = resolver.rank(request("delete", rows))
    second = resolver.rank(request("delete", rows))
    assert first == second
    assert [r.index for r in first] == [0, 1]


async def test_resolve_is_the_async_entry_point() -> None:
    result = await resolver.resolve(request("the login button", AUTH), None)
    assert result["index"] == 1
    assert result["action"] == {"method": "click"}


def test_an_exact_name_outranks_one_that_merely_contains_the_words() -> None:
    """ "Log in" is the log in button; "Log in to your account" only mentions it. In either
    order on the page, the exact one wins by more than the deciding margin."""
    exact = fp("button", "button", "Log in")
    longer = fp("button", "button", "Log in to your account")
    for candidates, wanted in (([longer, exact], 1), ([exact, longer], 0)):
        result = resolver.decide(request("the log in button", candidates))
        assert result["index"] == wanted, result["reasons"]
    ranked = resolver.rank(
        request(
            "the products link",
            [
                fp("a", "link", "All products", attributes={"href": "/products"}),
                fp("a", "link", "Products", attributes={"href": "/products"}),
            ],
        )
    )
    assert [r.index for r in ranked] == [1, 0]
    assert ranked[0].score - ranked[1].score >= ResolverSettings().local_min_margin


def test_a_name_containing_the_words_is_still_chosen_when_it_is_the_only_one() -> None:
    page = [fp("button", "button", "Log in to your account"), fp("button", "button", "Help")]
    assert resolver.decide(request("the log in button", page))["index"] == 0
