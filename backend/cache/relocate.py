"""Healing: find the cached element again among the elements of a changed page.

``relocate(cached, candidates)`` is a pure function. It ranks the candidates by a weighted
multi-attribute similarity in the manner of Similo (Nass et al., 2023): every attribute is
compared on its own and stable ones (test id, id, name, label, accessible name, href) weigh
more than fragile ones (class, position, XPath). As in VON Similo, candidates whose boxes
coincide (an ``<li>`` and the ``<a>`` filling it, a ``<button>`` and its ``<span>``) are one
*visual* candidate: acting on either is the same click, so they never compete.

It accepts only when all of these hold, and otherwise says "ambiguous" (the resolver
chooses among ``top``) or "missing" (nothing plausible is left):

* the winner is plausible: similar enough, the same kind of element, visible if the
  cached one was, and nothing in it contradicts the cached element ("Sign up" is not
  "Sign in", "Cancel" is not "Confirm", ``edit-43`` is not ``edit-42``);
* it beats the best *visually distinct* plausible runner-up by a clear margin;
* it agrees on identity anchors: at least two independent kinds of evidence (a stable
  attribute, the same name/text, the same surroundings, the same place), one of them
  about the element itself (a stable attribute or its name/text), and a stable
  attribute when the surroundings changed (the same "Edit" label in another table row is
  another element).

The #1 rule is to never accept a wrong element: every threshold errs towards
"ambiguous", which costs a resolver call, never a wrong action.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Mapping, Sequence

from backend.cache.records import BoundingBox, Fingerprint, PageContext, Relocation
from backend.cache.scoring import (
    SAME_ITEM,
    TEST_ID_ATTRIBUTES,
    Prepared,
    attribute_similarity,
    centre_distance,
    class_similarity,
    container_similarity,
    hash_similarity,
    id_similarity,
    id_words,
    identity_conflict,
    layer_scores_prepared,
    link_target,
    numbered,
    parents_similarity,
    position_similarity,
    same_path,
    size_similarity,
    stable_matches,
    text_similarity,
    xpath_similarity,
)
from backend.cache.synonyms import canonical_tokens

PLAUSIBLE_MIN = 0.45  # below this a candidate is not considered at all
ACCEPT_MIN = 0.60  # the winner's similarity must reach this
# ... or this, when it has the cached unique test id or id ("Search" reworded "Go" on
# #search-button: the id says what the words no longer do)
STRONG_ACCEPT_MIN = 0.50
MARGIN = 0.08  # ... and beat the best visually distinct runner-up by this much
STRONG_MARGIN = 0.03  # ... or by this much when only the winner has the unique test id / id
# ... or by this much when no other element had or has the winner's words (``twins`` = 0
# when cached, one such candidate now) and the runner-up does not have them: the margin
# scales with how unique the winner is.
UNIQUE_MARGIN = 0.03
# ... or by this much when the winner holds two or more decisive kinds of evidence the
# runner-up lacks (its place and its path in the structure, the runner-up elsewhere).
SEVERAL_KINDS_MARGIN = 0.03
SHORTLIST = 5  # candidates handed to the resolver when unsure
# Visual candidates compared with the winner. More than the shortlist: the same button in
# other rows ranks high but is no competitor (another row), and must not crowd out a
# copy in the element's own row.
MAX_GROUPS = 16
# Words a redesign adds or drops around a name without changing what the element is
# ("Apply filters" -> "Filter", "Products" -> "All products"). Qualifiers that change
# the meaning ("later", "new", "delete", "not") are deliberately not here.
GENERIC_WORDS = frozenset({"all", "apply", "go", "to", "view", "see", "show", "open", "click"})
SAME_BOX_IOU = 0.85  # boxes overlapping this much are one visual candidate
SURROUNDINGS_CHANGED = 0.5  # neighbour-text similarity below this = another context
# Without identity evidence that the runner-up lacks, only a large margin will do.
LARGE_MARGIN = 0.25
DECISIVE_KINDS = frozenset({"stable", "words", "item"})
# ... and these too when the runner-up is not next to the winner
PLACE_KINDS = frozenset({"place", "surroundings", "parents", "structure"})
SAME_PARENTS = 0.75  # parent-chain similarity from which the parents are the same
PREFILTER_ABOVE = 96  # rank by a quick score first when there are more candidates
PREFILTER_KEEP = 64  # ... and score this many in full

# Similo-style weights: stable attributes weigh more than fragile ones.
W_TEST_ID = 3.0
W_ID = 2.0
W_NAME_ATTR = 2.0
W_ACCESSIBLE_NAME = 2.0
W_TEXT = 1.5
W_LABEL = 1.5
W_PLACEHOLDER = 1.5
W_HREF = 1.5
W_NEIGHBOUR = 1.5
W_CONTAINER = 2.0
W_TAG = 1.0
W_ROLE = 1.0
W_TYPE = 1.0
W_ALT = 1.0
W_CLASS = 0.5
W_PARENTS = 0.5
W_XPATH = 0.5
W_ID_XPATH = 0.5
W_POSITION = 0.5
W_SIZE = 0.5
W_VISUAL_HASH = 0.5


def similarity(a: Prepared, b: Prepared, vanished: frozenset[str] = frozenset()) -> float:
    """0..1, a weighted mean over the attributes known on both sides. A test id or id in
    ``vanished`` (no element of the page carries the cached one any more: a site-wide
    rename or removal) says nothing about which candidate it is and is left out."""
    total = 0.0
    weight = 0.0
    for _, w, value in field_scores(a, b, vanished):
        total += w * value
        weight += w
    return total / weight if weight else 0.0


def field_scores(
    a: Prepared, b: Prepared, vanished: frozenset[str] = frozenset()
) -> list[tuple[str, float, float]]:
    """(field, weight, 0..1) for every field known on both sides: what ``similarity``
    averages, and what explains a score that fell short."""
    out: list[tuple[str, float, float]] = []

    def add(field: str, w: float, value: float | None) -> None:
        if value is not None:
            out.append((field, w, value))

    if a.attributes is not None and b.attributes is not None:
        if "test id" not in vanished:
            add("test id", W_TEST_ID, attribute_similarity(a.test_id, True, b.test_id))
        add("id", W_ID, id_similarity(a, b))
        add("name attribute", W_NAME_ATTR, attribute_similarity(a.name_attr, True, b.name_attr))
        add("type", W_TYPE, attribute_similarity(a.type, True, b.type))
        add("link target", W_HREF, attribute_similarity(a.href, True, b.href))
        add("alt", W_ALT, attribute_similarity(a.alt, True, b.alt))
        add("placeholder", W_PLACEHOLDER, attribute_similarity(a.placeholder, True, b.placeholder))
        add("class", W_CLASS, class_similarity(a.classes, b.classes))
    if a.tag is not None and b.tag is not None:
        add("tag", W_TAG, 1.0 if a.tag == b.tag else 0.0)
    if a.role is not None and b.role is not None:
        add("role", W_ROLE, 1.0 if a.role == b.role else 0.0)
    add("name", W_ACCESSIBLE_NAME, text_similarity(a.name, a.name_tokens, b.name, b.name_tokens))
    add("text", W_TEXT, text_similarity(a.text, a.text_tokens, b.text, b.text_tokens))
    add("label", W_LABEL, text_similarity(a.label, a.label_tokens, b.label, b.label_tokens))
    add(
        "neighbour text",
        W_NEIGHBOUR,
        text_similarity(a.neighbour, a.neighbour_tokens, b.neighbour, b.neighbour_tokens),
    )
    add("row/card", W_CONTAINER, container_similarity(a, b))
    add("parents", W_PARENTS, parents_similarity(a.parents, b.parents))
    add("xpath", W_XPATH, xpath_similarity(a.xpath, b.xpath))
    add("id xpath", W_ID_XPATH, xpath_similarity(a.id_xpath, b.id_xpath))
    add("position", W_POSITION, position_similarity(a.box, b.box))
    add("size", W_SIZE, size_similarity(a.box, b.box))
    add("visual hash", W_VISUAL_HASH, hash_similarity(a.visual_hash, b.visual_hash))
    return out


def one_visual_element(a: Prepared, b: Prepared) -> bool:
    """The same box, or one inside the other in the DOM and on screen where the inner one
    does nothing by itself (a ``<span>`` in a ``<button>``): one click target."""
    if same_box(a.box, b.box):
        return True
    if not a.xpath or not b.xpath or a.box is None or b.box is None:
        return False
    if b.xpath.startswith(a.xpath + "/"):
        outer, inner = a, b
    elif a.xpath.startswith(b.xpath + "/"):
        outer, inner = b, a
    else:
        return False
    return (
        inner.kind == "other"
        and outer.kind in {"click", "other"}
        and _inside(inner.box, outer.box)
        and (size_similarity(inner.box, outer.box) or 0.0) >= 0.3
    )


def _inside(inner: BoundingBox | None, outer: BoundingBox | None) -> bool:
    if inner is None or outer is None:
        return False
    return (
        inner["x"] >= outer["x"] - 1
        and inner["y"] >= outer["y"] - 1
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 1
    )


def same_box(a: BoundingBox | None, b: BoundingBox | None) -> bool:
    """True when two boxes are (nearly) the same rectangle: one visual candidate."""
    if a is None or b is None:
        return False
    left, top = max(a["x"], b["x"]), max(a["y"], b["y"])
    right = min(a["x"] + a["width"], b["x"] + b["width"])
    bottom = min(a["y"] + a["height"], b["y"] + b["height"])
    if right <= left or bottom <= top:
        return False
    inter = (right - left) * (bottom - top)
    union = a["width"] * a["height"] + b["width"] * b["height"] - inter
    return union > 0 and inter / union >= SAME_BOX_IOU


class _Evidence:
    """Independent kinds of evidence that a candidate is the cached element."""

    __slots__ = ("kinds", "missing", "named", "notes", "other_item")

    def __init__(
        self,
        a: Prepared,
        b: Prepared,
        duplicated: frozenset[str],
        twin_gone: bool,
        reworded: bool = False,
        unique: bool = False,
        listed: bool = False,
    ) -> None:
        self.kinds: set[str] = set()
        self.notes: list[str] = []
        stable = stable_matches(a, b, duplicated, twin_gone)
        if stable:
            self.kinds.add("stable")
            if {"test id", "id"} & set(stable):
                self.kinds.add("strong")
            self.notes.append("same " + " and ".join(stable))
        own_words = [
            what
            for what, x, xt, y, yt in (
                ("accessible name", a.name, a.name_tokens, b.name, b.name_tokens),
                ("text", a.text, a.text_tokens, b.text, b.text_tokens),
                ("label", a.label, a.label_tokens, b.label, b.label_tokens),
                ("placeholder", a.placeholder, frozenset(), b.placeholder, frozenset()),
                ("alt text", a.alt, frozenset(), b.alt, frozenset()),
            )
            if x and text_similarity(x, xt, y, yt) == 1.0
        ]
        # Its own words, exactly (after synonyms), whatever they say about which twin it
        # is: a candidate without them is not the element unless it was reworded.
        self.named = bool(own_words)
        if own_words and twin_gone:
            self.notes.append(
                "same " + " and ".join(own_words) + ", but one of the elements that had these "
                "words is gone, so they do not say which one this is"
            )
        elif own_words:
            self.kinds.add("words")
            self.notes.append("same " + " and ".join(own_words))
        elif reworded and not twin_gone:
            self.kinds.add("words")
            self.notes.append(
                "same words in its name apart from generic ones, and no other element has them"
            )
        if unique and "words" in self.kinds:
            # No other element had these words when it was cached, and none has them now:
            # a second, independent witness besides the words themselves.
            self.kinds.add("unique")
            self.notes.append("no other element had or has these words")
        item = container_similarity(a, b)
        self.other_item = item is not None and item < SAME_ITEM and "stable" not in self.kinds
        if item is not None and item >= SAME_ITEM:
            self.kinds.add("item")
            self.notes.append("same row/card")
        neighbour = (
            text_similarity(a.neighbour, a.neighbour_tokens, b.neighbour, b.neighbour_tokens)
            if a.neighbour and b.neighbour
            else None
        )
        if neighbour is not None and neighbour >= 0.8:
            self.kinds.add("surroundings")
            self.notes.append("same surroundings")
        near = (
            a.box is not None
            and b.box is not None
            and centre_distance(a.box, b.box)
            <= max(16.0, 0.5 * min(a.box["width"], a.box["height"]))
            and (size_similarity(a.box, b.box) or 0.0) >= 0.7
        )
        if near or (a.xpath and a.xpath == b.xpath):
            self.kinds.add("place")
            self.notes.append("same place")
        parents = parents_similarity(a.parents, b.parents)
        if parents is not None and parents >= SAME_PARENTS:
            self.kinds.add("parents")
            self.notes.append("same parents")
        # The same path in the structure, unless the same words repeat in its own list
        # (one "Edit" per row: a sibling moves into a deleted item's path).
        path = same_path(a, b) if not listed else None
        if path:
            self.kinds.add("structure")
            self.notes.append(path)

        self.missing: list[str] = []
        # Identity: a stable attribute, or its own words (when the words still single it
        # out, or when they are in the same row/card). The row/card alone is not enough:
        # the next button in the same card is in the same card.
        identity = bool(self.kinds & {"stable", "words"}) or bool(
            own_words and "item" in self.kinds
        )
        if not identity:
            self.missing.append("no identity evidence: neither a stable attribute nor its words")
        elif len(self.kinds) < 2:
            self.missing.append("only one kind of evidence (" + self.notes[0] + ")")
        if "stable" not in self.kinds:
            # Reworded text around it (a new banner, other headlines) does not move it:
            # its words in the same named parent or on the same path in the structure
            # still place it, unless the same words repeat in its own list (one "Edit"
            # per row: a sibling moves into a deleted item's path).
            placed = _same_named_parent(a, b) or path is not None
            if (
                neighbour is not None
                and neighbour < SURROUNDINGS_CHANGED
                and not ("words" in self.kinds and placed)
            ):
                self.missing.append("its surroundings changed and no stable attribute confirms it")
            if self.other_item:
                self.missing.append("it is in another row/card and no stable attribute confirms it")


def _same_named_parent(a: Prepared, b: Prepared) -> bool:
    """The same direct parent, recognisable by its classes, id or role (``form.filters``):
    reworded labels around it changed the neighbour text, not the element's place."""
    if not a.parents or not b.parents:
        return False
    x, y = a.parents[0], b.parents[0]
    named = bool(x.get("classes") or x.get("id") or x.get("role"))
    return named and all(x.get(k) == y.get(k) for k in ("tag", "classes", "id", "role"))


