"""The one engine behind the sync ``AI`` and the async ``AsyncAI``.

Design: *sans-IO*. Each step (``act``, ``observe``, ``extract``, ``goto``) is written once,
as a generator that yields I/O commands (``commands.py``: evaluate the collector, count
a selector's matches, act on the pinned element, call the store or the resolver) and
receives their results. ``drivers.py`` runs the generator with async Playwright or with
sync Playwright. Why: sync Playwright (what pytest-playwright's ``page`` is) cannot be
driven from an event loop and async Playwright cannot run inside a sync test, so a
shared *async* engine would need a second browser connection or greenlet tricks, and two
engines would drift apart on exactly the safety rules that matter. Here the decision
logic exists once, and it never touches the browser directly.

The flow of ``act()`` (see "The element cache" in ARCHITECTURE.md):

    parse -> key -> store.find
      cached: stored selectors (each must match exactly one element, all must agree)
              -> fingerprint -> verify(): use -> act (cache_hit)
                                          use_and_verify -> act + check (cache_hit_verified)
              selectors broken / disagree / score < 70 -> snapshot -> relocate():
                 accept -> act (healed); ambiguous -> resolver over the shortlist
                 (resolver); missing -> fail, naming the closest candidates
      not cached: snapshot -> resolver -> act (resolver)
    write back only after the action succeeded; every lookup is audited.
"""

from __future__ import annotations

import re
import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar, cast

from backend.ai.base import Resolution, ResolveRequest
from backend.ai.errors import ResolverError
from backend.cache.collect import (
    Snapshot as SnapshotData,
)
from backend.cache.collect import (
    describe,
    mask_fingerprint,
    parse_selectors,
    parse_snapshot,
)
from backend.cache.heal import (
    choose_rivals,
    evidence_against,
    evidence_record,
    merge_rivals,
    rival_match,
)
from backend.cache.keys import element_key, normalise_instruction, normalise_route
from backend.cache.records import (
    ActionSpec,
    CachedElement,
    Decision,
    ElementStats,
    EvidenceRecord,
    Fingerprint,
    LayerScores,
    PageContext,
    Selector,
    SelectorKind,
)
from backend.cache.relocate import relocate, similarity
from backend.cache.scoring import Prepared, verify
from backend.cache.store.base import Actor, ChangeKind, DecisionRecord
from backend.cache.synonyms import canonical_tokens
from backend.client import commands as cmd
from backend.client.errors import TestAbleStepError
from backend.client.instructions import ParsedInstruction, parse_instruction
from backend.client.results import CandidateSummary, StepResult

T = TypeVar("T")
Flow = Generator[cmd.Command, Any, T]

MAX_STORED_SELECTORS = 5
MAX_CLOSEST = 5


@dataclass(frozen=True)
class EngineConfig:
    """Per-client settings the engine needs (no platform settings, no secrets)."""

    project: str
    scope: str = "default"
    use_cache: bool = True
    mask_personal_data: bool = False
    action_timeout_ms: float = 10_000
    run_id: str | None = None
    frame: str = ""  # the main frame; iframes are not collected yet


@dataclass
class Located:
    """The element a step will act on, and how it was found."""

    selector: str
    identity: int
    fingerprint: Fingerprint
    context: PageContext
    selectors: list[Selector]
    decision: Decision
    confidence: float
    scores: LayerScores | None
    reasons: list[str]
    check_after: bool  # verify the element's state after acting
    write: tuple[ChangeKind, Actor] | None  # what to write back once the step succeeded
    resolver_calls: int = 0
    containment: str | None = None  # the lenient resolver accepted a containing match
    rivals: list[Fingerprint] | None = None  # stored with the entry (backend.cache.heal)
    evidence: EvidenceRecord | None = None  # which evidence accepted it (audit trail)


@dataclass
class StepFailure(Exception):
    """Inside the engine: the step cannot be done safely. Turned into TestAbleStepError."""

    explanation: str
    closest: list[CandidateSummary] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    confidence: float = 0.0
    scores: LayerScores | None = None
    resolver_calls: int = 0
    evidence: EvidenceRecord | None = None  # which evidence refused the element


# --- small helpers ---------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _suits(fp: Fingerprint, method: str) -> str | None:
    """Why ``method`` cannot apply to the element ``fp`` (None when it can)."""
    tag = fp.get("tag", "")
    role = fp.get("role", "")
    kind = (fp.get("attributes") or {}).get("type", "").lower()
    if method == "upload":
        return None if tag == "input" and kind == "file" else "it is not a file input"
    if fp.get("visible") is False and not (tag == "input" and kind in ("checkbox", "radio")):
        return "it is not visible"
    if method == "hover":
        return None
    if fp.get("enabled") is False:
        return "it is disabled"
    if method in ("fill", "type") and not fp.get("editable", True):
        return "it cannot be typed into"
    if method == "select" and tag != "select" and role not in ("combobox", "listbox"):
        return "it is not a drop-down list"
    if method in ("check", "uncheck") and role not in ("checkbox", "radio", "switch"):
        return "it is not a check box, radio button or switch"
    return None


def _summaries(
    candidates: list[Fingerprint], indexes: list[int], why: Mapping[int, str] | None = None
) -> list[CandidateSummary]:
    out = []
    for i in indexes[:MAX_CLOSEST]:
        if 0 <= i < len(candidates):
            out.append(
                CandidateSummary(description=describe(candidates[i]), why=(why or {}).get(i, ""))
            )
    return out


