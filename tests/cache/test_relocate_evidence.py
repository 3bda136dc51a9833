"""relocate()'s evidence added for real redesigns (#12), one test per piece, each with the
page shape that made it necessary (real pairs of the Similo2 dev split, reduced to the
fields that data has: no parents, ARIA, labels or twins; and generated-corpus cases)."""

from __future__ import annotations

from typing import Any

from backend.cache.records import Fingerprint
from backend.cache.relocate import relocate
from backend.cache.scoring import Prepared, identity_conflict, landmarks, link_target, same_path


def link(
    name: str,
    href: str,
    xpath: str,
    *,
    id_xpath: str | None = None,
    neighbour: str = "",
    x: float = 200,
    y: float = 100,
    width: float = 60,
    **extra: Any,
) -> Fingerprint:
    """A link as the Similo2 data describes it."""
    fp: dict[str, Any] = {
        "tag": "a",
        "role": "link",
        "name": name,
        "text": name,
        "attributes": {"href": href},
        "xpath": xpath,
        "bbox": {"x": x, "y": y, "width": width, "height": 16},
        "visible": True,
    }
    if id_xpath:
        fp["id_xpath"] = id_xpath
    if neighbour:
        fp["neighbour_text"] = neighbour
    fp["attributes"] = {**fp["attributes"], **extra.pop("attributes", {})}
    fp.update(extra)
    return fp  # type: ignore[return-value]


# --- the same path in the structure -----------------------------------------------------

# Fox News: a footer link whose page gained a wrapper above #wrapper (the absolute XPath
# moved) and whose site moved to clean URLs; the same words are in the header's nav too.
OLD_FOOTER = "/html[1]/body[1]/div[1]/footer[1]/div[1]/div[1]/nav[1]/ul[1]/li[1]/a[1]"
NEW_FOOTER = "/html[1]/body[1]/div[2]/footer[1]/div[1]/div[1]/nav[1]/ul[1]/li[1]/a[1]"
FOOTER_ID_PATH = '//*[@id="wrapper"]/footer[1]/div[1]/div[1]/nav[1]/ul[1]/li[1]/a[1]'
CRIME = link(
    "Crime",
    "http://www.foxnews.com/category/us/crime.html",
    OLD_FOOTER,
    id_xpath=FOOTER_ID_PATH,
    y=18449,
)


def fox_page(with_target: bool = True) -> list[Fingerprint]:
    page = [
        link(
            "Crime",
            "https://www.foxnews.com/category/us/crime",
            "/html[1]/body[1]/div[2]/header[1]/div[2]/div[1]/nav[1]/ul[1]/li[9]/a[1]",
            id_xpath='//*[@id="main-nav"]/ul[1]/li[9]/a[1]',
            x=900,
            y=60,
        ),
        link(
            "Military",
            "https://www.foxnews.com/category/us/military",
            NEW_FOOTER.replace("li[1]", "li[2]"),
            id_xpath=FOOTER_ID_PATH.replace("li[1]", "li[2]"),
            y=17899,
        ),
    ]
    if with_target:
        page.append(
            link(
                "Crime",
                "https://www.foxnews.com/category/us/crime",
                NEW_FOOTER,
                id_xpath=FOOTER_ID_PATH,
                y=17875,
            )
        )
    return page


def test_same_path_from_the_nearest_id_places_a_link_whose_page_moved() -> None:
    military = link(
        "Military",
        "http://www.foxnews.com/category/us/military.html",
        OLD_FOOTER.replace("li[1]", "li[2]"),
        id_xpath=FOOTER_ID_PATH.replace("li[1]", "li[2]"),
        y=18473,
    )
    answer = relocate(military, fox_page())
    assert (answer["decision"], answer["index"]) == ("accept", 1)
    assert any("same path from #wrapper" in r for r in answer["reasons"])