def content_words(name: str | None) -> frozenset[str]:
    """A name's canonical words without the generic ones (see GENERIC_WORDS)."""
    return frozenset(canonical_tokens(name)) - GENERIC_WORDS if name else frozenset()


def _reworded_match(cached: Fingerprint, candidates: Sequence[Fingerprint]) -> int | None:
    """The one candidate (same role) whose name has the cached name's content words, when
    the name itself changed; None when none or several have them."""
    name, role = cached.get("name"), cached.get("role")
    words = content_words(name)
    if not words or not role:
        return None
    found = [
        i
        for i, fp in enumerate(candidates)
        if fp.get("role") == role and fp.get("name") and content_words(fp.get("name")) == words
    ]
    if len(found) != 1 or candidates[found[0]].get("name") == name:
        return None
    return found[0]


def _classes_still_used(classes: frozenset[str], candidates: Sequence[Fingerprint]) -> bool:
    """Does some candidate still carry all of ``classes``? (Not after a site-wide rebuild of
    class names, where a different class says nothing; one shared utility class such as
    ``btn`` on an unrelated element is no sign that the names were kept.)"""
    for fp in candidates:
        value = (fp.get("attributes") or _NO_ATTRIBUTES).get("class")
        if value and classes.issubset(value.split()):
            return True
    return False