def _resolution_closest(
    resolution: Resolution, candidates: list[Fingerprint]
) -> list[CandidateSummary]:
    out = []
    for c in resolution.get("closest", [])[:MAX_CLOSEST]:
        i = c["index"]
        if 0 <= i < len(candidates):
            out.append(
                CandidateSummary(
                    description=describe(candidates[i]), score=c["score"], why=c["why"]
                )
            )
    return out


def _pick_selectors(raw: list[Selector], kept: list[bool]) -> list[Selector]:
    """One selector per kind, most robust first, at most MAX_STORED_SELECTORS. The last
    slot goes to a structural one (css/xpath) so a text change cannot break them all."""
    chosen: list[Selector] = []
    kinds: set[SelectorKind] = set()
    for selector, ok in zip(raw, kept, strict=True):
        if ok and selector["kind"] not in kinds:
            chosen.append(selector)
            kinds.add(selector["kind"])
    if len(chosen) <= MAX_STORED_SELECTORS:
        return chosen
    structural = [s for s in chosen if s["kind"] in ("css", "xpath")]
    semantic = [s for s in chosen if s["kind"] not in ("css", "xpath")]
    return [*semantic[: MAX_STORED_SELECTORS - 1], *(structural[:1] or semantic[-1:])]


# --- building blocks (each a sub-flow) ----------------------------------------------------


def _snapshot(config: EngineConfig) -> Flow[SnapshotData]:
    raw = yield cmd.Snapshot(frame=config.frame)
    return parse_snapshot(raw, mask=config.mask_personal_data)


def _unique_selectors(
    source: cmd.SnapshotSelectors | cmd.ElementSelectors,
) -> Flow[tuple[int, list[Selector]] | None]:
    """Selector candidates for one element, kept only when they match exactly it."""
    parsed = parse_selectors((yield source))
    if parsed is None:
        return None
    identity = parsed["identity"]
    kept = []
    for selector in parsed["selectors"]:
        identities = yield cmd.Identities(selector["value"])
        kept.append(identities == [identity])
    return identity, _pick_selectors(parsed["selectors"], kept)


def _pin(selector: str, identity: int) -> Flow[dict[str, Any]]:
    pinned = yield cmd.Pin(selector)
    if pinned["identity"] != identity:
        raise cmd.StaleElement(f"{selector} now matches another element")
    return cast(dict[str, Any], pinned)


def _locate_candidate(
    config: EngineConfig, snapshot: SnapshotData, index: int
) -> Flow[tuple[str, int, Fingerprint, PageContext, list[Selector]]]:
    """Selectors for snapshot element ``index``, and the element pinned for acting."""
    found = yield from _unique_selectors(cmd.SnapshotSelectors(index))
    if found is None or not found[1]:
        raise cmd.StaleElement("the chosen element left the page before it could be used")
    identity, selectors = found
    pinned = yield from _pin(selectors[0]["value"], identity)
    fingerprint = cast(Fingerprint, pinned["fingerprint"])
    if config.mask_personal_data:
        fingerprint = mask_fingerprint(fingerprint)
    return (
        selectors[0]["value"],
        identity,
        fingerprint,
        cast(PageContext, pinned["context"]),
        selectors,
    )


def _ask_resolver(
    parsed: ParsedInstruction, snapshot: SnapshotData, shortlist: list[int] | None
) -> Flow[Resolution]:
    request: ResolveRequest = {
        "instruction": parsed.display,
        "target": parsed.target,
        "action": parsed.action,
        "candidates": snapshot["candidates"],
        "shortlist": shortlist,
    }
    understood = parsed.understood
    if understood is not None:
        # The grammar's qualifiers: "… for 'pay rent'", "… in the header", "the second …"
        request["item"] = understood.item
        request["region"] = understood.region
        request["near"] = understood.near
        request["ordinal"] = understood.ordinal
        request["role_hints"] = list(understood.role_hints)
        if understood.verb:
            request["verb"] = understood.verb
    try:
        return cast(Resolution, (yield cmd.Resolve(request)))
    except ResolverError as error:  # the model timed out, refused, is misconfigured ...
        raise StepFailure(f"the resolver failed: {error}", resolver_calls=1) from error


def _try_cached(
    config: EngineConfig, cached: CachedElement, parsed: ParsedInstruction
) -> Flow[Located | list[str]]:
    """Use the stored selectors. Returns the located element, or the reasons to heal."""
    if not cached["selectors"]:
        return ["no stored selector"]
    # One round trip in the usual case: every stored selector resolved in the page, and
    # the fingerprint of the element when they agree on exactly one.
    hit = yield cmd.ResolveCached(tuple(s["value"] for s in cached["selectors"]))
    unique: list[tuple[Selector, int]] = []
    broken: list[str] = []
    for selector, known in zip(cached["selectors"], hit["matches"], strict=True):
        identities = known
        if identities is None:  # a form the page side cannot resolve: Playwright decides
            identities = yield cmd.Identities(selector["value"])
        if identities is not None and len(identities) == 1:
            unique.append((selector, identities[0]))
        else:
            count = "is not valid" if identities is None else f"matches {len(identities)} elements"
            broken.append(f"{selector['kind']} selector {selector['value']} {count}")
    if not unique:
        return ["no stored selector matches exactly one element", *broken]
    if len({identity for _, identity in unique}) > 1:
        groups: dict[int, list[str]] = {}
        for selector, identity in unique:
            groups.setdefault(identity, []).append(selector["kind"])
        split = " vs ".join("+".join(kinds) for kinds in groups.values())
        return [f"the stored selectors disagree ({split} point at different elements)", *broken]

    selector, identity = unique[0]
    if hit.get("identity") == identity:
        pinned: Mapping[str, Any] = hit  # the page side pinned it and took its fingerprint
    else:
        pinned = yield from _pin(selector["value"], identity)
    return (yield from _verify_cached(config, cached, parsed, selector, identity, pinned, broken))


