"""The warm path's policy: the instruction decides, the cache is evidence.

When the stored element cannot be confirmed, the engine resolves the step from its
instruction exactly as a cold run would, then asks :func:`evidence_against` whether what
the cache knows *positively* says the choice is another element:

* an identity conflict (``scoring.identity_conflict``): opposite words, another kind of
  control, a wrapper or inner part standing in for a link/button/field, another item of
  the same numbered list;
* another item of the same list by its row/card: the cached element's words were shared
  by several elements (``twins``) and the choice sits in another row/card;
* a match with a stored *rival*: an element that stood beside the cached one when the
  step was learnt ("'Continue as guest' stood beside 'Log in' when this step was learnt").

The mere absence of a tie (new id, new words) is never a refusal: a redesign renames
everything, and the instruction is the specification. A warm run therefore fails only
where a cold run fails, or where a named piece of evidence says why.

*Rivals* (:func:`choose_rivals`) are compact fingerprints of the candidates the resolver
ranked next and of the elements that shared the chosen element's words, stored with the
entry (``CachedElement.rivals``, at most :data:`MAX_RIVALS`) when a step is learnt or
relearnt.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from backend.cache.records import EvidenceRecord, Fingerprint
from backend.cache.relocate import one_visual_element, same_box
from backend.cache.scoring import (
    SAME_ITEM,
    TEST_ID_ATTRIBUTES,
    Prepared,
    container_similarity,
    identity_conflict,
    numbered,
    other_item,
    stable_matches,
)

MAX_RIVALS = 5


@dataclass(frozen=True)
class Refusal:
    """Why the warm path does not act on the resolver's choice; ``by_rival`` when a stored
    rival matched (the audit names it)."""

    reason: str
    by_rival: bool = False


_TEXT_CUT = 80
# Attributes worth keeping in a rival: what tells it apart, nothing volatile or personal.
_RIVAL_ATTRIBUTES = ("id", "name", "type", "href", "placeholder", "alt", *TEST_ID_ATTRIBUTES)


def compact(fp: Fingerprint) -> Fingerprint:
    """The few fields of ``fp`` that identify it: tag, role, words, stable attributes,
    its row/card, its box. A few hundred bytes instead of a full fingerprint."""
    out: Fingerprint = {}
    for key in ("tag", "role", "name", "text", "label", "container_text"):
        value = fp.get(key)
        if isinstance(value, str) and value:
            out[key] = value[:_TEXT_CUT]
    attributes = fp.get("attributes") or {}
    kept = {k: attributes[k][:_TEXT_CUT] for k in _RIVAL_ATTRIBUTES if attributes.get(k)}
    if kept:
        out["attributes"] = kept
    if "bbox" in fp:
        out["bbox"] = fp["bbox"]
    return out


def _label(fp: Fingerprint) -> str:
    words = fp.get("name") or fp.get("text") or fp.get("label") or ""
    if not words:
        attributes = fp.get("attributes") or {}
        words = attributes.get("placeholder") or attributes.get("id") or fp.get("tag", "")
    return words.strip()[:60]


def choose_rivals(
    chosen: int, candidates: Sequence[Fingerprint], ranked_next: Iterable[int]
) -> list[Fingerprint]:
    """Compact fingerprints of the elements a later choice must not be taken for: the
    candidates the resolver (or healing) ranked after ``chosen``, then the elements that
    share its words, at most MAX_RIVALS. The chosen element's own wrapper and inner parts
    (the same box) are no rivals: acting on them is the same click."""
    if not 0 <= chosen < len(candidates):
        return []
    me = Prepared(candidates[chosen])
    picked: list[int] = []

    def consider(i: int, other: Prepared | None = None) -> None:
        if i == chosen or i in picked or not 0 <= i < len(candidates):
            return
        other = other or Prepared(candidates[i])
        if not other.identity_tokens and not other.id and not other.test_id:
            return  # nothing to recognise it by later
        if same_box(me.box, other.box):
            return
        picked.append(i)

    for i in ranked_next:
        if len(picked) >= MAX_RIVALS:
            break
        consider(i)
    if me.identity_tokens and len(picked) < MAX_RIVALS:
        for i, fp in enumerate(candidates):
            if len(picked) >= MAX_RIVALS:
                break
            if i == chosen:
                continue
            other = Prepared(fp)  # prepared once, for the words and for consider()
            if me.identity_tokens & other.identity_tokens:
                consider(i, other)
    return [compact(candidates[i]) for i in picked]


def merge_rivals(new: Sequence[Fingerprint], old: Sequence[Fingerprint]) -> list[Fingerprint]:
    """Today's rivals first, then the ones remembered before, without repeats."""
    out: list[Fingerprint] = []
    seen: set[tuple[str, str, str]] = set()
    for fp in (*new, *old):
        key = (fp.get("role", ""), _label(fp), (fp.get("attributes") or {}).get("id", ""))
        if key not in seen:
            seen.add(key)
            out.append(fp)
    return out[:MAX_RIVALS]