def test_the_same_words_elsewhere_are_not_the_deleted_footer_link() -> None:
    answer = relocate(CRIME, fox_page(with_target=False))
    assert answer["decision"] != "accept"


def test_same_path_apart_from_positions() -> None:
    a = Prepared(link("Mac", "/mac/", "/html[1]/body[1]/div[4]/nav[1]/ul[2]/li[2]/a[1]"))
    b = Prepared(link("Mac", "/mac/", "/html[1]/body[1]/div[5]/nav[1]/ul[2]/li[3]/a[1]"))
    other = Prepared(link("Mac", "/mac/", "/html[1]/body[1]/div[5]/footer[1]/ul[2]/li[3]/a[1]"))
    short = Prepared(link("Mac", "/mac/", "/html[1]/body[1]/a[2]"))
    assert same_path(a, b) == "same path in the structure apart from positions"
    assert same_path(a, other) is None
    assert same_path(Prepared(link("Mac", "/mac/", "/html[1]/body[1]/a[1]")), short) is None


def table_edit(row: int, person: str, href: str) -> Fingerprint:
    return link(
        "Edit",
        href,
        f"/html[1]/body[1]/main[1]/table[1]/tbody[1]/tr[{row}]/td[4]/a[1]",
        neighbour=person,
        y=100 + 40 * row,
    )


def test_a_path_shared_by_the_same_words_in_one_list_places_nothing() -> None:
    # No twins recorded (as in the real-page data): row 3 is deleted and row 4's "Edit"
    # moves into its path. Its words and its path are no evidence: one "Edit" per row.
    cached = table_edit(3, "Ann Lee", "/users/3/edit")
    page = [table_edit(3, "Bo Diaz", "/users/4/edit"), table_edit(4, "Cy Ng", "/users/5/edit")]
    answer = relocate(cached, page)
    assert answer["decision"] != "accept"
    assert not any("same path" in r for r in answer["reasons"])


# --- link targets and landmarks ---------------------------------------------------------


def test_link_target_ignores_origin_extension_and_trailing_slash() -> None:
    assert link_target("http://www.foxnews.com/category/us/crime.html") == "/category/us/crime"
    assert link_target("https://www.foxnews.com/category/us/crime/") == "/category/us/crime"
    assert link_target("/opinion.html#top") == "/opinion"
    # the query can tell items apart: it stays
    assert link_target("/item.php?id=42") == "/item?id=42"
    assert link_target("https://example.com") == "/"


def test_same_landmarks_let_a_link_target_confirm_a_link_whose_surroundings_changed() -> None:
    # Apple: the global nav's "Mac" link; the page's banner text (its neighbours) changed
    # and the nav was restructured; the footer has a "Mac" link to another page.
    nav = "/html[1]/body[1]/header[1]/nav[1]/div[1]/ul[2]/li[2]/a[1]"
    cached = link("Mac", "https://www.apple.com/mac/", nav, neighbour="iPhone 8 A new generation")
    header_mac = link(
        "Mac",
        "https://www.apple.com/mac/",
        "/html[1]/body[1]/header[1]/nav[1]/div[1]/div[1]/ul[1]/li[2]/a[1]",
        neighbour="Shop early online to get all your gifts in time",
        x=196,
        y=102,
    )
    footer = "/html[1]/body[1]/footer[1]/nav[1]/div[2]/ul[1]/li[1]/a[1]"
    footer_mac = link("Mac", "https://www.apple.com/mac/compare/", footer, x=40, y=4000)
    assert landmarks(nav) == ("header", "nav")
    answer = relocate(cached, [header_mac, footer_mac])
    assert (answer["decision"], answer["index"]) == ("accept", 0)
    assert any("same link target" in r for r in answer["reasons"])
    # The header link deleted, a footer link to the same page is left: it is in another
    # part of the page, so its link target does not confirm it.
    same_target = link("Mac", "https://www.apple.com/mac/", footer, x=40, y=4000)
    assert relocate(cached, [same_target])["decision"] != "accept"


