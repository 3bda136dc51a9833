"""relocate(): healing that never accepts a wrong element."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import cast

from backend.cache.records import Fingerprint
from backend.cache.relocate import relocate


def element(
    name: str,
    *,
    id: str | None = None,
    x: float = 100,
    y: float = 300,
    width: float = 96,
    tag: str = "button",
    neighbour: str = "Password | Welcome back",
    xpath: str = "/html[1]/body[1]/form[1]/div[1]/button[1]",
    **extra: object,
) -> Fingerprint:
    attributes = {"type": "button", "class": "btn btn-primary"}
    if id is not None:
        attributes["id"] = id
    fp: dict[str, object] = {
        "tag": tag,
        "role": "button" if tag == "button" else "link",
        "name": name,
        "text": name,
        "attributes": attributes,
        "neighbour_text": neighbour,
        "parents": [{"tag": "div", "classes": ["actions"]}, {"tag": "form", "id": "login-form"}],
        "xpath": xpath,
        "bbox": {"x": x, "y": y, "width": width, "height": 36},
        "visible": True,
        "enabled": True,
        "editable": False,
    }
    fp.update(extra)
    return fp  # type: ignore[return-value]


def page_noise() -> list[Fingerprint]:
    return [
        element("Home", tag="a", x=10, y=10, neighbour="", xpath="/html[1]/body[1]/nav[1]/a[1]"),
        element(
            "Forgot password?", tag="a", x=220, y=300, xpath="/html[1]/body[1]/form[1]/div[1]/a[1]"
        ),
        element(
            "Search",
            id="search",
            x=600,
            y=10,
            neighbour="",
            xpath="/html[1]/body[1]/nav[1]/button[1]",
        ),
    ]


CACHED = element("Log in", id="login-button")


def test_unchanged_element_is_accepted() -> None:
    answer = relocate(CACHED, [*page_noise(), CACHED])
    assert answer["decision"] == "accept"
    assert answer["index"] == 3


def test_renamed_id_is_still_accepted() -> None:
    renamed = element("Log in", id="btn-7f3a")
    answer = relocate(CACHED, [*page_noise(), renamed])
    assert (answer["decision"], answer["index"]) == ("accept", 3)


def test_reworded_synonym_with_same_id_is_accepted() -> None:
    reworded = element("Sign in", id="login-button")
    answer = relocate(CACHED, [*page_noise(), reworded])
    assert (answer["decision"], answer["index"]) == ("accept", 3)


def test_moved_element_is_accepted() -> None:
    moved = element(
        "Log in", id="login-button", x=500, y=700, xpath="/html[1]/body[1]/form[1]/div[2]/button[1]"
    )
    answer = relocate(CACHED, [*page_noise(), moved])
    assert (answer["decision"], answer["index"]) == ("accept", 3)


def test_inserted_look_alike_is_never_accepted() -> None:
    # The real button lost its id in a refactor; a copy without id appears next to it.
    real = element("Log in", x=204, xpath="/html[1]/body[1]/form[1]/div[1]/button[2]")
    look_alike = element("Log in", x=100)
    answer = relocate(CACHED, [*page_noise(), look_alike, real])
    assert answer["decision"] == "ambiguous"
    assert answer["index"] is None
    assert set(answer["top"][:2]) == {3, 4}


def test_look_alike_does_not_win_over_the_element_with_the_cached_id() -> None:
    real = element(
        "Log in", id="login-button", x=204, xpath="/html[1]/body[1]/form[1]/div[1]/button[2]"
    )
    look_alike = element("Log in", x=100)
    answer = relocate(CACHED, [*page_noise(), look_alike, real])
    assert answer["decision"] in {"accept", "ambiguous"}
    assert answer["index"] in {None, 4}


def test_deleted_target_is_missing() -> None:
    answer = relocate(CACHED, page_noise())
    assert answer["decision"] == "missing"
    assert answer["index"] is None
    assert answer["reasons"]


def test_deleted_target_with_a_similar_element_left_is_not_accepted() -> None:
    # "Log in with Google" stays next to where "Log in" was.
    google = element("Log in with Google", id="google-login", x=204)
    answer = relocate(CACHED, [*page_noise(), google])
    assert answer["decision"] != "accept"


def test_sign_in_is_never_relocated_to_sign_up() -> None:
    sign_up = element("Sign up", id="signup-button")
    answer = relocate(element("Sign in", id="signin-button"), [*page_noise(), sign_up])
    assert answer["decision"] == "missing"
    assert any("opposite" in r for r in answer["reasons"])


def test_cancel_is_never_relocated_to_confirm() -> None:
    confirm = element("Confirm", id="dialog-cancel")
    answer = relocate(element("Cancel", id="dialog-cancel"), [confirm])
    assert answer["decision"] != "accept"


def test_wrapper_and_child_are_one_visual_candidate() -> None:
    link = element(
        "Products",
        tag="a",
        id=None,
        neighbour="",
        xpath="/html[1]/body[1]/nav[1]/ul[1]/li[2]/a[1]",
        x=120,
        y=10,
        width=80,
    )
    # after the change the link is wrapped in a clickable <div> with exactly its box
    wrapper = element(
        "Products",
        tag="div",
        neighbour="",
        role="",
        x=120,
        y=10,
        width=80,
        xpath="/html[1]/body[1]/nav[1]/ul[1]/li[2]/div[1]",
    )
    inner = element(
        "Products",
        tag="a",
        neighbour="",
        x=120,
        y=10,
        width=80,
        xpath="/html[1]/body[1]/nav[1]/ul[1]/li[2]/div[1]/a[1]",
    )
    answer = relocate(link, [*page_noise(), wrapper, inner])
    assert answer["decision"] == "accept"
    # The plain <div> has the link's words and box, but clicking it is not clicking the
    # link: it is never the answer, the link inside it is.
    assert answer["index"] == 4
    assert any("#3 <div>" in r and "wrapper or inner part" in r for r in answer["reasons"])


def test_margin_rule_defers_two_equally_good_candidates() -> None:
    twin_a = element("Log in", x=100, y=300)
    twin_b = element("Log in", x=100, y=360, xpath="/html[1]/body[1]/form[1]/div[2]/button[1]")
    answer = relocate(CACHED, [twin_a, twin_b])
    assert answer["decision"] == "ambiguous"
    assert any("margin" in r for r in answer["reasons"])


def test_row_button_follows_its_row_not_its_position() -> None:
    def edit(row: str, y: float, n: int) -> Fingerprint:
        return element(
            "Edit",
            y=y,
            neighbour="Users",
            container_text=f"{row} Edit Delete",
            xpath=f"/html[1]/body[1]/table[1]/tbody[1]/tr[{n}]/td[4]/button[1]",
            twins=2,
        )

    cached = edit("Alice Smith alice@example.com Admin", 340, 2)
    # the first row was deleted: Alice's row moved up, Bob's row took its place
    after = [
        edit("Alice Smith alice@example.com Admin", 300, 1),
        edit("Bob Lee bob@example.com Viewer", 340, 2),
    ]
    answer = relocate({**cached, "twins": 1}, after)
    assert (answer["decision"], answer["index"]) == ("accept", 0)


def test_deleted_row_is_not_replaced_by_the_next_row() -> None:
    def edit(row: str, y: float, n: int, twins: int) -> Fingerprint:
        return element(
            "Edit",
            y=y,
            neighbour="Users",
            container_text=f"{row} Edit Delete",
            xpath=f"/html[1]/body[1]/table[1]/tbody[1]/tr[{n}]/td[4]/button[1]",
            twins=twins,
        )

    cached = edit("Alice Smith alice@example.com Admin", 300, 1, twins=1)
    after = [edit("Bob Lee bob@example.com Viewer", 300, 1, twins=0)]
    assert relocate(cached, after)["decision"] != "accept"


def test_missing_fields_are_unknown_not_mismatch() -> None:
    sparse: Fingerprint = {
        "tag": "button",
        "role": "button",
        "name": "Log in",
        "attributes": {"id": "login-button"},
    }
    answer = relocate(CACHED, [*page_noise(), sparse])
    assert (answer["decision"], answer["index"]) == ("accept", 3)


def test_invisible_candidate_is_not_accepted() -> None:
    hidden = element("Log in", id="login-button", visible=False)
    assert relocate(CACHED, [*page_noise(), hidden])["decision"] != "accept"


def _corpus() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "bench" / "relocation_corpus.py"
    spec = importlib.util.spec_from_file_location("relocation_corpus", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["relocation_corpus"] = module
    spec.loader.exec_module(module)
    return module


def test_corpus_slice_has_no_wrong_or_false_accepts() -> None:
    corpus = _corpus()
    wrong: list[int] = []
    false_accepts: list[int] = []
    accepted = 0
    for case in corpus.generate_cases(300):
        answer = relocate(
            case["cached"],
            case["candidates"],
            cached_context=case["cached_context"],
            candidate_context=case["candidate_context"],
        )
        if answer["decision"] != "accept":
            continue
        accepted += 1
        if case["truth"] is None:
            false_accepts.append(case["id"])
        elif answer["index"] != case["truth"] and answer["index"] not in case["equivalent"]:
            wrong.append(case["id"])
    assert wrong == []
    assert false_accepts == []
    assert accepted > 200  # the slice really exercised accepts


def _card_button(test_key: str, test_id: str, product: str, y: float) -> Fingerprint:
    fp = element(
        f"Add to cart: {product}",
        y=y,
        neighbour="Products",
        container_text=f"{product} $25.00 Add to cart",
        xpath=f"/html[1]/body[1]/main[1]/div[{int(y)}]/button[1]",
    )
    fp["attributes"] = {**fp["attributes"], test_key: test_id}
    return fp


def test_site_wide_test_id_rename_is_unknown_not_a_conflict() -> None:
    # Every catalogue test id was renamed (and the attribute too): the cached value is on
    # no element any more, so the new value says nothing against the same card's button.
    cached = _card_button("data-testid", "add-to-cart-1", "Wireless Mouse", 300)
    after = [
        _card_button("data-test", "basket-add-1", "Wireless Mouse", 300),
        _card_button("data-test", "basket-add-2", "USB Keyboard", 400),
    ]
    answer = relocate(cached, [*page_noise(), *after])
    assert (answer["decision"], answer["index"]) == ("accept", 3)


def test_a_candidate_still_carrying_the_cached_test_id_keeps_the_others_out() -> None:
    cached = _card_button("data-testid", "add-to-cart-1", "Wireless Mouse", 300)
    look_alike = _card_button("data-testid", "add-to-cart-9", "Wireless Mouse", 300)
    real = _card_button("data-testid", "add-to-cart-1", "Wireless Mouse", 500)
    answer = relocate(cached, [*page_noise(), look_alike, real])
    assert answer["index"] in {None, 4}
    assert answer["decision"] != "accept" or answer["index"] == 4


def test_vanished_test_id_of_the_same_scheme_still_names_another_item() -> None:
    # The cached card is gone; the next card's test id follows the same scheme.
    cached = _card_button("data-testid", "add-to-cart-1", "Wireless Mouse", 300)
    other = _card_button("data-testid", "add-to-cart-2", "Wireless Mouse", 300)
    assert relocate(cached, [*page_noise(), other])["decision"] != "accept"


# --- reworded names: the same content words, generic ones added or dropped -------------

FILTER_PARENTS = [
    {"tag": "form", "classes": ["filters"], "role": "search"},
    {"tag": "main", "id": "content"},
]


def filter_button(
    name: str,
    neighbour: str,
    x: float = 100,
    xpath: str = "/html[1]/body[1]/form[1]/div[1]/button[1]",
    **extra: object,
) -> Fingerprint:
    fp = dict(element(name, neighbour=neighbour, x=x, xpath=xpath))
    fp.update(
        parents=FILTER_PARENTS, attributes={"type": "submit", "class": "btn"}, container_text=""
    )
    fp.update(extra)
    return cast(Fingerprint, fp)


def test_reworded_button_in_the_same_form_heals() -> None:
    """'Apply filters' -> 'Filter': the labels around it were reworded too, but its content
    word is its own on the page and it stayed in the same named form."""
    cached = filter_button("Apply filters", "Max price (€) | Products")
    now = filter_button(
        "Filter",
        "Price up to (€) | Shop",
        parents=[FILTER_PARENTS[0], {"tag": "div", "classes": ["container"]}],
    )
    answer = relocate(cached, [*page_noise(), now])
    assert (answer["decision"], answer["index"]) == ("accept", 3), answer["reasons"]


def test_reworded_name_shared_by_two_candidates_is_not_accepted() -> None:
    cached = filter_button("Apply filters", "Max price (€) | Products")
    first = filter_button("Filter", "Price up to (€) | Shop")
    second = filter_button(
        "Filters", "Sort | Shop", x=400, xpath="/html[1]/body[1]/div[1]/button[1]"
    )
    answer = relocate(cached, [*page_noise(), first, second])
    assert answer["decision"] != "accept"


def test_a_meaningful_added_word_is_not_a_rewording() -> None:
    """'Place order' deleted, 'Place order later' left in its place: 'later' changes what
    the button does, so it is never taken for the cached element."""
    cached = element("Place order", id="place-order", neighbour="Total €12.00")
    decoy = element("Place order later", id="save-for-later", neighbour="Total €12.00")
    answer = relocate(cached, [*page_noise(), decoy])
    assert answer["decision"] != "accept"


def test_cached_row_and_a_candidate_in_no_row_are_unknown_not_another_row() -> None:
    """A table that became a list of divs: the button is in no repeated item now, which
    says nothing about which row it is (not: 'another row')."""
    from backend.cache.scoring import Prepared, container_similarity

    cached = element("Remove", container_text="Wireless Mouse €24.99 1 Remove")
    now = element("Remove", container_text="")
    assert container_similarity(Prepared(cached), Prepared(now)) is None
    other_row = element("Remove", container_text="Watering Can €15.00 1 Remove")
    assert (container_similarity(Prepared(cached), Prepared(other_row)) or 0) < 0.85