def _verify_cached(
    config: EngineConfig,
    cached: CachedElement,
    parsed: ParsedInstruction,
    selector: Selector,
    identity: int,
    pinned: Mapping[str, Any],
    broken: list[str],
) -> Flow[Located | list[str]]:
    """Verify the element the stored selectors found (``pinned``: its fingerprint and page
    context) against the cached one."""
    fingerprint = cast(Fingerprint, pinned["fingerprint"])
    if config.mask_personal_data:
        fingerprint = mask_fingerprint(fingerprint)
    context = cast(PageContext, pinned["context"])
    verification = verify(
        cached["fingerprint"],
        fingerprint,
        stats=cached["stats"],
        now=_now(),
        cached_context=cached["context"],
        current_context=context,
        action=parsed.action,
        selectors_agree=True,
    )
    reasons = [*verification["reasons"], *broken]
    if verification["band"] == "heal":
        return [f"verification score {verification['score']:.0f} is below 70", *reasons]
    rival = rival_match(cached["fingerprint"], cached.get("rivals") or [], fingerprint)
    if rival is not None:  # the stored selectors now find what stood beside it
        return [f"the stored selectors found another element: {rival}", *reasons]
    clean = verification["band"] == "use" and not broken
    selectors = cached["selectors"]
    if broken:
        refreshed = yield from _unique_selectors(cmd.ElementSelectors(selector["value"]))
        if refreshed is not None and refreshed[0] == identity and refreshed[1]:
            selectors = refreshed[1]
    return Located(
        selector=selector["value"],
        identity=identity,
        fingerprint=fingerprint,
        context=context,
        selectors=selectors,
        decision="cache_hit" if clean else "cache_hit_verified",
        confidence=round(verification["score"], 1),
        scores=verification["scores"],
        reasons=reasons,
        check_after=not clean,
        write=None if clean else ("updated", "healing"),
    )


def _heal_or_resolve(
    config: EngineConfig, cached: CachedElement, parsed: ParsedInstruction, why: list[str]
) -> Flow[Located]:
    """The stored element could not be confirmed. Healing may find it again; otherwise the
    instruction decides, exactly as in a cold run (same resolver over the whole page, same
    abstention, same checks), and what the cache knows is only *evidence*: the choice is
    refused only when that evidence positively says it is another element (see
    ``backend.cache.heal``), never because nothing ties it to the cached element."""
    snapshot = yield from _snapshot(config)
    candidates = snapshot["candidates"]
    rivals = cached.get("rivals") or []
    relocation = relocate(
        cached["fingerprint"],
        candidates,
        cached_context=cached["context"],
        candidate_context=snapshot["context"],
    )
    reasons = [*why, *relocation["reasons"]]
    if relocation["decision"] == "accept" and relocation["index"] is not None:
        index = relocation["index"]
        problem = _suits(candidates[index], parsed.action["method"]) or rival_match(
            cached["fingerprint"], rivals, candidates[index]
        )
        if problem is None:
            selector, identity, fp, context, selectors = yield from _locate_candidate(
                config, snapshot, index
            )
            accepted_by = [r.removeprefix("evidence: ") for r in relocation["reasons"]]
            return Located(
                selector=selector,
                identity=identity,
                fingerprint=fp,
                context=context,
                selectors=selectors,
                decision="healed",
                confidence=relocation["confidence"],
                scores=relocation["scores"],
                reasons=reasons,
                check_after=True,
                write=("updated", "healing"),
                rivals=merge_rivals(choose_rivals(index, candidates, relocation["top"]), rivals),
                evidence=evidence_record(
                    "accepted", [r for r in accepted_by if r.startswith("same")] or accepted_by
                ),
            )
        reasons.append(f"healing found {describe(candidates[index])} but {problem}")

    # Instruction first: resolve the step as a cold run would, over the whole page.
    resolution = yield from _ask_resolver(parsed, snapshot, None)
    chosen = resolution["index"]
    if chosen is None:
        gone = relocation["decision"] == "missing"
        raise StepFailure(
            explanation=(
                f"{parsed.display!r}: the cached element ({describe(cached['fingerprint'])}) "
                + ("is gone from the page" if gone else "changed")
                + ", and no element on the page matches the instruction clearly (a run "
                "without the cache fails here too)"
            ),
            closest=_resolution_closest(resolution, candidates)
            or _summaries(
                candidates,
                relocation["top"] or _closest_by_relocation(cached, candidates),
            ),
            reasons=[*reasons, *resolution["reasons"]],
            confidence=resolution["confidence"],
            resolver_calls=1,
        )
    index = chosen
    if 0 <= index < len(candidates):
        top = relocation["top"]
        against = evidence_against(
            cached["fingerprint"], rivals, candidates[index], candidates[top[0]] if top else None
        )
        if against is not None:
            # Positive evidence that the instruction's answer is another element: a
            # look-alike left after the real element was removed, the neighbour that was
            # already there when the step was learnt, another row's button.
            raise StepFailure(
                explanation=(
                    f"{parsed.display!r}: the cached element ({describe(cached['fingerprint'])})"
                    f" changed or is gone; the resolver chose {describe(candidates[index])}, "
                    f"but {against.reason}, so TestAble did not act on it"
                ),
                closest=_resolution_closest(resolution, candidates)
                or _summaries(candidates, [index]),
                reasons=[*reasons, *resolution["reasons"]],
                confidence=resolution["confidence"],
                resolver_calls=1,
                evidence=evidence_record(
                    "refused", [against.reason], rival=against.reason if against.by_rival else None
                ),
            )
    located = yield from _resolved(config, parsed, snapshot, resolution, cached)
    located.reasons = [*reasons, *located.reasons]
    located.write = ("updated", "resolver")
    located.rivals = merge_rivals(located.rivals or [], rivals)
    located.evidence = evidence_record(
        "accepted",
        [
            "the instruction resolved as in a cold run",
            "no evidence that it is another element (no opposite words, no other kind of "
            "control, no other item of the list, no stored rival)",
        ],
    )
    return located