def _id_scheme_still_used(
    cached_id: str | None, candidates: Sequence[Fingerprint]
) -> list[str] | None:
    """The words of a numbered cached id (``wish-6022`` -> ["wish"]) when some candidate
    still carries an id of that scheme with another number; else None."""
    if not cached_id or not numbered(cached_id):
        return None
    scheme = id_words(cached_id)
    for fp in candidates:
        other = (fp.get("attributes") or _NO_ATTRIBUTES).get("id")
        if other and other != cached_id and numbered(other) and id_words(other) == scheme:
            return scheme
    return None


_INDEX = re.compile(r"\[\d+\]")
_NOT_WORD = re.compile(r"[^\w]+")


def _name_key(name: str | None) -> str:
    """A name without case, punctuation and marks: "Contact ✓" and "CONTACT" agree."""
    return _NOT_WORD.sub(" ", name.lower()).strip() if name else ""


def _repeated_in_list(me: int, prepared: Mapping[int, Prepared]) -> bool:
    """Another element with the same words in the same list: its XPath differs from this
    one's only in positions (``tr[3]/td[4]/button[1]`` and ``tr[4]/td[4]/button[1]``).
    Then the path in the structure does not say which item this is."""
    p = prepared[me]
    if not p.xpath or not p.identity_tokens:
        return False
    shape = _INDEX.sub("", p.xpath)
    return any(
        i != me
        and q.identity_tokens == p.identity_tokens
        and q.xpath
        and q.xpath != p.xpath
        and _INDEX.sub("", q.xpath) == shape
        for i, q in prepared.items()
    )