# --- generated-corpus shapes ------------------------------------------------------------


def button(name: str, *, x: float = 100, y: float = 300, **extra: Any) -> Fingerprint:
    fp: dict[str, Any] = {
        "tag": "button",
        "role": "button",
        "name": name,
        "text": name,
        "attributes": {"type": "button", "class": "btn btn-secondary"},
        "xpath": "/html[1]/body[1]/main[1]/form[1]/div[1]/button[1]",
        "bbox": {"x": x, "y": y, "width": 80, "height": 36},
        "visible": True,
        "enabled": True,
        "editable": False,
    }
    attributes = extra.pop("attributes", {})
    fp["attributes"] = {**fp["attributes"], **attributes}
    fp.update(extra)
    return fp  # type: ignore[return-value]


def test_a_numbered_id_in_its_own_row_identifies_a_reworded_button() -> None:
    row = "Priya Berg priya.berg@example.com Viewer {} Delete"
    cached = button(
        "Edit", attributes={"id": "edit-385"}, container_text=row.format("Edit"), twins=3
    )
    others = [
        button(
            "Edit",
            y=300 + 40 * k,
            attributes={"id": f"edit-{n}"},
            container_text=f"Person {k} p{k}@example.com Viewer Edit Delete",
            xpath=f"/html[1]/body[1]/main[1]/table[1]/tr[{k}]/td[4]/button[1]",
        )
        for k, n in ((1, 819), (2, 513), (4, 940))
    ]
    changed = button(
        "Change",
        y=420,
        attributes={"id": "edit-385"},
        container_text=row.format("Change"),
        xpath="/html[1]/body[1]/main[1]/table[1]/tr[3]/td[4]/button[1]",
    )
    answer = relocate(cached, [*others, changed])
    assert (answer["decision"], answer["index"]) == ("accept", 3)
    assert any("same id" in r for r in answer["reasons"])


def test_labels_reworded_together_keep_their_twin() -> None:
    # The sign-in form's "Password" label and the sign-up form's: both say "Passcode"
    # now. The twin is not gone, it was reworded too, so the words still count.
    def label(name: str, form: int, y: float, neighbour: str) -> Fingerprint:
        return {
            "tag": "label",
            "name": name,
            "text": name,
            "attributes": {"for": f"f{form}-password", "class": "c-label"},
            "xpath": f"/html[1]/body[1]/main[1]/form[{form}]/label[2]",
            "bbox": {"x": 32, "y": y, "width": 120, "height": 20},
            "neighbour_text": neighbour,
            "visible": True,
            "twins": 1,
        }

    cached = label("Password", 1, 200, "Email")
    page = [label("Passcode", 2, 900, "Choose a username"), label("Passcode", 1, 200, "Email")]
    answer = relocate(cached, page)
    assert (answer["decision"], answer["index"]) == ("accept", 1)
    # one of the two gone: the words no longer say which one is left
    assert relocate(cached, page[:1])["decision"] != "accept"


def test_only_the_winner_has_the_cached_words_exactly() -> None:
    # A "Previous again" link was added next to "Previous": the copy has other words.
    def pager(name: str, k: int) -> Fingerprint:
        return link(
            name,
            "/page/1",
            f"/html[1]/body[1]/main[1]/nav[1]/a[{k}]",
            x=100 + 90 * k,
            y=900,
            twins=0,
            attributes={"class": "c-page"},
        )

    answer = relocate(pager("Previous", 1), [pager("Previous again", 1), pager("Previous", 2)])
    assert (answer["decision"], answer["index"]) == ("accept", 1)