def _closest_by_relocation(cached: CachedElement, candidates: list[Fingerprint]) -> list[int]:
    """Candidates ranked by resemblance to the cached element, for the failure message."""
    a = Prepared(cached["fingerprint"])
    ranked = sorted(range(len(candidates)), key=lambda i: -similarity(a, Prepared(candidates[i])))
    return ranked[:MAX_CLOSEST]


def _resolved(
    config: EngineConfig,
    parsed: ParsedInstruction,
    snapshot: SnapshotData,
    resolution: Resolution,
    cached: CachedElement | None,
) -> Flow[Located]:
    """Check the resolver's choice and pin it."""
    candidates = snapshot["candidates"]
    index = resolution["index"]
    assert index is not None
    if not 0 <= index < len(candidates):
        raise StepFailure(
            explanation=f"{parsed.display!r}: the resolver answered candidate {index}, "
            f"but the page has {len(candidates)} candidates",
            resolver_calls=1,
        )
    problem = _suits(candidates[index], parsed.action["method"])
    if problem is not None:
        raise StepFailure(
            explanation=(
                f"{parsed.display!r}: the resolver chose {describe(candidates[index])}, but "
                f"{problem}, so it cannot be {parsed.action['method']}ed"
            ),
            closest=_resolution_closest(resolution, candidates),
            reasons=resolution["reasons"],
            resolver_calls=1,
        )
    selector, identity, fp, context, selectors = yield from _locate_candidate(
        config, snapshot, index
    )
    scores: LayerScores | None = None
    reasons = list(resolution["reasons"])
    if cached is not None:
        check = verify(
            cached["fingerprint"], fp, cached_context=cached["context"], current_context=context
        )
        scores = check["scores"]
        reasons.append(
            f"the resolver's choice scores {check['score']:.0f} against the cached element"
        )
    return Located(
        selector=selector,
        identity=identity,
        fingerprint=fp,
        context=context,
        selectors=selectors,
        decision="resolver",
        confidence=round(resolution["confidence"], 1),
        scores=scores,
        reasons=reasons,
        check_after=True,
        write=("created", "resolver"),
        resolver_calls=1,
        containment=resolution.get("containment"),
        # Learnt: remember what stood beside it, so a later choice of one of them is refused.
        rivals=choose_rivals(index, candidates, [c["index"] for c in resolution["closest"]]),
    )


def _from_cache(
    config: EngineConfig, cached: CachedElement, parsed: ParsedInstruction
) -> Flow[Located]:
    """The stored selectors; when they cannot confirm the element, heal or resolve.

    Auto-wait on the warm path too: when no stored selector finds any element, the page
    may not be built yet (a board drawn after an XHR). Healing or asking the resolver
    about a half-built page decides on a page that is still changing (and a warm run goes
    back to the resolver), so while the page keeps changing — it changes again within
    ``_SETTLE_MS`` — look again with the stored selectors, until the action timeout. A
    page that stays still that long without the element goes on to healing (a redesign
    costs at most ``_SETTLE_MS`` per step); a refusal there still auto-waits
    (``_locate_waiting``)."""
    started = time.perf_counter()
    found = yield from _try_cached(config, cached, parsed)
    waited = 0.0
    while not isinstance(found, Located) and _nothing_found(found):
        remaining = config.action_timeout_ms - (time.perf_counter() - started) * 1000
        if remaining <= 0:
            break
        yield from _snapshot(config)  # the page as it is now: what a change is measured from
        if not (yield cmd.WaitForChange(min(remaining, _SETTLE_MS))):
            break
        waited = time.perf_counter() - started
        found = yield from _try_cached(config, cached, parsed)
    if isinstance(found, Located):
        if waited:
            found.reasons.append(f"waited {waited:.1f} s for the page to show the element")
        return found
    absent = _nothing_found(found)
    located = yield from _heal_or_resolve(config, cached, parsed, found)
    if absent:
        # The page may have finished building while it was healed: the stored selectors,
        # once more, before a decision made on the page as it was then.
        again = yield from _try_cached(config, cached, parsed)
        if isinstance(again, Located):
            again.reasons.append(
                "the page finished building meanwhile: the stored selectors found it"
            )
            return again
        # looking again moved the page side's pin: pin the healed element once more
        yield from _pin(located.selector, located.identity)
    return located


# How long a page must stay unchanged to count as built (warm path, see _from_cache).
_SETTLE_MS = 500.0