def _adjacent(a: Prepared, b: Prepared) -> bool:
    """Side by side: the same parent, or within a few element sizes. A copy inserted next
    to an element can take its place and become its neighbour, so then place and
    surroundings do not tell them apart; a copy elsewhere on the page cannot."""
    if a.xpath and b.xpath and a.xpath.rsplit("/", 1)[0] == b.xpath.rsplit("/", 1)[0]:
        return True
    if a.box is None or b.box is None:
        return True
    reach = 3 * max(a.box["width"], a.box["height"], b.box["width"], b.box["height"])
    return centre_distance(a.box, b.box) <= reach


def _siblings(a: Prepared, b: Prepared) -> bool:
    """Under the same parent element (by XPath), or not known to be apart."""
    if not a.xpath or not b.xpath:
        return True
    return a.xpath.rsplit("/", 1)[0] == b.xpath.rsplit("/", 1)[0]


def _decisive(winner: _Evidence, runner: _Evidence | None, kinds: frozenset[str]) -> bool:
    """Does the winner hold identity evidence of ``kinds`` that the runner-up lacks? Place
    and surroundings never are: an inserted copy takes the old place and becomes the
    neighbour."""
    if runner is None:
        return bool(winner.kinds & kinds)
    return bool((winner.kinds - runner.kinds) & kinds)