def test_two_cancel_buttons_that_were_both_there_are_told_apart_by_place() -> None:
    # The dialog's "Cancel" and the settings form's: twins = 1 when cached, two now, ids
    # renamed. No copy was added, so the one in the cached place is the element.
    cached = button("Cancel", attributes={"id": "dialog-cancel"}, twins=1, neighbour_text="OK")
    dialog = button("Cancel", attributes={"id": "xa513c0"}, neighbour_text="OK")
    form = button(
        "Cancel",
        y=420,
        attributes={"id": "x77f1e2"},
        neighbour_text="Save changes",
        xpath="/html[1]/body[1]/main[1]/section[2]/form[1]/button[2]",
    )
    answer = relocate(cached, [form, dialog])
    assert (answer["decision"], answer["index"]) == ("accept", 1)
    # ... but a copy added next to it (three "Cancel" now) is not told apart
    copy = button(
        "Cancel",
        x=190,
        neighbour_text="Cancel",
        xpath="/html[1]/body[1]/main[1]/form[1]/div[1]/button[2]",
    )
    assert relocate(cached, [form, dialog, copy])["decision"] != "accept"
    # ... nor when the form's "Cancel" was reworded at the same time (two "Cancel" again:
    # the count looks kept, but the other one is beside it, under the same parent)
    discard = {**form, "name": "Discard", "text": "Discard"}
    assert relocate(cached, [discard, dialog, copy])["decision"] != "accept"  # type: ignore[list-item]


def test_the_cached_unique_id_accepts_a_reworded_button_below_the_usual_similarity() -> None:
    cached = button("Search", attributes={"id": "search-button", "type": "submit"}, twins=0)
    go = button("Go", attributes={"id": "search-button", "type": "submit"})
    other = button("Reset", x=300, attributes={"id": "reset", "type": "reset"})
    answer = relocate(cached, [other, go])
    assert (answer["decision"], answer["index"]) == ("accept", 1)


def test_an_id_that_gained_a_number_is_a_copy_not_the_element() -> None:
    cached = Prepared(link("Deals", "/deals", "/html[1]/body[1]/a[1]", twins=0))
    cached_fp = link(
        "Deals", "/deals", "/html[1]/body[1]/a[1]", twins=0, attributes={"id": "app-nav-deals"}
    )
    copy = link("Deals", "/deals", "/html[1]/body[1]/a[1]", attributes={"id": "app-nav-deals-2"})
    moved = link(
        "Deals", "/deals", "/html[1]/body[1]/a[2]", y=130, attributes={"id": "app-nav-deals"}
    )
    assert cached.id is None
    assert identity_conflict(Prepared(cached_fp), Prepared(copy)) is not None
    # a renumbering of a numbered scheme is still no conflict
    numbered = link("Shipping", "/s", "/html[1]/body[1]/a[1]", attributes={"id": "menu-item-1"})
    renumbered = link("Shipping", "/s", "/html[1]/body[1]/a[2]", attributes={"id": "menu-item-2"})
    assert identity_conflict(Prepared(numbered), Prepared(renumbered)) is None
    answer = relocate(cached_fp, [copy, moved])
    assert (answer["decision"], answer["index"]) == ("accept", 1)


# --- the map of abstentions (bench_real_pages.py --why) ----------------------------------


def _bench() -> Any:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "bench_real_pages.py"
    spec = importlib.util.spec_from_file_location("bench_real_pages", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_why_names_the_rule_the_evidence_and_the_shortlist_rank() -> None:
    bench = _bench()
    # the Fox News "Crime" footer link with a header copy: stopped by the margin
    cached = CRIME
    page = fox_page()
    answer = relocate(cached, page)
    why = bench.why_abstained(cached, page, 2, answer)
    assert why["shortlist"] == "first"
    assert why["stopped_by"] == "no clear margin over <rival> (N points, N needed)"
    assert why["evidence"] == "structure+words"
    rows = [{"why": why}, {"deleted_acted_on": bench.acted_on(cached, page[0])}]
    summary = bench.why_summary(rows)
    assert summary["stopped_by"] == {why["stopped_by"]: 1}
    assert summary["deleted_acted_on"] == {
        "same words and link target (the same link elsewhere on the page)": 1
    }