def _nothing_found(reasons: list[str]) -> bool:
    """Whether every stored selector matched no element at all (the element is absent, as
    on a page still being built), not several or a different one."""
    return (
        bool(reasons)
        and reasons[0] == "no stored selector matches exactly one element"
        and all(r.endswith("matches 0 elements") for r in reasons[1:])
    )


def _locate(
    config: EngineConfig, parsed: ParsedInstruction, cached: CachedElement | None
) -> Flow[Located]:
    if cached is not None and cached["status"] == "active":
        try:
            return (yield from _from_cache(config, cached, parsed))
        except StepFailure:
            # A learnt control that only shows while its item is hovered: hover, try again.
            # No item, no new snapshot: the auto-wait measures change from the page the
            # failure was decided on (a snapshot here could take in a page built meanwhile,
            # and the wait would then wait for a change that already happened).
            if _item_words(parsed) is None:
                raise
            hovered = yield from _hover_item(config, parsed, (yield from _snapshot(config)))
            if not hovered:
                raise
            again = yield from _from_cache(config, cached, parsed)
            again.reasons.append(hovered)
            return again
    snapshot = yield from _snapshot(config)
    resolution = yield from _ask_resolver(parsed, snapshot, None)
    if resolution["index"] is None:
        # A control that only shows while its item is hovered ("the delete button for 'pay
        # rent'"): hover the item, look again.
        hovered = yield from _hover_item(config, parsed, snapshot)
        if hovered:
            snapshot = yield from _snapshot(config)
            retry = yield from _ask_resolver(parsed, snapshot, None)
            if retry["index"] is not None:
                retry = {**retry, "reasons": [*retry["reasons"], hovered]}
                return (yield from _resolved(config, parsed, snapshot, retry, None))
    if resolution["index"] is None:
        raise StepFailure(
            explanation=(
                f"{parsed.display!r}: no element on the page matches clearly"
                + (f" ({resolution['reasons'][0]})" if resolution["reasons"] else "")
            ),
            closest=_resolution_closest(resolution, snapshot["candidates"]),
            reasons=resolution["reasons"],
            confidence=resolution["confidence"],
            resolver_calls=1,
        )
    return (yield from _resolved(config, parsed, snapshot, resolution, None))


def _item_words(parsed: ParsedInstruction) -> str | None:
    """The text of the repeated item a step names ("pay rent"), explicit or quoted."""
    understood = parsed.understood
    if understood is None:
        return None
    if understood.item:
        return understood.item
    quoted = re.search(r"\"([^\"]+)\"|'([^']+)'|“([^”]+)”|‘([^’]+)’", understood.target)
    if quoted is None:
        return None
    return next(g for g in quoted.groups() if g)


def _hover_item(
    config: EngineConfig, parsed: ParsedInstruction, snapshot: SnapshotData
) -> Flow[str | None]:
    """Hover the element showing the step's item text, so hover-only controls appear.
    Returns what was hovered (for the step's reasons), None when there is no such item."""
    words = _item_words(parsed)
    if not words or parsed.action["method"] in ("hover", "fill", "type", "select", "upload"):
        return None
    wanted = set(canonical_tokens(words))
    best: tuple[int, int] | None = None
    for i, fp in enumerate(snapshot["candidates"]):
        if fp.get("visible") is False:
            continue
        own = set(canonical_tokens(fp.get("text") or fp.get("name") or ""))
        if wanted and wanted <= own:
            extra = len(own - wanted)
            if best is None or extra < best[0]:
                best = (extra, i)
    if best is None:
        return None
    try:
        _, identity, fp, _, _ = yield from _locate_candidate(config, snapshot, best[1])
        yield cmd.Perform("hover", None, identity, config.action_timeout_ms)
    except (cmd.StaleElement, cmd.ActionFailed):
        return None
    return f"hovered {describe(fp)} first: the control shows when its item is hovered"


def _locate_waiting(
    config: EngineConfig, parsed: ParsedInstruction, cached: CachedElement | None, started: float
) -> Flow[Located]:
    """``_locate``, retried the way Playwright auto-waits: a page that builds itself after
    ``load`` (scripts, data fetched late) may not show the element yet. While the action
    timeout lasts, a failed lookup waits until the page's candidates change and tries
    again (the resolver is asked again only about a changed page); the failure then says
    how long it waited. One place for every step kind's lookup (act here; extract uses
    the same ``WaitForChange``)."""
    waited = False
    while True:
        try:
            return (yield from _locate(config, parsed, cached))
        except StepFailure as failure:
            if isinstance(failure.__cause__, ResolverError):
                raise  # the resolver could not answer: waiting would not help
            remaining = config.action_timeout_ms - (time.perf_counter() - started) * 1000
            changed = remaining > 0 and (yield cmd.WaitForChange(remaining))
            waited = waited or remaining > 0
            if not changed:
                if waited:
                    failure.explanation += (
                        f" (waited {(time.perf_counter() - started):.1f} s for the page to "
                        "show a matching element)"
                    )
                raise


def _names_option(label: str, value: str | None) -> bool:
    """ "Dr. Okafor" names the option "Dr. Okafor (Physiotherapy)": the asked words, whole,
    in its label (the driver chose it only when no other option holds them)."""
    if not value:
        return False
    found = re.search(
        r"(?:^|[^a-z0-9])" + re.escape(" ".join(value.lower().split())) + r"(?:$|[^a-z0-9])",
        " ".join(label.lower().split()),
    )
    return found is not None