def _describe(fp: Fingerprint, index: int) -> str:
    label = fp.get("name") or fp.get("text") or fp.get("label") or ""
    tag = fp.get("tag") or fp.get("role") or "element"
    return f'#{index} <{tag}> "{label[:40]}"' if label else f"#{index} <{tag}>"


_NO_ATTRIBUTES: dict[str, str] = {}
_QUICK_FIELDS = ("tag", "role", "name", "text", "label", "neighbour_text", "container_text")
_QUICK_WEIGHTS = (W_TAG, W_ROLE, W_ACCESSIBLE_NAME, W_TEXT, W_LABEL, W_NEIGHBOUR, W_CONTAINER)


def _scan(
    a: Prepared, cached: Fingerprint, candidates: Sequence[Fingerprint], keep: int
) -> tuple[list[int], frozenset[str], frozenset[str], int]:
    """One cheap pass over all candidates (no tokenising):

    * the ``keep`` candidates worth a full comparison, by exact equality of the fields the
      full score weighs most plus closeness of the box (generous: the full score then
      ranks the survivors);
    * the stable attributes whose cached value is on more than one candidate now (a
      radio group's name, a link repeated in nav and footer, a copied id): those
      identify nothing;
    * the stable attributes whose cached value no candidate carries now (a site-wide
      rename): a different value on a candidate is then unknown, not a conflict;
    * how many candidates have the cached role and accessible name (-1 without a name).
    """
    fields = [
        (f, v, w)
        for f, w in zip(_QUICK_FIELDS, _QUICK_WEIGHTS, strict=True)
        if (v := cached.get(f))
    ]
    attrs = cached.get("attributes") or {}
    test_id_key = next((k for k in TEST_ID_ATTRIBUTES if attrs.get(k)), None)
    anchors = [
        (what, key, attrs[key], w)
        for what, key, w in (
            ("test id", test_id_key, W_TEST_ID),
            ("id", "id", W_ID),
            ("name attribute", "name", W_NAME_ATTR),
            ("link target", "href", W_HREF),
        )
        if key and attrs.get(key)
    ]
    others = [
        (key, attrs[key], w)
        for key, w in (("placeholder", W_PLACEHOLDER), ("type", W_TYPE), ("class", W_CLASS))
        if attrs.get(key)
    ]
    # Field by field over all candidates (comprehensions, matches are sparse): much
    # cheaper than candidate by candidate on a 2,000-element page.
    n = len(candidates)
    scores = [0.0] * n
    for f, v, w in fields:
        for i in [i for i, fp in enumerate(candidates) if fp.get(f) == v]:
            scores[i] += w
    all_attrs = [fp.get("attributes") or _NO_ATTRIBUTES for fp in candidates]
    counts: dict[str, int] = {}
    for what, key, v, w in anchors:
        if key == "href":
            # The same target up to origin, extension, trailing slash (``link_target``);
            # a cheap substring test first.
            target = link_target(v)
            core = target.split("?", 1)[0]
            hits = [
                i
                for i, at in enumerate(all_attrs)
                if (h := at.get(key)) and (h == v or (core in h and link_target(h) == target))
            ]
        else:
            hits = [i for i, at in enumerate(all_attrs) if at.get(key) == v]
        counts[what] = len(hits)
        for i in hits:
            scores[i] += w
    for key, v, w in others:
        for i in [i for i, at in enumerate(all_attrs) if at.get(key) == v]:
            scores[i] += w
    box = cached.get("bbox")
    if box is not None:
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        for i, fp in enumerate(candidates):
            b = fp.get("bbox")
            if b is not None:
                d = abs(b["x"] + b["width"] / 2 - cx) + abs(b["y"] + b["height"] / 2 - cy)
                if d < 400:
                    scores[i] += 1.0 - d / 400
    name, role = cached.get("name"), cached.get("role")
    same_name = (
        sum(1 for fp in candidates if fp.get("name") == name and fp.get("role") == role)
        if name
        else -1
    )
    duplicated = frozenset(what for what, n in counts.items() if n > 1)
    vanished = frozenset(what for what, n in counts.items() if n == 0)
    if n <= keep:
        return list(range(n)), duplicated, vanished, same_name
    kept = heapq.nlargest(keep, range(n), key=scores.__getitem__)
    return kept, duplicated, vanished, same_name


