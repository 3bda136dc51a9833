"""Cache keys: instruction and route normalisation, element_key, near-identical reuse."""

from __future__ import annotations

import pytest

from backend.cache.keys import (
    NEAR_IDENTICAL_THRESHOLD,
    element_key,
    instruction_similarity,
    normalise_instruction,
    normalise_route,
)
from backend.cache.synonyms import canonical_tokens, contradicts


def test_instruction_is_lower_cased_and_filler_dropped() -> None:
    assert normalise_instruction("  Please   CLICK the   Login Button ") == "click login button"


def test_press_tap_and_click_share_one_action_class() -> None:
    forms = {
        normalise_instruction(f"{verb} the login button") for verb in ("press", "tap", "click")
    }
    assert forms == {"click login button"}


def test_log_in_and_sign_in_share_one_key() -> None:
    assert normalise_instruction("click Log In") == normalise_instruction("click sign-in")


def test_typed_values_are_not_part_of_the_key() -> None:
    bob = normalise_instruction('type "bob@example.com" into the email field')
    alice = normalise_instruction("type 'alice@example.com' in the e-mail field")
    variable = normalise_instruction("fill the email field with %user_email%")
    assert bob == alice == variable == "fill email textbox"
    assert "bob" not in bob


def test_selected_option_is_not_part_of_the_key() -> None:
    assert normalise_instruction('select "Red" from the colour dropdown') == normalise_instruction(
        'choose "Blue" from the color dropdown'
    )


def test_quoted_text_of_a_click_is_the_target() -> None:
    assert normalise_instruction('click "Sign up"') == "click signup"
    assert normalise_instruction('click "Sign up"') != normalise_instruction('click "Sign in"')


def test_press_a_key_is_not_a_click() -> None:
    assert normalise_instruction("press Enter") == "press enter"


def test_instruction_normalisation_is_idempotent() -> None:
    for text in ('type "x" in email', "press the Log In button", "the product prices", "press Tab"):
        once = normalise_instruction(text)
        assert normalise_instruction(once) == once


@pytest.mark.parametrize(
    ("url", "route"),
    [
        ("https://shop.test/orders/8123/items?b=2&a=x#top", "/orders/:id/items?a=:v&b=:v"),
        ("http://localhost:3000/products/blue-shirt-123/", "/products/:id"),
        ("/users/550e8400-e29b-41d4-a716-446655440000/edit", "/users/:id/edit"),
        ("/api/v2/users", "/api/v2/users"),
        ("/files/9f86d081884c7d659a2feaa0c55ad015", "/files/:id"),
        ("/reports/2024-05-01", "/reports/:id"),
        ("https://app.test/#/orders/77", "/#/orders/:id"),
        ("/login", "/login"),
    ],
)
def test_route_normalisation(url: str, route: str) -> None:
    assert normalise_route(url) == route
    assert normalise_route(route) == route


def test_route_keeps_words_that_look_like_hex() -> None:
    assert normalise_route("/cafe/facade") == "/cafe/facade"


def test_element_key_is_stable_and_normalises_its_inputs() -> None:
    raw = element_key("p1", "main", "Press the Log in button", "https://a.test/u/42?x=1", "")
    normalised = element_key("p1", "main", "click login button", "/u/:id?x=:v", "")
    assert raw == normalised
    assert len(raw) == 40


def test_element_key_separates_projects_scopes_routes_and_frames() -> None:
    base = ("p1", "main", "click login", "/login", "")
    keys = {
        element_key(*base),
        element_key("p2", *base[1:]),
        element_key("p1", "feature-x", *base[2:]),
        element_key("p1", "main", "click login", "/signup", ""),
        element_key("p1", "main", "click login", "/login", "iframe[name=pay]"),
    }
    assert len(keys) == 5


def test_near_identical_instructions_are_similar() -> None:
    assert instruction_similarity("press the login button", "click the login button") == 1.0
    assert (
        instruction_similarity("add the item to the basket", "add the item to the cart")
        >= NEAR_IDENTICAL_THRESHOLD
    )


def test_sign_in_and_sign_up_are_not_similar() -> None:
    assert instruction_similarity("click sign in", "click sign up") < 0.3


def test_first_and_second_are_not_similar() -> None:
    assert instruction_similarity("click the first product", "click the second product") == 0.0


def test_extra_target_words_fall_below_the_threshold() -> None:
    assert instruction_similarity("click log in", "click log in with google") < (
        NEAR_IDENTICAL_THRESHOLD
    )


def test_different_action_classes_are_not_reused() -> None:
    assert instruction_similarity("click the email field", "type in the email field") < (
        NEAR_IDENTICAL_THRESHOLD
    )


def test_canonical_tokens_merge_phrases_and_synonyms() -> None:
    assert canonical_tokens("Please sign in to your basket") == ["login", "to", "cart"]
    assert canonical_tokens("loginButton") == ["login", "button"]
    assert canonical_tokens(" ".join(canonical_tokens("Log out now"))) == canonical_tokens(
        "Log out now"
    )


def test_contradictions_are_named() -> None:
    assert contradicts({"login"}, {"signup"}) is not None
    assert contradicts({"cancel"}, {"confirm"}) is not None
    assert contradicts({"login", "button"}, {"login"}) is None
