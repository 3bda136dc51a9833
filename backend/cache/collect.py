"""The browser side of the element cache: the in-page collector (``collect.js``) and the
plain-Python helpers around what it returns.

``collect.js`` is one function evaluated by Playwright; it returns records shaped like
``records.Fingerprint`` / ``records.PageContext``, so everything downstream (``verify``,
``relocate``, resolvers, stores) works on plain JSON and never touches the browser.
The evaluation itself is done by the client's drivers (sync or async Playwright).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal, TypedDict, cast

from backend.cache.records import Fingerprint, PageContext, Selector, SelectorKind
from backend.cache.store.common import mask_personal_data

CollectMode = Literal["snapshot", "element", "selectors", "identity", "context", "resolve"]

_TEXT_FIELDS = ("text", "name", "label", "neighbour_text", "container_text")


@cache
def collect_js() -> str:
    """The collector, a JS function ``(element, request) => result``."""
    return (Path(__file__).with_name("collect.js")).read_text(encoding="utf-8")


def page_expression() -> str:
    """For ``page.evaluate(expr, request)``: the collector with no element."""
    return f"(request) => ({collect_js()})(null, request)"


def element_expression() -> str:
    """For ``locator.evaluate(expr, request)`` / ``handle.evaluate``: on one element."""
    return collect_js()


# The same numbering as collect.js's ``identity`` (the same WeakMap, on the top window when
# the frame is same-origin, so frames never share numbers), written out
# so that the cache-hit path's frequent identity checks do not send and parse the whole
# collector each time.
_IDENTITY_JS = (
    "(el) => { let w = window; try { if (window.top.document) w = window.top; } catch (e) {} "
    "const ids = (w.__testableIds ||= new WeakMap()); "
    "if (!ids.has(el)) { w.__testableNextId = (w.__testableNextId || 0) + 1; "
    "ids.set(el, w.__testableNextId); } return ids.get(el); }"
)


def all_identities_expression() -> str:
    """For ``locator.evaluate_all(expr)``: the identity of every matched element."""
    return f"(elements) => elements.map({_IDENTITY_JS})"


def request(mode: CollectMode, **options: Any) -> dict[str, Any]:
    return {"mode": mode, **options}


class Snapshot(TypedDict):
    context: PageContext
    candidates: list[Fingerprint]


class SelectorCandidates(TypedDict):
    identity: int
    selectors: list[Selector]


def parse_snapshot(raw: Any, *, mask: bool = False) -> Snapshot:
    data = cast(dict[str, Any], raw)
    candidates = [cast(Fingerprint, fp) for fp in data.get("candidates", [])]
    if mask:
        candidates = [mask_fingerprint(fp) for fp in candidates]
    return {"context": cast(PageContext, data.get("context", {})), "candidates": candidates}


def snapshot_signature(raw: Any) -> int:
    """What a person could see change between two raw snapshots: the candidates' kinds,
    names, texts, visibility and DOM hashes (not their boxes: an animation that only moves
    things does not make a step worth retrying)."""
    data = cast(dict[str, Any], raw or {})
    return hash(
        tuple(
            (
                fp.get("frame"),
                fp.get("tag"),
                fp.get("name"),
                fp.get("text"),
                fp.get("visible"),
                fp.get("enabled"),
                fp.get("dom_hash"),
            )
            for fp in data.get("candidates", [])
        )
    )


def parse_selectors(raw: Any) -> SelectorCandidates | None:
    if raw is None:
        return None
    data = cast(dict[str, Any], raw)
    selectors = [
        Selector(kind=cast(SelectorKind, s["kind"]), value=str(s["value"]))
        for s in data.get("selectors", [])
    ]
    return {"identity": int(data["identity"]), "selectors": selectors}


def mask_fingerprint(fp: Fingerprint) -> Fingerprint:
    """A copy with e-mail addresses, phone numbers and long numbers masked in its texts."""
    masked = cast(Fingerprint, dict(fp))
    for field in _TEXT_FIELDS:
        value = masked.get(field)
        if isinstance(value, str):
            masked[field] = mask_personal_data(value)  # type: ignore[literal-required]
    return masked


def describe(fp: Fingerprint) -> str:
    """How a person would recognise the element: 'button "Sign up" #signup'."""
    tag = fp.get("tag", "element")
    role = fp.get("role") or ""
    kind = role if role and role not in ("generic", "presentation") else tag
    name = fp.get("name") or fp.get("label") or fp.get("text") or ""
    attributes = fp.get("attributes") or {}
    parts = [kind]
    if name:
        parts.append(f'"{name[:60]}"')
    if attributes.get("id"):
        parts.append(f"#{attributes['id']}")
    elif attributes.get("data-testid"):
        parts.append(f"[data-testid={attributes['data-testid']}]")
    elif attributes.get("placeholder") and not name:
        parts.append(f"[placeholder={attributes['placeholder']}]")
    if fp.get("visible") is False:
        parts.append("(hidden)")
    elif fp.get("enabled") is False:
        parts.append("(disabled)")
    return " ".join(parts)


def identity_expression() -> str:
    """For ``handle.evaluate(expr)``: the element's identity, None once it left the page."""
    return f"(el) => el.isConnected ? ({_IDENTITY_JS})(el) : null"


# The element the "resolve" mode found, for acting on it (see collect.js resolveStored).
PINNED_JS = "() => window.__testablePinned || null"


def pin_expression() -> str:
    """For ``handle.evaluate(expr)``: identity, fingerprint and page context in one trip."""
    return (
        f"(el) => {{ const collect = ({collect_js()}); return {{"
        "identity: collect(el, {mode: 'identity'}), "
        "fingerprint: collect(el, {mode: 'element'}), "
        "context: collect(null, {mode: 'context'})}; }"
    )