def _state_problem(method: str, value: str | None, state: Mapping[str, Any]) -> str | None:
    """Why the element's state after acting is not what the action should have left."""
    if method in ("fill", "type"):
        if state.get("value") is not None and state.get("value") != value:
            return "the field does not hold the typed value after typing"
    elif method in ("check", "uncheck"):
        wanted = method == "check"
        if state.get("checked") is not None and bool(state["checked"]) != wanted:
            return f"the element is {'not ' if wanted else ''}checked after {method}"
    elif method == "select":
        selected = state.get("selected")
        if selected is not None and not any(
            value in pair or any(_names_option(str(label), value) for label in pair)
            for pair in selected
        ):
            return f"{value!r} is not selected after choosing it"
    return None


# --- the steps ---------------------------------------------------------------------------


def _element(
    config: EngineConfig,
    parsed: ParsedInstruction,
    key: str,
    route: str,
    located: Located,
    previous: CachedElement | None,
) -> CachedElement:
    stats = (
        previous["stats"]
        if previous
        else {
            "uses": 0,
            "successes": 0,
            "failures": 0,
            "last_used_at": None,
            "created_at": _now().isoformat(),
        }
    )
    fingerprint = cast(Fingerprint, {k: v for k, v in located.fingerprint.items() if k != "index"})
    element: CachedElement = {
        "key": key,
        "project": config.project,
        "scope": config.scope,
        "instruction": normalise_instruction(parsed.instruction),
        "route": route,
        "frame": config.frame,
        "selectors": located.selectors,
        "fingerprint": fingerprint,
        "context": located.context,
        "action": parsed.action,
        "stats": stats,
        "version": previous["version"] if previous else 0,
        "status": "active",
    }
    # The entry's rivals: today's when the step was (re)learnt, else the ones it had.
    rivals = located.rivals
    if rivals is None and previous is not None:
        rivals = previous.get("rivals")
    if rivals:
        element["rivals"] = rivals
    return element


def new_stats() -> ElementStats:
    """Statistics of a new entry (the store keeps its own; this only fills the shape)."""
    return {
        "uses": 0,
        "successes": 0,
        "failures": 0,
        "last_used_at": None,
        "created_at": _now().isoformat(),
    }


def _audit(
    config: EngineConfig,
    key: str,
    parsed: ParsedInstruction,
    decision: Decision | Literal["failed"],
    confidence: float,
    scores: LayerScores | None,
    reasons: list[str],
    selector: str | None,
    duration_ms: float,
    evidence: EvidenceRecord | None = None,
) -> Flow[None]:
    if not config.use_cache:
        return
    record: DecisionRecord = {
        "project": config.project,
        "key": key,
        "instruction": parsed.display,
        "decision": decision,
        "confidence": confidence,
        "scores": scores,
        "reasons": reasons,
        "selector": selector,
        "duration_ms": duration_ms,
        "run_id": config.run_id,
        "at": _now().isoformat(),
    }
    if evidence is not None:
        record["evidence"] = evidence
    yield cmd.StoreCall("record_decision", (record,))