def rival_match(
    cached: Fingerprint, rivals: Sequence[Fingerprint], choice: Fingerprint
) -> str | None:
    """A reason when ``choice`` is one of the stored rivals rather than the cached element."""
    if not rivals:  # the usual cache hit: nothing to compare, nothing to prepare
        return None
    return _rival_reason(Prepared(cached), Prepared(choice), cached, rivals, choice)


def _rival_reason(
    a: Prepared,
    c: Prepared,
    cached: Fingerprint,
    rivals: Sequence[Fingerprint],
    choice: Fingerprint,
) -> str | None:
    for rival in rivals:
        if _is_rival(a, Prepared(rival), c):
            return (
                f"{_quote(choice)} matches {_quote(rival)}, which stood beside "
                f"{_quote(cached)} when this step was learnt"
            )
    return None


def _quote(fp: Fingerprint) -> str:
    label = _label(fp)
    return f"'{label}'" if label else f"<{fp.get('tag', 'element')}>"


def _is_rival(a: Prepared, r: Prepared, c: Prepared) -> bool:
    """Is the choice ``c`` the rival ``r`` rather than the cached element ``a``?"""
    # A stable identifier of the rival's that the cached element did not have.
    for x_rival, x_choice, x_cached in (
        (r.test_id, c.test_id, a.test_id),
        (r.id, c.id, a.id),
    ):
        if x_rival and x_rival == x_choice and x_rival != x_cached and not numbered(x_rival):
            return True
    if not r.identity_tokens or r.identity_tokens != c.identity_tokens:
        return False
    if r.identity_tokens != a.identity_tokens:
        return True  # the rival's words, which are not the cached element's
    # The rival had the cached element's very words (the "Edit" of the next row): only
    # its row/card tells them apart.
    if r.container and c.container and a.container:
        rival_row = container_similarity(r, c)
        cached_row = container_similarity(a, c)
        return rival_row is not None and rival_row >= SAME_ITEM and (cached_row or 0.0) < SAME_ITEM
    return False


def evidence_against(
    cached: Fingerprint,
    rivals: Sequence[Fingerprint],
    choice: Fingerprint,
    closest: Fingerprint | None = None,
) -> Refusal | None:
    """Positive evidence that ``choice`` is another element than ``cached``; None when
    there is none (then the instruction's answer stands, however much else changed).
    ``closest`` is the candidate healing found most like the cached element, if any."""
    a, c = Prepared(cached), Prepared(choice)
    conflict = identity_conflict(a, c)
    if conflict is not None:
        return Refusal(conflict)
    if closest is not None:
        w = Prepared(closest)
        if (
            a.identity_tokens
            and a.identity_tokens == c.identity_tokens == w.identity_tokens
            and not one_visual_element(w, c)
            and not _nested(w, c)
        ):
            # The instruction's words fit both; the cache witnesses which one the step
            # used: the other one, in the cached element's place and likeness (the header
            # logo, not the footer link with the same words).
            return Refusal(
                f"{_quote(closest)} has the same words and resembles the cached element "
                "more, so the words do not say this one is it"
            )
    if (
        a.twins
        and a.identity_tokens
        and a.identity_tokens == c.identity_tokens
        and other_item(a, c)
        and not stable_matches(a, c)
    ):
        return Refusal(
            "it is another item of the same list: the cached element's words were shared by "
            f"{a.twins + 1} elements and this one is in another row/card"
        )
    rival = _rival_reason(a, c, cached, rivals, choice)
    return Refusal(rival, by_rival=True) if rival is not None else None


def _nested(a: Prepared, b: Prepared) -> bool:
    """One inside the other in the DOM (a row's ``<span>`` and the link it holds)."""
    if not a.xpath or not b.xpath:
        return False
    return a.xpath.startswith(b.xpath + "/") or b.xpath.startswith(a.xpath + "/")


def evidence_record(verdict: str, by: list[str], rival: str | None = None) -> EvidenceRecord:
    record: EvidenceRecord = {
        "verdict": "refused" if verdict == "refused" else "accepted",
        "by": by,
    }
    if rival:
        record["rival"] = rival
    return record
