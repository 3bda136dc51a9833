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

from collections.abc import Sequence

from backend.cache.records import BoundingBox, Fingerprint, PageContext, Relocation
from backend.cache.scoring import (
    Prepared,
    attribute_similarity,
    centre_distance,
    class_similarity,
    hash_similarity,
    id_similarity,
    identity_conflict,
    layer_scores_prepared,
    parents_similarity,
    position_similarity,
    size_similarity,
    text_similarity,
    xpath_similarity,
)

PLAUSIBLE_MIN = 0.45  # below this a candidate is not considered at all
ACCEPT_MIN = 0.60  # the winner's similarity must reach this
MARGIN = 0.12  # ... and beat the best visually distinct runner-up by this much
SHORTLIST = 5  # candidates handed to the resolver when unsure
SAME_BOX_IOU = 0.85  # boxes overlapping this much are one visual candidate
SURROUNDINGS_CHANGED = 0.5  # neighbour-text similarity below this = another context

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


def similarity(a: Prepared, b: Prepared) -> float:
    """0..1, a weighted mean over the attributes known on both sides."""
    total = 0.0
    weight = 0.0
    known = a.attributes is not None and b.attributes is not None

    def add(w: float, value: float | None) -> None:
        nonlocal total, weight
        if value is not None:
            total += w * value
            weight += w

    if known:
        add(W_TEST_ID, attribute_similarity(a.test_id, True, b.test_id))
        add(W_ID, id_similarity(a, b))
        add(W_NAME_ATTR, attribute_similarity(a.name_attr, True, b.name_attr))
        add(W_TYPE, attribute_similarity(a.type, True, b.type))
        add(W_HREF, attribute_similarity(a.href, True, b.href))
        add(W_ALT, attribute_similarity(a.alt, True, b.alt))
        add(W_PLACEHOLDER, attribute_similarity(a.placeholder, True, b.placeholder))
        add(W_CLASS, class_similarity(a.classes, b.classes))
    if a.tag is not None and b.tag is not None:
        add(W_TAG, 1.0 if a.tag == b.tag else 0.0)
    if a.role is not None and b.role is not None:
        add(W_ROLE, 1.0 if a.role == b.role else 0.0)
    add(W_ACCESSIBLE_NAME, text_similarity(a.name, a.name_tokens, b.name, b.name_tokens))
    add(W_TEXT, text_similarity(a.text, a.text_tokens, b.text, b.text_tokens))
    add(W_LABEL, text_similarity(a.label, a.label_tokens, b.label, b.label_tokens))
    add(
        W_NEIGHBOUR,
        text_similarity(a.neighbour, a.neighbour_tokens, b.neighbour, b.neighbour_tokens),
    )
    add(W_PARENTS, parents_similarity(a.parents, b.parents))
    add(W_XPATH, xpath_similarity(a.xpath, b.xpath))
    add(W_ID_XPATH, xpath_similarity(a.id_xpath, b.id_xpath))
    add(W_POSITION, position_similarity(a.box, b.box))
    add(W_SIZE, size_similarity(a.box, b.box))
    add(W_VISUAL_HASH, hash_similarity(a.visual_hash, b.visual_hash))
    return total / weight if weight else 0.0


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


def _anchors(a: Prepared, b: Prepared) -> tuple[list[str], list[str]]:
    """(evidence that ``b`` is ``a``, what is missing for an accept)."""
    evidence: list[str] = []
    stable = [
        what
        for what, x, y in (
            ("test id", a.test_id, b.test_id),
            ("id", a.id, b.id),
            ("name attribute", a.name_attr, b.name_attr),
            ("link target", a.href, b.href),
        )
        if x and x == y
    ]
    if stable:
        evidence.append("same " + " and ".join(stable))
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
    if own_words:
        evidence.append("same " + " and ".join(own_words))
    neighbour = (
        text_similarity(a.neighbour, a.neighbour_tokens, b.neighbour, b.neighbour_tokens)
        if a.neighbour and b.neighbour
        else None
    )
    if neighbour is not None and neighbour >= 0.8:
        evidence.append("same surroundings")
    near = (
        a.box is not None
        and b.box is not None
        and centre_distance(a.box, b.box) <= max(16.0, 0.5 * min(a.box["width"], a.box["height"]))
        and (size_similarity(a.box, b.box) or 0.0) >= 0.7
    )
    if near or (a.xpath and a.xpath == b.xpath):
        evidence.append("same place")

    missing: list[str] = []
    if not stable and not own_words:
        missing.append("neither a stable attribute nor its own name/text matches")
    elif len(evidence) < 2:
        missing.append("only one kind of evidence (" + evidence[0] + ")")
    if neighbour is not None and neighbour < SURROUNDINGS_CHANGED and not stable:
        missing.append("its surroundings changed and no stable attribute confirms it")
    return evidence, missing


def _describe(fp: Fingerprint, index: int) -> str:
    label = fp.get("name") or fp.get("text") or fp.get("label") or ""
    tag = fp.get("tag") or fp.get("role") or "element"
    return f'#{index} <{tag}> "{label[:40]}"' if label else f"#{index} <{tag}>"


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
    prepared = [Prepared(c) for c in candidates]
    ranked = sorted(((similarity(a, p), i) for i, p in enumerate(prepared)), key=lambda s: -s[0])

    # Plausible candidates, grouped into visual candidates (best member first).
    groups: list[tuple[float, int, list[int]]] = []
    rejected: list[str] = []
    for score, i in ranked:
        if score < PLAUSIBLE_MIN:
            break
        p = prepared[i]
        conflict = identity_conflict(a, p)
        if conflict is None and a.visible is True and p.visible is False:
            conflict = "it is not visible"
        if conflict is not None:
            if len(rejected) < 3:
                rejected.append(f"{_describe(candidates[i], i)} rejected: {conflict}")
            continue
        for _, rep, members in groups:
            if same_box(prepared[rep].box, p.box):
                members.append(i)
                break
        else:
            groups.append((score, i, [i]))

    if not groups:
        best = ranked[0][0] if ranked else 0.0
        reasons = ["no plausible candidate: the element is gone", *rejected]
        if ranked and not rejected:
            reasons.append(
                f"closest was {_describe(candidates[ranked[0][1]], ranked[0][1])} "
                f"at {100 * best:.0f} % similarity"
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
    runner_score = groups[1][0] if len(groups) > 1 else 0.0
    top = [rep for _, rep, _ in groups[:SHORTLIST]]
    scores = layer_scores_prepared(a, prepared[best], cached_context, candidate_context)
    evidence, missing = _anchors(a, prepared[best])
    reasons = [f"best {_describe(candidates[best], best)} at {100 * best_score:.0f} % similarity"]
    if len(members) > 1:
        others = ", ".join(f"#{m}" for m in members[1:])
        reasons.append(f"{others} cover the same box: one visual candidate")
    if len(groups) > 1:
        reasons.append(
            f"runner-up {_describe(candidates[groups[1][1]], groups[1][1])} "
            f"at {100 * runner_score:.0f} %"
        )
    if evidence:
        reasons.append("evidence: " + "; ".join(evidence))
    reasons.extend(rejected)

    if best_score < ACCEPT_MIN:
        missing.insert(0, f"similarity below {100 * ACCEPT_MIN:.0f} %")
    if best_score - runner_score < MARGIN:
        missing.insert(
            0,
            f"no clear margin over a visually distinct candidate "
            f"({100 * (best_score - runner_score):.0f} points, {100 * MARGIN:.0f} needed)",
        )
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