def act(
    config: EngineConfig, instruction: str, variables: Mapping[str, str] | None = None
) -> Flow[StepResult]:
    started = time.perf_counter()
    parsed = parse_instruction(instruction)
    value = parsed.value_for(variables)
    if parsed.action == {"method": "none", "argument": "back"}:
        yield cmd.GoBack(config.action_timeout_ms)
        return StepResult(
            kind="act",
            instruction=parsed.display,
            decision="navigated",
            confidence=100.0,
            duration_ms=_elapsed_ms(started),
            explanation="went back to the previous page (no element involved)",
        )
    if parsed.action["method"] in ("drag", "edit"):
        return (yield from _compound(config, parsed, value, started))
    if parsed.action["method"] == "click" and parsed.action.get("argument") == "right":
        value = "right"
    if not parsed.target:
        assert value is not None
        yield cmd.PressOnPage(value, config.action_timeout_ms)
        return StepResult(
            kind="act",
            instruction=parsed.display,
            decision="navigated",
            confidence=100.0,
            duration_ms=_elapsed_ms(started),
            explanation=f"pressed {value} on the page (no element involved)",
        )

    route = normalise_route((yield cmd.PageUrl()))
    key = element_key(config.project, config.scope, parsed.instruction, route, config.frame)
    cached: CachedElement | None = None
    if config.use_cache:
        cached = yield cmd.StoreCall(
            "find",
            (
                config.project,
                config.scope,
                route,
                config.frame,
                normalise_instruction(parsed.instruction),
            ),
        )
        if cached is not None:
            key = cached["key"]

    resolver_calls = 0
    located: Located | None = None
    for attempt in (1, 2):
        try:
            located = yield from _locate_waiting(config, parsed, cached, started)
            resolver_calls += located.resolver_calls
            if located.fingerprint.get("attributes", {}).get("type") == "password":
                parsed = replace(parsed, secret=True)  # what is typed there is never shown
            if located.fingerprint.get("visible") is False and parsed.action["method"] in (
                "click",
                "hover",
            ):
                # a learnt hover-only control: show it the way a person would
                snapshot = yield from _snapshot(config)
                hovered = yield from _hover_item(config, parsed, snapshot)
                if hovered:
                    located.reasons.append(hovered)
                    yield from _pin(located.selector, located.identity)
            perform = cmd.Perform(
                parsed.action["method"],
                value,
                located.identity,
                config.action_timeout_ms,
                parsed.double,
            )
            try:
                yield perform
            except cmd.ActionFailed:
                # A control that is there but takes no pointer until its item is hovered
                # (opacity 0, pointer-events none): hover the item, as a person would,
                # and act once more.
                hovered = None
                if parsed.action["method"] == "click":
                    snapshot = yield from _snapshot(config)
                    hovered = yield from _hover_item(config, parsed, snapshot)
                if not hovered:
                    raise
                located.reasons.append(hovered)
                yield from _pin(located.selector, located.identity)
                yield perform
            if located.check_after or parsed.action["method"] in (
                "fill",
                "type",
                "check",
                "uncheck",
                "select",
            ):
                state = yield cmd.ReadState()
                problem = _state_problem(parsed.action["method"], value, state)
                if problem:
                    raise StepFailure(
                        explanation=(
                            f"{parsed.display!r}: acted on {describe(located.fingerprint)}, "
                            f"but {problem}"
                        ),
                        reasons=located.reasons,
                        confidence=located.confidence,
                        scores=located.scores,
                    )
            break
        except cmd.StaleElement as stale:
            if attempt == 2:
                failure = StepFailure(
                    explanation=(
                        f"{parsed.display!r}: the element kept changing while acting ({stale})"
                    ),
                    resolver_calls=resolver_calls,
                )
                yield from _fail(config, key, parsed, cached, failure, started, located)
        except cmd.ActionFailed as error:
            failure = StepFailure(
                explanation=(
                    f"{parsed.display!r}: found "
                    f"{describe(located.fingerprint) if located else 'the element'}"
                    f" but could not {parsed.action['method']} it: {error}"
                ),
                reasons=located.reasons if located else [],
                confidence=located.confidence if located else 0.0,
                scores=located.scores if located else None,
                resolver_calls=resolver_calls,
            )
            yield from _fail(config, key, parsed, cached, failure, started, located)
        except StepFailure as failure:
            failure.resolver_calls += resolver_calls
            yield from _fail(config, key, parsed, cached, failure, started, located)
    assert located is not None

    # The step succeeded: now, and only now, the cache learns from it.
    duration = _elapsed_ms(started)
    if config.use_cache:
        if located.write is not None:
            change, actor = located.write
            if cached is None:
                change = "created"
            element = _element(config, parsed, key, route, located, cached)
            yield cmd.StoreCall(
                "put",
                (element,),
                {"change": change, "actor": actor, "reason": "; ".join(located.reasons[:3])},
            )
        yield cmd.StoreCall("record_outcome", (config.project, key), {"success": True})
        yield from _audit(
            config,
            key,
            parsed,
            located.decision,
            located.confidence,
            located.scores,
            located.reasons,
            located.selector,
            duration,
            located.evidence,
        )
    return StepResult(
        kind="act",
        instruction=parsed.display,
        decision=located.decision,
        confidence=located.confidence,
        scores=located.scores,
        duration_ms=duration,
        selector=located.selector,
        explanation=_explain(located),
        key=key if config.use_cache else None,
        resolver_calls=resolver_calls,
        matched_by="containment" if located.containment else None,
    )


def _sub_step(
    parsed: ParsedInstruction, method: str, target: str, **qualifiers: Any
) -> ParsedInstruction:
    """A step a compound step (drag, edit) is made of, as the grammar would read it."""
    understood = parsed.understood
    assert understood is not None
    variant = qualifiers.pop("variant", None)
    part = replace(understood, method=method, target=target, variant=variant, **qualifiers)
    action: ActionSpec = {"method": method, "argument": variant}  # type: ignore[typeddict-item]
    return ParsedInstruction(
        instruction=parsed.instruction,
        action=action,
        target=target,
        value=None,
        double=variant == "double",
        understood=part,
    )


def _try_locate(config: EngineConfig, parsed: ParsedInstruction) -> Flow[Located | None]:
    try:
        return (yield from _locate(config, parsed, None))
    except StepFailure:
        return None


