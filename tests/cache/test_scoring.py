"""verify(): layer scores, unknown fields, history and age, bands and identity caps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backend.cache.records import ElementStats, Fingerprint
from backend.cache.scoring import band_for, verify


def login_button(**changes: object) -> Fingerprint:
    fp: dict[str, object] = {
        "tag": "button",
        "role": "button",
        "name": "Log in",
        "text": "Log in",
        "attributes": {"id": "login", "type": "submit", "class": "btn btn-primary"},
        "neighbour_text": "Password | Welcome back",
        "parents": [{"tag": "div", "classes": ["actions"]}, {"tag": "form", "id": "login-form"}],
        "xpath": "/html[1]/body[1]/form[1]/div[1]/button[1]",
        "bbox": {"x": 100, "y": 300, "width": 96, "height": 36},
        "styles": {"color": "rgb(255, 255, 255)", "background-color": "rgb(13, 110, 253)"},
        "visible": True,
        "enabled": True,
        "editable": False,
        "frame": "",
    }
    fp.update(changes)
    return fp  # type: ignore[return-value]


def stats(uses: int, successes: int, days_ago: float = 0) -> ElementStats:
    at = (datetime(2025, 1, 31, tzinfo=UTC) - timedelta(days=days_ago)).isoformat()
    return ElementStats(
        uses=uses, successes=successes, failures=uses - successes, last_used_at=at, created_at=at
    )


NOW = datetime(2025, 1, 31, tzinfo=UTC)


def test_unchanged_element_is_used() -> None:
    result = verify(login_button(), login_button(), now=NOW)
    assert result["band"] == "use"
    assert result["score"] == 100.0


def test_missing_field_is_unknown_not_mismatch() -> None:
    partial = login_button()
    del partial["styles"]
    del partial["bbox"]
    result = verify(login_button(), partial, now=NOW)
    assert result["score"] == 100.0
    assert result["scores"]["unknown"] == ["visual"]


def test_layer_with_no_known_field_holds_the_known_mean() -> None:
    scores = verify({"tag": "button", "name": "A"}, {"tag": "button", "name": "B"})["scores"]
    assert scores["unknown"] == ["visual", "context"]
    assert scores["visual"] == scores["context"]


def test_layers_are_weighted_30_25_25_20() -> None:
    moved = login_button(bbox={"x": 700, "y": 900, "width": 96, "height": 36})
    scores = verify(login_button(), moved, now=NOW)["scores"]
    assert scores["visual"] < 100
    assert scores["structural"] == scores["behavioural"] == scores["context"] == 100


def test_renamed_id_is_still_used() -> None:
    renamed = login_button(attributes={"id": "btn-7f3a", "type": "submit", "class": "btn"})
    assert verify(login_button(), renamed, now=NOW)["band"] in {"use", "use_and_verify"}


def test_sign_up_is_never_taken_for_sign_in() -> None:
    other = login_button(name="Sign up", text="Sign up")
    result = verify(login_button(), other, now=NOW)
    assert result["band"] == "heal"
    assert any("opposite" in r for r in result["reasons"])


def test_an_input_is_never_taken_for_a_button() -> None:
    field = login_button(tag="input", role="textbox", attributes={"id": "login", "type": "text"})
    assert verify(login_button(), field, now=NOW)["band"] == "heal"


def test_disagreeing_selectors_force_healing() -> None:
    result = verify(login_button(), login_button(), now=NOW, selectors_agree=False)
    assert result["band"] == "heal"


def test_element_that_became_invisible_is_healed() -> None:
    assert verify(login_button(), login_button(visible=False), now=NOW)["band"] == "heal"


def test_action_the_element_cannot_take_is_healed() -> None:
    result = verify(login_button(), login_button(), now=NOW, action={"method": "fill"})
    assert result["band"] == "heal"


def test_button_in_another_table_row_is_healed() -> None:
    cached = login_button(
        name="Edit",
        text="Edit",
        attributes={"class": "btn"},
        container_text="Alice Smith alice@example.com Admin Edit Delete",
    )
    other_row = login_button(
        name="Edit",
        text="Edit",
        attributes={"class": "btn"},
        container_text="Bob Lee bob@example.com Viewer Edit Delete",
    )
    assert verify(cached, other_row, now=NOW)["band"] == "heal"


def test_clean_history_adds_and_flaky_history_removes_points() -> None:
    slightly_changed = login_button(attributes={"id": "login", "type": "submit", "class": "b"})
    base = verify(slightly_changed, login_button(), now=NOW)["score"]
    good = verify(slightly_changed, login_button(), stats=stats(20, 20), now=NOW)["score"]
    flaky = verify(slightly_changed, login_button(), stats=stats(20, 8), now=NOW)["score"]
    assert flaky < base <= good


def test_old_entries_decay() -> None:
    fresh = verify(login_button(), login_button(), stats=stats(5, 5, days_ago=1), now=NOW)
    stale = verify(login_button(), login_button(), stats=stats(5, 5, days_ago=60), now=NOW)
    assert stale["score"] < fresh["score"]
    assert any("age" in r for r in stale["reasons"])


def test_band_thresholds() -> None:
    assert band_for(100) == band_for(90) == "use"
    assert band_for(89.99) == band_for(70) == "use_and_verify"
    assert band_for(69.99) == band_for(0) == "heal"


def test_moved_and_restyled_element_is_used_and_verified() -> None:
    changed = login_button(
        attributes={"id": "login", "type": "submit", "class": "button-main"},
        bbox={"x": 400, "y": 500, "width": 120, "height": 40},
        styles={"color": "rgb(0, 0, 0)", "background-color": "rgb(240, 240, 240)"},
        xpath="/html[1]/body[1]/main[1]/form[1]/div[2]/button[1]",
    )
    assert verify(login_button(), changed, now=NOW)["band"] == "use_and_verify"


def test_plural_and_singular_labels_share_their_words() -> None:
    from backend.cache.synonyms import canonical_tokens

    assert canonical_tokens("Apply filters") == ["apply", "filter"]
    assert canonical_tokens("Filter") == ["filter"]
    assert canonical_tokens("Categories") == ["category"]
    # timid: -ss/-us endings and short words are left alone
    assert canonical_tokens("status class bus") == ["status", "class", "bus"]


def test_from_and_to_as_prepositions_do_not_contradict() -> None:
    from backend.cache.synonyms import canonical_tokens, contradicts

    def toks(text: str) -> frozenset[str]:
        return frozenset(canonical_tokens(text))

    assert contradicts(toks("Back to products"), toks("Back from products")) is None
    assert contradicts(toks("From date"), toks("To date")) is not None


def test_basket_and_cart_are_the_same_words() -> None:
    from backend.cache.synonyms import canonical_tokens

    assert canonical_tokens("Add to cart: Wireless Mouse") == canonical_tokens(
        "Add to basket: Wireless Mouse"
    )
