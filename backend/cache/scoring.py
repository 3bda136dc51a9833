"""Verification: is the element found now still the element that was cached?

Four layers, each 0..100, weighted 30 / 25 / 25 / 20 (structural, visual, behavioural,
context), then a history term (success rate) and an age decay. Bands: >= 90 use,
70..89 use and verify after acting, < 70 heal or ask the resolver.

Every comparison is over *known* fields only: a field missing on either side is
unknown and is left out of both the numerator and the denominator (it never counts as
a mismatch). A layer with no known field at all is reported in ``LayerScores.unknown``.

The per-field comparisons (``Prepared`` and the ``*_similarity`` helpers) are shared with
``relocate``; they are plain functions over plain records, no browser, no I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Literal, TypedDict

from backend.cache.records import (
    ActionSpec,
    BoundingBox,
    ElementStats,
    Fingerprint,
    LayerScores,
    PageContext,
    ParentInfo,
)
from backend.cache.synonyms import canonical_tokens, contradicts, raw_tokens

LAYER_WEIGHTS: dict[str, float] = {
    "structural": 0.30,
    "visual": 0.25,
    "behavioural": 0.25,
    "context": 0.20,
}
USE_THRESHOLD = 90.0
VERIFY_THRESHOLD = 70.0

# History: at most this many points up (a long clean record) or down (a flaky element).
HISTORY_BONUS_MAX = 5.0
HISTORY_PENALTY_MAX = 15.0
# Age: no decay for a week, then 0.2 point per day, at most 10 points.
AGE_GRACE_DAYS = 7.0
AGE_POINTS_PER_DAY = 0.2
AGE_DECAY_MAX = 10.0

TEST_ID_ATTRIBUTES = ("data-testid", "data-test-id", "data-test", "data-qa", "data-cy")

Band = Literal["use", "use_and_verify", "heal"]


class Verification(TypedDict):
    score: float  # 0..100 after history and age terms
    scores: LayerScores
    reasons: list[str]
    band: Band


# --- normalised, precomputed view of a fingerprint ------------------------------------

_SPACES = re.compile(r"\s+")


def _norm(value: str | None) -> str | None:
    """Whitespace-collapsed, lower-cased; None for a missing *or empty* value. Empty means
    unknown: collect.js (and older records) send "" for "no text" / "in no row", and two
    empty values are no evidence that two elements are the same."""
    if not value:
        return None
    return _SPACES.sub(" ", value).strip().lower() or None


def _text(value: str | None) -> str | None:
    """A text field: None when missing, "" when the element has no such text (known to be
    empty: an image has no text), else normalised. ``text_similarity`` never counts two
    empty texts as the same; one empty side is a real difference."""
    if value is None:
        return None
    return _SPACES.sub(" ", value).strip().lower()


def _known(value: str | None) -> str | None:
    """An attribute value, or None when missing or blank."""
    return value if value and value.strip() else None


def _tokens(value: str | None) -> frozenset[str]:
    return frozenset(canonical_tokens(value)) if value else frozenset()


_GENERIC_ROLES = frozenset({None, "generic", "none", "presentation", "group"})
_MEDIA_TAGS = frozenset({"img", "svg", "picture", "video", "canvas"})
INTERACTIVE_KINDS = frozenset({"click", "edit", "check", "select", "upload"})
_KIND_NOUNS = {
    "click": "link or button",
    "edit": "field",
    "check": "check box",
    "select": "drop-down",
    "upload": "file input",
}
_TEXT_TYPES = frozenset({"", "text", "search", "email", "url", "tel", "number"})
_CHECK_ROLES = frozenset({"checkbox", "radio", "switch", "menuitemcheckbox", "menuitemradio"})
_EDIT_ROLES = frozenset({"textbox", "searchbox", "spinbutton"})
_SELECT_ROLES = frozenset({"combobox", "listbox"})
_CLICK_ROLES = frozenset({"button", "link", "menuitem", "tab", "option", "treeitem"})


def interaction_kind(tag: str | None, role: str | None, type_: str | None) -> str | None:
    """What one does with an element: edit, check, select, upload, click or other.
    None when neither tag nor role is known."""
    if tag is None and role is None:
        return None
    tag = tag or ""
    role = role or ""
    type_ = (type_ or "").lower()
    if tag == "input":
        if type_ in {"checkbox", "radio"}:
            return "check"
        if type_ == "file":
            return "upload"
        if type_ in {"submit", "button", "reset", "image"}:
            return "click"
        return "edit"
    if role in _CHECK_ROLES:
        return "check"
    if tag == "textarea" or role in _EDIT_ROLES:
        return "edit"
    if tag == "select" or role in _SELECT_ROLES:
        return "select"
    if tag in {"button", "a", "summary"} or role in _CLICK_ROLES:
        return "click"
    return "other"


def kinds_compatible(a: str | None, b: str | None) -> bool:
    """Unknown is compatible with anything; a clickable element may be re-implemented as
    a plain element with a handler (and back), but an input never becomes a button."""
    if a is None or b is None or a == b:
        return True
    return {a, b} == {"click", "other"}


_ACTION_KINDS: dict[str, frozenset[str]] = {
    "fill": frozenset({"edit"}),
    "type": frozenset({"edit"}),
    "select": frozenset({"select"}),
    "check": frozenset({"check"}),
    "uncheck": frozenset({"check"}),
    "upload": frozenset({"upload"}),
}


class Prepared:
    """A fingerprint with everything the comparisons need precomputed once."""

    __slots__ = (
        "alt",
        "attributes",
        "box",
        "classes",
        "container",
        "container_tokens",
        "dom_hash",
        "editable",
        "enabled",
        "frame",
        "href",
        "id",
        "id_if_unique",
        "id_tokens",
        "id_xpath",
        "identity_tokens",
        "kind",
        "label",
        "label_tokens",
        "name",
        "name_attr",
        "name_tokens",
        "neighbour",
        "neighbour_tokens",
        "parents",
        "placeholder",
        "role",
        "styles",
        "tag",
        "test_id",
        "text",
        "text_tokens",
        "twins",
        "type",
        "visible",
        "visual_hash",
        "xpath",
    )

    def __init__(self, fp: Fingerprint) -> None:
        attrs = fp.get("attributes")
        self.attributes = attrs
        raw_get = attrs.get if attrs is not None else _none_get

        def get(key: str) -> str | None:
            return _known(raw_get(key))

        self.tag = fp.get("tag") or None
        self.role = fp.get("role") or None
        self.type = (get("type") or "").lower() or None
        self.kind = interaction_kind(self.tag, self.role, self.type)
        self.name = _text(fp.get("name"))
        self.name_tokens = _tokens(self.name)
        self.text = _text(fp.get("text"))
        self.text_tokens = _tokens(self.text)
        self.label = _text(fp.get("label"))
        self.label_tokens = _tokens(self.label)
        self.neighbour = _text(fp.get("neighbour_text"))
        self.neighbour_tokens = _tokens(self.neighbour)
        # The item's words without the element's own: "Edit" is in every row.
        self.container = _norm(fp.get("container_text"))
        self.container_tokens = _tokens(self.container) - self.text_tokens - self.name_tokens
        self.id = get("id")
        # collect.js anchors id_xpath on an id only when it is unique in the document: an
        # id that was not unique when collected identifies nothing.
        id_xpath = fp.get("id_xpath")
        self.id_if_unique = (
            self.id
            if self.id and (not id_xpath or id_xpath.startswith(f'//*[@id="{self.id}"]'))
            else None
        )
        self.id_tokens = frozenset(raw_tokens(self.id)) if self.id else frozenset()
        self.name_attr = get("name")
        self.test_id = next((v for k in TEST_ID_ATTRIBUTES if (v := get(k))), None)
        href = get("href")
        self.href = link_target(href) if href else href
        self.placeholder = _norm(get("placeholder"))
        self.alt = _norm(get("alt"))
        cls = get("class")
        self.classes = frozenset(cls.split()) if cls is not None else None
        self.identity_tokens = (
            self.name_tokens
            | self.text_tokens
            | self.label_tokens
            | _tokens(self.placeholder)
            | _tokens(get("aria-label"))
        )
        self.parents = fp.get("parents")
        self.xpath = fp.get("xpath")
        self.id_xpath = fp.get("id_xpath")
        self.box = fp.get("bbox")
        self.styles = fp.get("styles")
        self.visual_hash = fp.get("visual_hash")
        self.dom_hash = fp.get("dom_hash")
        self.visible = fp.get("visible")
        self.enabled = fp.get("enabled")
        self.editable = fp.get("editable")
        self.frame = fp.get("frame")
        self.twins = fp.get("twins")


def _none_get(_key: str) -> None:
    return None


_ORIGIN = re.compile(r"^[a-z][a-z0-9+.-]*://[^/]*", re.I)


def strip_origin(href: str) -> str:
    return _ORIGIN.sub("", href.strip()) or "/"


_PAGE_EXTENSION = re.compile(r"\.(?:s?html?|php\d?|aspx?|jsp|cfm)$", re.I)


def link_target(href: str) -> str:
    """A link's target as a page names it: origin, fragment, file extension and trailing
    slash dropped (``http://x.com/category/us/crime.html`` and ``https://x.com/category/
    us/crime`` are one target: a site moved from static pages to clean URLs). The query
    is kept: ``?id=42`` can be what tells two items apart."""
    path = strip_origin(href).split("#", 1)[0]
    path, _, query = path.partition("?")
    path = _PAGE_EXTENSION.sub("", path).rstrip("/") or "/"
    return f"{path}?{query}" if query else path


# --- field comparisons: each returns 0..1, or None when unknown ------------------------


def text_similarity(
    a: str | None, a_tokens: frozenset[str], b: str | None, b_tokens: frozenset[str]
) -> float | None:
    """Equal strings 1; words that contradict 0; otherwise Dice over canonical tokens."""
    if a is None or b is None or (not a and not b):
        return None  # unknown, or empty on both sides: no evidence either way
    if a == b or (a_tokens and a_tokens == b_tokens):
        return 1.0
    if not a_tokens or not b_tokens:
        return 0.0
    if contradicts(a_tokens, b_tokens):
        return 0.0
    return 2 * len(a_tokens & b_tokens) / (len(a_tokens) + len(b_tokens))


def container_similarity(a: Prepared, b: Prepared) -> float | None:
    """Same repeated item (row, card, list item)? Over the item's words minus the
    element's own, so a reworded button does not make its row another row. Asymmetric
    on purpose: ``a`` is the cached element."""
    if a.container is None or b.container is None:
        # Missing or "" on either side (the element is in no repeated item, or it was not
        # collected): unknown. Two elements outside any row are not "in the same row", and
        # a table that became a list of divs says nothing about *which* row it is.
        return None
    if not a.container_tokens:
        # The item holds nothing but the element's own words (a nav list item around its
        # link): there is nothing beyond the element to compare, so it says nothing.
        return None
    if a.container == b.container or a.container_tokens == b.container_tokens:
        return 1.0
    if not b.container_tokens:
        return 0.0
    # The share of the cached item's words still there: words added to a row (a badge, a
    # hint) keep it the same row; another row keeps only the shared boilerplate.
    return len(a.container_tokens & b.container_tokens) / len(a.container_tokens)


def exact_similarity(a: object | None, b: object | None) -> float | None:
    if a is None or b is None:
        return None
    return 1.0 if a == b else 0.0


def attribute_similarity(cached: str | None, cached_known: bool, other: str | None) -> float | None:
    """Only attributes the cached element had are compared; when the candidate's
    attributes were collected and it lacks one, that is a (real) difference."""
    if not cached_known or cached is None:
        return None
    if other is None:
        return 0.0
    return 1.0 if cached == other else 0.0


def id_similarity(a: Prepared, b: Prepared) -> float | None:
    if a.attributes is None or b.attributes is None or not a.id:
        return None
    if not b.id:
        return 0.0
    if numbered(a.id) and numbered(b.id) and id_words(a.id) == id_words(b.id):
        # menu-item-1 / menu-item-2, or the same menu-item-1 after a renumbering: the
        # scheme is shared, the number is a slot, not an identity. The words decide.
        return None
    if a.id == b.id:
        return 1.0
    if not a.id_tokens or not b.id_tokens:
        return 0.0
    # "login-btn" vs "btn-login-primary": partial credit, but never full.
    return 0.8 * len(a.id_tokens & b.id_tokens) / len(a.id_tokens | b.id_tokens)


def class_similarity(a: frozenset[str] | None, b: frozenset[str] | None) -> float | None:
    if a is None or b is None or (not a and not b):
        return None
    return len(a & b) / len(a | b)


def parents_similarity(a: list[ParentInfo] | None, b: list[ParentInfo] | None) -> float | None:
    if not a or not b:
        return None
    total = 0.0
    levels = min(len(a), len(b))
    for pa, pb in zip(a, b, strict=False):
        score = 0.5 if pa.get("tag") == pb.get("tag") else 0.0
        ida, idb = pa.get("id"), pb.get("id")
        if ida or idb:
            score += 0.5 if ida == idb else 0.0
        else:
            ca, cb = set(pa.get("classes") or ()), set(pb.get("classes") or ())
            score += 0.5 * (len(ca & cb) / len(ca | cb)) if (ca or cb) else 0.5
        total += score
    return total / levels


def xpath_similarity(a: str | None, b: str | None) -> float | None:
    if not a or not b:
        return None
    if a == b:
        return 1.0
    sa, sb = a.split("/"), b.split("/")
    same = 0
    for x, y in zip(sa, sb, strict=False):
        if x != y:
            break
        same += 1
    return same / max(len(sa), len(sb))


def centre_distance(a: BoundingBox, b: BoundingBox) -> float:
    return math.hypot(
        (a["x"] + a["width"] / 2) - (b["x"] + b["width"] / 2),
        (a["y"] + a["height"] / 2) - (b["y"] + b["height"] / 2),
    )


def position_similarity(a: BoundingBox | None, b: BoundingBox | None) -> float | None:
    if a is None or b is None:
        return None
    return max(0.0, 1.0 - centre_distance(a, b) / 300.0)


def size_similarity(a: BoundingBox | None, b: BoundingBox | None) -> float | None:
    if a is None or b is None:
        return None
    area_a, area_b = a["width"] * a["height"], b["width"] * b["height"]
    if area_a <= 0 or area_b <= 0:
        return 1.0 if area_a == area_b else 0.0
    return min(area_a, area_b) / max(area_a, area_b)


def shape_similarity(a: BoundingBox | None, b: BoundingBox | None) -> float | None:
    if a is None or b is None or min(a["height"], b["height"], a["width"], b["width"]) <= 0:
        return None
    ra, rb = a["width"] / a["height"], b["width"] / b["height"]
    return min(ra, rb) / max(ra, rb)


def hash_similarity(a: str | None, b: str | None) -> float | None:
    """Perceptual hashes as hex: 1 - Hamming distance / bits; other strings: equality."""
    if not a or not b:
        return None
    if a == b:
        return 1.0
    if len(a) == len(b):
        try:
            diff = int(a, 16) ^ int(b, 16)
        except ValueError:
            return 0.0
        return 1.0 - diff.bit_count() / (4 * len(a))
    return 0.0


def styles_similarity(a: Mapping[str, str] | None, b: Mapping[str, str] | None) -> float | None:
    if not a or not b:
        return None
    shared = a.keys() & b.keys()
    if not shared:
        return None
    return sum(a[k] == b[k] for k in shared) / len(shared)


def weighted(parts: Iterable[tuple[float, float | None]]) -> float | None:
    """Weighted mean over known parts (value not None); None when nothing is known."""
    total = 0.0
    weight = 0.0
    for w, value in parts:
        if value is not None:
            total += w * value
            weight += w
    return total / weight if weight else None


# --- the four layers -----------------------------------------------------------------


def _structural(a: Prepared, b: Prepared) -> float | None:
    known = a.attributes is not None and b.attributes is not None
    return weighted(
        (
            (1.0, exact_similarity(a.tag, b.tag)),
            (1.5, exact_similarity(a.role, b.role)),
            (2.0, text_similarity(a.name, a.name_tokens, b.name, b.name_tokens)),
            (1.5, text_similarity(a.text, a.text_tokens, b.text, b.text_tokens)),
            (1.5, id_similarity(a, b)),
            (1.5, attribute_similarity(a.name_attr, known, b.name_attr)),
            (1.0, attribute_similarity(a.type, known, b.type)),
            (2.0, attribute_similarity(a.test_id, known, b.test_id)),
            (1.0, attribute_similarity(a.href, known, b.href)),
            (1.0, attribute_similarity(a.placeholder, known, b.placeholder)),
            (0.5, attribute_similarity(a.alt, known, b.alt)),
            (0.5, class_similarity(a.classes, b.classes)),
            (1.5, text_similarity(a.label, a.label_tokens, b.label, b.label_tokens)),
            (0.5, parents_similarity(a.parents, b.parents)),
            (0.5, xpath_similarity(a.xpath, b.xpath)),
            (0.5, xpath_similarity(a.id_xpath, b.id_xpath)),
            (0.5, exact_similarity(a.dom_hash, b.dom_hash)),
        )
    )


def _visual(a: Prepared, b: Prepared) -> float | None:
    return weighted(
        (
            (1.0, position_similarity(a.box, b.box)),
            (1.0, size_similarity(a.box, b.box)),
            (0.5, shape_similarity(a.box, b.box)),
            (1.0, styles_similarity(a.styles, b.styles)),
            (1.5, hash_similarity(a.visual_hash, b.visual_hash)),
        )
    )


def _action_fits(
    kind: str | None, action: ActionSpec | None, editable: bool | None
) -> float | None:
    if action is None or kind is None:
        return None
    wanted = _ACTION_KINDS.get(action["method"])
    if wanted is None:
        return 1.0  # click, hover, press: anything visible can take them
    if "edit" in wanted and editable:
        return 1.0
    return 1.0 if kind in wanted else 0.0


def _behavioural(a: Prepared, b: Prepared, action: ActionSpec | None) -> float | None:
    return weighted(
        (
            (1.0, exact_similarity(a.visible, b.visible)),
            (1.0, exact_similarity(a.enabled, b.enabled)),
            (1.0, exact_similarity(a.editable, b.editable)),
            (1.5, exact_similarity(a.kind, b.kind)),
            (2.0, _action_fits(b.kind, action, b.editable)),
        )
    )


def _context(
    a: Prepared, b: Prepared, ca: PageContext | None, cb: PageContext | None
) -> float | None:
    ca = ca or {}
    cb = cb or {}
    title_a, title_b = _norm(ca.get("title")), _norm(cb.get("title"))
    return weighted(
        (
            (1.5, exact_similarity(ca.get("route"), cb.get("route"))),
            (1.0, text_similarity(title_a, _tokens(title_a), title_b, _tokens(title_b))),
            (
                1.5,
                text_similarity(a.neighbour, a.neighbour_tokens, b.neighbour, b.neighbour_tokens),
            ),
            (1.5, container_similarity(a, b)),
            (1.0, exact_similarity(a.frame, b.frame)),
            (0.5, exact_similarity(ca.get("logged_in"), cb.get("logged_in"))),
        )
    )


def layer_scores_prepared(
    a: Prepared,
    b: Prepared,
    ca: PageContext | None,
    cb: PageContext | None,
    action: ActionSpec | None = None,
) -> LayerScores:
    raw = {
        "structural": _structural(a, b),
        "visual": _visual(a, b),
        "behavioural": _behavioural(a, b, action),
        "context": _context(a, b, ca, cb),
    }
    known = {k: v for k, v in raw.items() if v is not None}
    weight = sum(LAYER_WEIGHTS[k] for k in known)
    mean = sum(LAYER_WEIGHTS[k] * v for k, v in known.items()) / weight if weight else 0.0
    filled = {k: round(100 * (v if v is not None else mean), 2) for k, v in raw.items()}
    scores = LayerScores(
        structural=filled["structural"],
        visual=filled["visual"],
        behavioural=filled["behavioural"],
        context=filled["context"],
    )
    unknown = [k for k, v in raw.items() if v is None]
    if unknown:
        scores["unknown"] = unknown
    return scores


def combined_score(scores: LayerScores) -> float:
    """30 / 25 / 25 / 20 of the layers (unknown layers already hold the known mean)."""
    return (
        LAYER_WEIGHTS["structural"] * scores["structural"]
        + LAYER_WEIGHTS["visual"] * scores["visual"]
        + LAYER_WEIGHTS["behavioural"] * scores["behavioural"]
        + LAYER_WEIGHTS["context"] * scores["context"]
    )


# --- history and age -------------------------------------------------------------------


def history_modifier(stats: ElementStats | None) -> float:
    """Points added for a clean record, removed for a flaky one. The success rate is
    smoothed (one success and one failure assumed) and trusted fully from 10 uses on."""
    if not stats or stats["uses"] <= 0:
        return 0.0
    smoothed = (stats["successes"] + 1) / (stats["uses"] + 2)
    trust = min(1.0, stats["uses"] / 10)
    points = (smoothed - 0.8) * 25 * trust
    return max(-HISTORY_PENALTY_MAX, min(HISTORY_BONUS_MAX, points))


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def age_decay(stats: ElementStats | None, now: datetime | None) -> float:
    """Points removed for an entry not confirmed for a while (a positive number)."""
    if not stats:
        return 0.0
    last = _parse_time(stats["last_used_at"]) or _parse_time(stats["created_at"])
    if last is None:
        return 0.0
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    days = (now - last).total_seconds() / 86400
    return min(AGE_DECAY_MAX, max(0.0, days - AGE_GRACE_DAYS) * AGE_POINTS_PER_DAY)


# --- identity anchors ------------------------------------------------------------------


def identity_conflict(
    a: Prepared, b: Prepared, vanished: frozenset[str] = frozenset()
) -> str | None:
    """A reason why ``b`` cannot be the element ``a`` was, whatever else matches: the
    words say the opposite, the kind of element changed, or ids name another item.

    ``vanished`` names the anchors ("test id", "id") whose cached value no element of the
    current page carries any more. A different value is then not evidence against ``b``
    (a site-wide rename changes every element's), unless ``b``'s value follows the cached
    naming scheme with another number ("add-to-cart-2" for "add-to-cart-1"): that names
    another item of the same list."""
    if not kinds_compatible(a.kind, b.kind):
        return f"a {b.kind} element is not the cached {a.kind} element"
    if a.tag in _MEDIA_TAGS and b.tag not in _MEDIA_TAGS and b.role != "img":
        # The product's image is gone; its title link has the alt text as its name.
        return f"a <{b.tag or 'element'}> is not the cached image"
    if a.kind == "other" and b.kind in INTERACTIVE_KINDS and a.role not in _GENERIC_ROLES:
        # A plain <div>/<span> with a handler may be rebuilt as a real button; a heading,
        # a list item or a cell that the page names as such is not a control.
        return f"a {_KIND_NOUNS[b.kind]} is not the cached {a.role}"
    if a.kind in INTERACTIVE_KINDS and b.kind == "other":
        # The <li>/<div> around a deleted link, or the <span> inside it, has its words and
        # its box, but acting on it does not do what the link did.
        return (
            f"a plain <{b.tag or 'element'}> cannot stand in for the cached "
            f"{_KIND_NOUNS[a.kind]}: a wrapper or inner part does not do what it did"
        )
    if (
        a.kind == b.kind == "edit"
        and a.type
        and b.type
        and a.type != b.type
        and not (a.type in _TEXT_TYPES and b.type in _TEXT_TYPES)
    ):
        return f'input type "{b.type}" is not "{a.type}"'
    if a.identity_tokens and b.identity_tokens:
        reason = contradicts(a.identity_tokens, b.identity_tokens)
        if reason:
            return f"the text says something else: {reason}"
    if (
        a.test_id
        and b.test_id
        and a.test_id != b.test_id
        and ("test id" not in vanished or _other_item_of_scheme(a.test_id, b.test_id))
    ):
        return f'test id "{b.test_id}" is not "{a.test_id}"'
    for what, x, y in (("id", a.id, b.id), ("link", a.href, b.href)):
        # A renumbering moves a number (menu-item-1 -> menu-item-2); an id that gained
        # one ("app-nav-deals" -> "app-nav-deals-2") is a copy or another item.
        if (
            x
            and y
            and x != y
            and _other_item_of_scheme(x, y)
            and not (numbered(x) and renumbered(a, b))
        ):
            return f'{what} "{y}" names another item than "{x}"'
    return None


def renumbered(a: Prepared, b: Prepared) -> bool:
    """``b`` has the cached element's own words, and those words were unique when it was
    cached: then another number in its id (``menu-item-1`` -> ``menu-item-2``) is a
    renumbering of the list, not another item. When the words are shared ("Edit" in every
    row, ``twins`` > 0), the number is what tells the items apart."""
    return bool(a.identity_tokens) and a.identity_tokens == b.identity_tokens and not a.twins


def numbered(value: str | None) -> bool:
    """An identifier with a number in it: part of a numbered scheme (``menu-item-1``)."""
    return bool(value) and any(c.isdigit() for c in value or "")


def words_differ(a: Prepared, b: Prepared) -> bool:
    """Both have words of their own, and they are not the same words."""
    return bool(
        a.identity_tokens
        and b.identity_tokens
        and a.identity_tokens != b.identity_tokens
        and len(a.identity_tokens & b.identity_tokens)
        < 0.5 * min(len(a.identity_tokens), len(b.identity_tokens))
    )


SAME_ITEM = 0.85  # container similarity from which two elements are in the same row/card


def stable_matches(
    a: Prepared, b: Prepared, duplicated: frozenset[str] = frozenset(), twin_gone: bool = False
) -> list[str]:
    """Stable attributes with the same non-empty value on both sides, leaving out those
    in ``duplicated`` (the value is on several elements of the page: not an identity).
    A name attribute or a link target is shared by design (a radio group, a nav link and
    the same link in the footer), so it only counts while the element is still in the
    same region."""
    found = [
        what
        for what, x, y in (("test id", a.test_id, b.test_id), ("id", a.id_if_unique, b.id))
        if x
        and x == y
        and what not in duplicated
        # A numbered id (menu-item-1) is a slot in a list: after a renumbering the same id
        # names another item. It identifies only while the words agree, or while it is
        # still in the same row/card (edit-385 reworded "Change" in its own row).
        and not (numbered(x) and words_differ(a, b) and not same_item(a, b))
    ]
    shared = [
        what
        for what, x, y in (
            # a radio's or check box's name is its group's, not its own
            ("name attribute", a.name_attr if a.kind != "check" else None, b.name_attr),
            ("link target", a.href, b.href),
        )
        if x and x == y and what not in duplicated
    ]
    words_replaced = bool(
        a.name_tokens and b.name_tokens and a.name_tokens.isdisjoint(b.name_tokens)
    )
    # When an element with the same words is gone, its twin usually shares the link too.
    if shared and (found or (same_region(a, b) and not words_replaced and not twin_gone)):
        found.extend(shared)
    return found


def same_path(a: Prepared, b: Prepared) -> str | None:
    """The same place in the page's structure, named: the same XPath from the nearest
    element with a unique id (``//*[@id="main-nav"]/ul[1]/li[3]/a[1]``: a wrapper added
    above that id moves the absolute XPath, not this one), or the same absolute XPath.
    None otherwise. Like the box, it is a place, not an identity: an element inserted
    before it, or a sibling moving up after its deletion, takes the same path."""
    if a.id_xpath and a.id_xpath == b.id_xpath and a.id_xpath.startswith("//*[@id="):
        anchor = a.id_xpath[len('//*[@id="') :].split('"', 1)[0]
        return f"same path from #{anchor}"
    if a.xpath and a.xpath == b.xpath:
        return "same XPath"
    if (
        a.xpath
        and b.xpath
        and a.xpath.count("/") >= MIN_PATH_DEPTH
        and _XPATH_INDEX.sub("", a.xpath) == _XPATH_INDEX.sub("", b.xpath)
    ):
        # body/div[4]/.../li[2]/a[1] -> body/div[5]/.../li[3]/a[1]: a banner added above,
        # an item added before it; the same chain of elements down to it.
        return "same path in the structure apart from positions"
    return None


_XPATH_INDEX = re.compile(r"\[\d+\]")
_LANDMARK_TAGS = frozenset({"header", "footer", "nav", "main", "aside", "form"})


def landmarks(xpath: str | None) -> tuple[str, ...]:
    """The landmark elements on the way to an element (``header``, ``nav``, ``footer``,
    ``main``, ``aside``, ``form``), outermost first: the part of the page it is in."""
    if not xpath:
        return ()
    return tuple(
        tag for step in xpath.split("/") if (tag := step.split("[", 1)[0]) in _LANDMARK_TAGS
    )


def same_landmarks(a: Prepared, b: Prepared) -> bool:
    """In the same part of the page by its landmarks (header › nav, not the footer's nav):
    where a link repeated in the header and the footer tells its two places apart."""
    here = landmarks(a.xpath)
    return bool(here) and here == landmarks(b.xpath)


MIN_PATH_DEPTH = 5  # /html/body/div/a is too short to say anything about a place


def same_region(a: Prepared, b: Prepared) -> bool:
    """Still in the same part of the page: the same parents, the same row/card, or the
    same path in the structure (``same_path``). (Not the neighbour text: "Log in" is next
    to "Sign up" in the header and in the form.)"""
    if same_path(a, b) or same_landmarks(a, b):
        return True
    parents = parents_similarity(a.parents, b.parents)
    if parents is not None and parents >= 0.75:
        return True
    item = container_similarity(a, b)
    return item is not None and item >= SAME_ITEM


def same_item(a: Prepared, b: Prepared) -> bool:
    """``b`` sits in the repeated item (row, card) ``a`` was in."""
    similarity = container_similarity(a, b)
    return similarity is not None and similarity >= SAME_ITEM


def other_item(a: Prepared, b: Prepared) -> bool:
    """``b`` sits in another repeated item (row, card) than ``a`` did."""
    similarity = container_similarity(a, b)
    return similarity is not None and similarity < SAME_ITEM


def _other_item_of_scheme(x: str, y: str) -> bool:
    """Same words, other numbers: "row-3" and "row-4" name two items of one list."""
    return _numbers(x) != _numbers(y) and id_words(x) == id_words(y)


def _numbers(value: str) -> list[str]:
    return re.findall(r"\d+", value)


def id_words(value: str) -> list[str]:
    """The letters-only words of an identifier: its naming scheme without the numbers."""
    return re.findall(r"[A-Za-z]+", value.lower())


# --- verification ----------------------------------------------------------------------


def band_for(score: float) -> Band:
    if score >= USE_THRESHOLD:
        return "use"
    if score >= VERIFY_THRESHOLD:
        return "use_and_verify"
    return "heal"


def verify(
    cached: Fingerprint,
    current: Fingerprint,
    *,
    stats: ElementStats | None = None,
    now: datetime | None = None,
    cached_context: PageContext | None = None,
    current_context: PageContext | None = None,
    action: ActionSpec | None = None,
    selectors_agree: bool | None = None,
) -> Verification:
    """Is ``current`` (found by the stored selectors) still the cached element?

    ``selectors_agree=False`` (the stored selectors matched different elements) and any
    identity conflict ("Sign up" where "Sign in" was cached, an input that became a
    button, an action the element cannot take, an element that became invisible) cap the
    score below 70, so the engine heals or asks the resolver instead of acting.
    """
    a, b = Prepared(cached), Prepared(current)
    scores = layer_scores_prepared(a, b, cached_context, current_context, action)
    base = combined_score(scores)
    reasons = [
        f"layers: structural {scores['structural']:.0f}, visual {scores['visual']:.0f}, "
        f"behavioural {scores['behavioural']:.0f}, context {scores['context']:.0f}"
        f" -> {base:.1f}"
    ]
    if scores.get("unknown"):
        reasons.append(f"not comparable (unknown, not counted): {', '.join(scores['unknown'])}")
    history = history_modifier(stats)
    if stats and history:
        reasons.append(
            f"history {history:+.1f} ({stats['successes']} of {stats['uses']} uses succeeded)"
        )
    decay = age_decay(stats, now)
    if decay:
        reasons.append(f"age -{decay:.1f} (not confirmed recently)")
    score = max(0.0, min(100.0, base + history - decay))

    caps: list[str] = []
    conflict = identity_conflict(a, b)
    if conflict:
        caps.append(conflict)
    if other_item(a, b) and not stable_matches(a, b):
        caps.append("it belongs to another row or card, and no stable attribute confirms it")
    if selectors_agree is False:
        caps.append("the stored selectors point at different elements")
    if a.visible is True and b.visible is False:
        caps.append("the element is not visible any more")
    if _action_fits(b.kind, action, b.editable) == 0.0 and action is not None:
        caps.append(f"a {b.kind} element cannot take '{action['method']}'")
    if caps:
        score = min(score, VERIFY_THRESHOLD - 1)
        reasons.extend(caps)
    score = round(score, 2)
    band = band_for(score)
    reasons.append(
        {
            "use": "same element: use it",
            "use_and_verify": "probably the same element: use it and check the outcome",
            "heal": "not sure it is the same element: heal or ask the resolver",
        }[band]
    )
    return Verification(score=score, scores=scores, reasons=reasons, band=band)