def _compound(
    config: EngineConfig, parsed: ParsedInstruction, value: str | None, started: float
) -> Flow[StepResult]:
    """Steps that are several actions: "drag A onto B" (two elements) and "edit 'pay rent'
    to 'pay the rent'" (open the item's editor, type, confirm). Each element is resolved
    cold every time (not cached): the parts have no key of their own."""
    understood = parsed.understood
    assert understood is not None
    reasons: list[str] = []
    calls = 0
    located: Located | None = None
    route = normalise_route((yield cmd.PageUrl()))
    key = element_key(config.project, config.scope, parsed.instruction, route, config.frame)
    try:
        if parsed.action["method"] == "drag":
            source = yield from _locate(config, _sub_step(parsed, "hover", understood.target), None)
            destination_step = _sub_step(
                parsed,
                "hover",
                understood.destination or "",
                item=None,
                region=None,
                near=None,
                ordinal=None,
            )
            located = yield from _locate(config, destination_step, None)
            calls += source.resolver_calls + located.resolver_calls
            yield cmd.DragAndDrop(source.selector, located.selector, config.action_timeout_ms)
            explanation = (
                f"dragged {describe(source.fingerprint)} onto {describe(located.fingerprint)}"
            )
            reasons = [*source.reasons[:1], *located.reasons[:1]]
        else:
            item = understood.item or understood.target.strip("\"'“”‘’ ")
            before = yield from _snapshot(config)
            # An item's editor opens with its "Edit" control, else by double-clicking its text.
            opener = yield from _try_locate(
                config, _sub_step(parsed, "click", "edit button", item=item)
            )
            if opener is not None:
                yield cmd.Perform("click", None, opener.identity, config.action_timeout_ms)
            else:
                opener = yield from _locate(
                    config,
                    _sub_step(parsed, "click", f"'{item}'", item=None, variant="double"),
                    None,
                )
                yield cmd.Perform("click", None, opener.identity, config.action_timeout_ms, True)
            located = yield from _opened_editor(config, parsed, item, before, started)
            calls += opener.resolver_calls + located.resolver_calls
            yield cmd.Perform("fill", value, located.identity, config.action_timeout_ms)
            yield cmd.Perform("press", "Enter", located.identity, config.action_timeout_ms)
            explanation = (
                f"opened the editor with {describe(opener.fingerprint)}, typed the new text "
                f"into {describe(located.fingerprint)} and pressed Enter"
            )
            reasons = [*opener.reasons[:1], *located.reasons[:1]]
    except StepFailure as failure:
        failure.resolver_calls += calls
        yield from _fail(config, key, parsed, None, failure, started, located)
        raise AssertionError("unreachable") from None
    except (cmd.StaleElement, cmd.ActionFailed) as error:
        broken = StepFailure(
            explanation=f"{parsed.display!r}: could not {parsed.action['method']}: {error}",
            resolver_calls=calls,
        )
        yield from _fail(config, key, parsed, None, broken, started, located)
        raise AssertionError("unreachable") from None
    return StepResult(
        kind="act",
        instruction=parsed.display,
        decision="resolver",
        confidence=located.confidence,
        duration_ms=_elapsed_ms(started),
        selector=located.selector,
        explanation=f"{explanation} ({'; '.join(reasons)})" if reasons else explanation,
        resolver_calls=calls,
    )


def _opened_editor(
    config: EngineConfig,
    parsed: ParsedInstruction,
    item: str,
    before: SnapshotData,
    started: float,
) -> Flow[Located]:
    """The field an item's editor opened: the one editable field that appeared since
    ``before``, else the field of the item (as the resolver reads "the field for 'x'")."""
    known = {fp.get("xpath") for fp in before["candidates"] if fp.get("editable")}
    after = yield from _snapshot(config)
    new = [
        i
        for i, fp in enumerate(after["candidates"])
        if fp.get("editable") and fp.get("visible") is not False and fp.get("xpath") not in known
    ]
    if len(new) == 1:
        selector, identity, fp, context, selectors = yield from _locate_candidate(
            config, after, new[0]
        )
        return Located(
            selector=selector,
            identity=identity,
            fingerprint=fp,
            context=context,
            selectors=selectors,
            decision="resolver",
            confidence=90.0,
            scores=None,
            reasons=["the one field that appeared when the editor opened"],
            check_after=True,
            write=None,
        )
    return (
        yield from _locate_waiting(
            config, _sub_step(parsed, "fill", "field", item=item), None, started
        )
    )


def _explain(located: Located) -> str:
    element = describe(located.fingerprint)
    lead = {
        "cache_hit": f"used the cached {element}: selectors agree, fingerprint verified",
        "cache_hit_verified": f"used the cached {element} and checked it after acting",
        "healed": f"the page changed; healing found {element}",
        "resolver": f"the resolver chose {element}",
    }[located.decision]
    detail = "; ".join(located.reasons[:2])
    if located.containment:
        detail = f"{located.containment}; {detail}"
    return f"{lead} ({detail})" if detail else lead


def _fail(
    config: EngineConfig,
    key: str,
    parsed: ParsedInstruction,
    cached: CachedElement | None,
    failure: StepFailure,
    started: float,
    located: Located | None,
) -> Flow[None]:
    duration = _elapsed_ms(started)
    if config.use_cache and cached is not None:
        yield cmd.StoreCall("record_outcome", (config.project, key), {"success": False})
    yield from _audit(
        config,
        key,
        parsed,
        "failed",
        failure.confidence,
        failure.scores,
        [failure.explanation, *failure.reasons],
        located.selector if located else None,
        duration,
        failure.evidence,
    )
    result = StepResult(
        kind="act",
        instruction=parsed.display,
        decision="failed",
        confidence=failure.confidence,
        scores=failure.scores,
        duration_ms=duration,
        selector=located.selector if located else None,
        explanation=failure.explanation,
        key=key if config.use_cache else None,
        resolver_calls=failure.resolver_calls,
        closest=failure.closest,
    )
    # from None: the engine's internal exception would only add noise to the report.
    raise TestAbleStepError(failure.explanation, closest=failure.closest, result=result) from None


def goto(url: str) -> Flow[StepResult]:
    started = time.perf_counter()
    yield cmd.Goto(url)
    return StepResult(
        kind="goto",
        instruction=f"go to {url}",
        decision="navigated",
        confidence=100.0,
        duration_ms=_elapsed_ms(started),
        explanation=f"opened {url}",
    )


def suggested_method(fp: Fingerprint) -> tuple[str, ActionSpec]:
    """The Playwright method one would most likely use on ``fp``."""
    tag = fp.get("tag", "")
    kind = (fp.get("attributes") or {}).get("type", "").lower()
    role = fp.get("role", "")
    if tag == "input" and kind == "file":
        return "set_input_files", {"method": "upload"}
    if tag == "select" or role == "listbox":
        return "select_option", {"method": "select"}
    if role in ("checkbox", "radio", "switch"):
        return "check", {"method": "check"}
    if fp.get("editable"):
        return "fill", {"method": "fill"}
    return "click", {"method": "click"}