def relocate(
    cached: Fingerprint,
    candidates: Sequence[Fingerprint],
    *,
    cached_context: PageContext | None = None,
    candidate_context: PageContext | None = None,
) -> Relocation:
    """Find ``cached`` among ``candidates`` (the page's elements now). ``index`` and
    ``top`` are positions in ``candidates``."""
    a = Prepared(cached)
    keep = PREFILTER_KEEP if len(candidates) > PREFILTER_ABOVE else len(candidates)
    considered, duplicated, vanished, same_name = _scan(a, cached, candidates, keep)
    prepared = {i: Prepared(candidates[i]) for i in considered}
    ranked = sorted(
        ((similarity(a, prepared[i], vanished), i) for i in considered), key=lambda s: -s[0]
    )

    # Plausible candidates, grouped into visual candidates (best member first). Only the
    # first few groups matter: the winner, the runner-up and the shortlist.
    groups: list[tuple[float, int, list[int]]] = []
    rejected: list[str] = []
    for score, i in ranked:
        if score < PLAUSIBLE_MIN:
            break
        p = prepared[i]
        conflict = identity_conflict(a, p, vanished)
        if conflict is None and a.visible is True and p.visible is False:
            conflict = "it is not visible"
        if conflict is not None:
            if len(rejected) < 3:
                rejected.append(f"{_describe(candidates[i], i)} rejected: {conflict}")
            continue
        for _, rep, members in groups:
            if one_visual_element(prepared[rep], p):
                members.append(i)
                break
        else:
            if len(groups) > MAX_GROUPS:
                break
            groups.append((score, i, [i]))

    if not groups:
        best = ranked[0][0] if ranked else 0.0
        reasons = ["no plausible candidate: the element is gone", *rejected]
        if ranked and not rejected:
            closest = ranked[0][1]
            why = identity_conflict(a, prepared[closest], vanished)
            reasons.append(
                f"closest was {_describe(candidates[closest], closest)} "
                f"at {100 * best:.0f} % similarity" + (f" ({why})" if why else "")
            )
        return Relocation(
            decision="missing",
            index=None,
            confidence=round(100 * best, 1),
            scores=None,
            reasons=reasons,
            top=[],
        )

    best_score, best, members = groups[0]
    # Twins: elements that had the cached role and name when it was cached. If fewer are
    # left besides the winner, one of them is gone, and the words no longer say which
    # one remains (the "Edit" of a deleted row vs the "Edit" of the next row). A reworded
    # winner leaves its twins' count unchanged.
    twins = cached.get("twins") or 0
    winner = candidates[best]
    winner_has_name = winner.get("name") == cached.get("name") and winner.get("role") == cached.get(
        "role"
    )
    twin_gone = twins > 0 and 0 <= same_name - winner_has_name < twins
    if twin_gone and not winner_has_name and winner.get("name"):
        # The winner was reworded ("Password" -> "Passcode", "Contact" -> "CONTACT"):
        # its twins (the field the label names) were reworded with it. They are gone only
        # if fewer carry the new words now (case and marks such as "✓" aside).
        key = _name_key(winner.get("name"))
        reworded_twins = sum(
            1
            for fp in candidates
            if fp.get("role") == cached.get("role") and _name_key(fp.get("name")) == key
        )
        twin_gone = reworded_twins - 1 < twins
    # A copy was added: more elements have the cached role and name than when it was
    # cached. A copy inserted next to the element takes its place and its neighbours, so
    # then nothing but a stable attribute tells the two apart.
    twin_added = "twins" in cached and same_name > twins + 1
    # As many elements have the cached role and name as when it was cached, the winner
    # one of them: none was added or removed, so a twin next to it is one that stood
    # there before (the dialog's "Cancel" and the form's), not a copy that took its
    # place, and place and surroundings tell the two apart.
    twins_kept = twins > 0 and winner_has_name and same_name == twins + 1
    reworded = _reworded_match(cached, candidates)
    unique = cached.get("twins") == 0 and ((winner_has_name and same_name == 1) or reworded == best)
    listed = _repeated_in_list(best, prepared)
    evidence = _Evidence(a, prepared[best], duplicated, twin_gone, reworded == best, unique, listed)
    winner_classes = prepared[best].classes
    if (
        "strong" not in evidence.kinds
        and a.classes
        and winner_classes is not None
        and a.classes.isdisjoint(winner_classes)
        and _classes_still_used(a.classes, candidates)
    ):
        # It has none of the classes the element had, though the page still uses them (no
        # site-wide rebuild of class names): an element that only shares its words and
        # link, such as a "Help" link added beside the one that was cached.
        evidence.missing.append(
            "it has none of the cached classes (still used on this page): it may be "
            "another element with the same words"
        )
    if twin_gone and "id" in vanished and not evidence.kinds & {"strong", "place"}:
        scheme = _id_scheme_still_used(a.id, candidates)
        winner_id = prepared[best].id
        if scheme and not (winner_id and id_words(winner_id) == scheme):
            # One of the items that had these words is gone, and so is the cached id;
            # the other items are still named by its scheme (wish-9884 for wish-6022),
            # this one is not and it is not where the element was: another item, not the
            # cached one renamed.
            evidence.missing.append(
                f"the cached id {a.id!r} is gone, the other items are still named like it "
                "and this one is not: it may be another item of the list"
            )
    # Competitors: the visually distinct candidates that could themselves be the element.
    # One in another row/card, with no stable attribute to say otherwise, is not, when the
    # winner is in the cached element's own row/card.
    competitors: list[tuple[tuple[float, int, list[int]], _Evidence]] = []
    for group in groups[1:]:
        candidate_evidence = _Evidence(
            a, prepared[group[1]], duplicated, twin_gone, reworded == group[1]
        )
        if "item" in evidence.kinds and candidate_evidence.other_item:
            continue
        competitors.append((group, candidate_evidence))
    runner = competitors[0][0] if competitors else None
    runner_score = runner[0] if runner else 0.0
    top = [rep for _, rep, _ in groups[:SHORTLIST]]
    scores = layer_scores_prepared(a, prepared[best], cached_context, candidate_context)
    reasons = [f"best {_describe(candidates[best], best)} at {100 * best_score:.0f} % similarity"]
    if len(members) > 1:
        others = ", ".join(f"#{m}" for m in members[1:])
        reasons.append(f"{others}: the same visual element (one candidate)")
    if runner:
        reasons.append(
            f"runner-up {_describe(candidates[runner[1]], runner[1])} at {100 * runner_score:.0f} %"
        )
    if evidence.notes:
        reasons.append("evidence: " + "; ".join(evidence.notes))
    reasons.extend(rejected)

    missing = list(evidence.missing)
    if best_score < ACCEPT_MIN and not (
        best_score >= STRONG_ACCEPT_MIN and "strong" in evidence.kinds
    ):
        missing.insert(0, f"similarity below {100 * ACCEPT_MIN:.0f} %")
    # Every close competitor, not only the runner-up, must be beaten: by a clear margin
    # with identity evidence it lacks, or by a large margin.
    for (score, index, _), other in competitors:
        margin = best_score - score
        adjacent = _adjacent(prepared[best], prepared[index])
        if (
            twin_added
            and adjacent
            and "words" in other.kinds
            and not _decisive(evidence, other, frozenset({"stable"}))
        ):
            missing.insert(
                0,
                f"{_describe(candidates[index], index)} is a copy with the same words added "
                f"next to it ({same_name} elements have them now, {twins + 1} had): its "
                "place and neighbours do not tell which one is the original",
            )
            break
        if margin >= LARGE_MARGIN:
            break
        # A twin that stood there before is near it, never beside it: one under the same
        # parent or in the same row/card may be a copy even when the count looks kept
        # (another twin reworded elsewhere at the same time).
        earlier_twin = (
            twins_kept
            and not _siblings(prepared[best], prepared[index])
            and not ("item" in evidence.kinds and "item" in other.kinds)
        )
        decisive_kinds = (
            DECISIVE_KINDS if adjacent and not earlier_twin else DECISIVE_KINDS | PLACE_KINDS
        )
        # Only the winner has the cached words exactly: the runner-up has other words (an
        # element added with "again" after them, a neighbour), so it is not the element
        # unless it was reworded, which the winner's exact words make the less likely.
        named_only = evidence.named and not other.named
        if _decisive(evidence, other, frozenset({"strong"})):
            needed = STRONG_MARGIN
        elif named_only and "unique" in evidence.kinds:
            needed = UNIQUE_MARGIN
        elif len((evidence.kinds - other.kinds) & decisive_kinds) >= 2:
            needed = SEVERAL_KINDS_MARGIN
        else:
            needed = MARGIN
        if margin < needed:
            missing.insert(
                0,
                f"no clear margin over {_describe(candidates[index], index)} "
                f"({100 * margin:.0f} points, {100 * needed:.0f} needed)",
            )
            break
        if not (named_only or _decisive(evidence, other, decisive_kinds)):
            missing.insert(
                0,
                f"{_describe(candidates[index], index)} has the same identity evidence (a copy "
                f"next to it differs only in place or surroundings) and the margin is "
                f"{100 * margin:.0f} points, {100 * LARGE_MARGIN:.0f} needed",
            )
            break
    if missing:
        return Relocation(
            decision="ambiguous",
            index=None,
            confidence=round(100 * best_score, 1),
            scores=scores,
            reasons=[*reasons, *("not accepted: " + m for m in missing)],
            top=top,
        )
    return Relocation(
        decision="accept",
        index=best,
        confidence=round(100 * best_score, 1),
        scores=scores,
        reasons=reasons,
        top=top,
    )
