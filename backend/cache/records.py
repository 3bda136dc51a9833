"""The shared vocabulary of the element cache: plain, JSON-serialisable records.

These are the contract between the browser layer (which *collects* fingerprints and
performs actions), the pure decision logic (``verify`` / ``relocate``), the resolvers and
the stores. Every field of a fingerprint is optional: a missing field means "unknown",
never "mismatch". Field-by-field documentation lives in ``docs/element-cache.md``.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

# --- what the browser layer collects -------------------------------------------------


class BoundingBox(TypedDict):
    x: float
    y: float
    width: float
    height: float


class ParentInfo(TypedDict, total=False):
    tag: str
    id: str
    classes: list[str]
    role: str
    test_id: str


class Fingerprint(TypedDict, total=False):
    """One element, as seen in one page. Collected in a single ``page.evaluate``."""

    tag: str  # lower-case tag name
    role: str  # ARIA role (explicit or implicit)
    name: str  # accessible name
    text: str  # visible text, whitespace-collapsed, cut to 200 chars
    attributes: dict[str, str]  # id, name, class, type, href, alt, placeholder, aria-*, data-test*
    label: str  # text of the associated <label>, if any
    neighbour_text: str  # nearby text (previous sibling / heading / legend), cut to 200 chars
    # Text of the repeated item the element belongs to (nearest enclosing table row, list
    # item, article/card), cut to 200 chars. Tells the "Edit" of one row from the "Edit"
    # of the next; missing when the element is in no such item.
    container_text: str
    # How many *other* candidates had the same role and accessible name when this one was
    # collected (0 = unique). When fewer remain, one of the twins is gone, and the words
    # alone no longer say which one is left.
    twins: int
    parents: list[ParentInfo]  # up to 3 levels, nearest first
    sibling_index: int  # index among same-tag siblings
    xpath: str  # absolute XPath
    id_xpath: str  # XPath relative to the nearest ancestor with an id
    bbox: BoundingBox
    styles: dict[str, str]  # a few computed styles (display, visibility, color, background, font)
    visible: bool
    enabled: bool
    editable: bool
    dom_hash: str  # hash of the element's outerHTML with volatile attributes removed
    visual_hash: str  # optional perceptual hash of the element's screenshot
    frame: str  # frame path ("" for the main frame)
    index: int  # position in the snapshot it was collected in (not stored in the cache)


class PageContext(TypedDict, total=False):
    url: str
    route: str  # normalised route: ids and query values replaced, see keys.normalise_route
    title: str
    viewport: dict[str, int]
    logged_in: bool


SelectorKind = Literal["testid", "role", "label", "placeholder", "text", "id", "css", "xpath"]

# Playwright's robustness order: the first kinds survive most page changes.
SELECTOR_ORDER: tuple[SelectorKind, ...] = (
    "testid",
    "role",
    "label",
    "placeholder",
    "text",
    "id",
    "css",
    "xpath",
)


class Selector(TypedDict):
    kind: SelectorKind
    value: str  # a Playwright selector string, e.g. 'internal:role=button[name="Log in"i]'


# --- decisions ---------------------------------------------------------------------

Decision = Literal["cache_hit", "cache_hit_verified", "healed", "resolver"]


class LayerScores(TypedDict):
    """Each 0..100. Weighted 30 / 25 / 25 / 20 into the verification score."""

    structural: float
    visual: float
    behavioural: float
    context: float
    # Layers with no comparable field on either side. Their score above is the weighted
    # mean of the known layers, so the total equals renormalising over known layers.
    unknown: NotRequired[list[str]]


class Relocation(TypedDict):
    """The answer of ``relocate(cached, candidates)``.

    ``decision``: ``"accept"`` (``index`` is safe to act on), ``"ambiguous"`` (several
    plausible candidates or no clear margin: ask the resolver with ``top`` as the shortlist),
    ``"missing"`` (nothing plausible: the element is gone).
    """

    decision: Literal["accept", "ambiguous", "missing"]
    index: int | None
    confidence: float  # 0..100
    scores: LayerScores | None
    reasons: list[str]
    top: list[int]  # candidate indexes, best first, for the resolver


class ActionSpec(TypedDict):
    """What a step does to its element. Values typed by the user are never stored:
    ``argument`` is either a literal from the instruction (e.g. an option label) or a
    ``%placeholder%`` naming a variable."""

    method: Literal[
        "click",
        "fill",
        "type",
        "select",
        "check",
        "uncheck",
        "press",
        "hover",
        "upload",
        "scroll",
        "drag",
        "edit",
        "none",
    ]
    argument: NotRequired[str | None]


class ElementStats(TypedDict):
    uses: int
    successes: int
    failures: int
    last_used_at: str | None  # ISO 8601
    created_at: str  # ISO 8601


class CachedElement(TypedDict):
    """One cache entry (current version)."""

    key: str  # see keys.element_key
    project: str
    scope: str  # branch scope
    instruction: str  # normalised instruction
    route: str
    frame: str
    selectors: list[Selector]
    fingerprint: Fingerprint
    context: PageContext
    action: ActionSpec
    stats: ElementStats
    version: int
    status: Literal["active", "deprecated", "invalidated"]
    extraction_plan: NotRequired[dict[str, Any] | None]  # for extract(): field -> element refs
    # Compact fingerprints (backend.cache.heal.compact) of the elements that stood beside
    # this one when the step was learnt or relearnt: the candidates the resolver ranked
    # next and the elements sharing its words (at most 5). A later choice matching one of
    # them is refused. Part of the stored JSON document: no column, no migration.
    rivals: NotRequired[list[Fingerprint]]


class EvidenceRecord(TypedDict):
    """Which evidence accepted or refused an element (audit trail, cache explorer)."""

    verdict: Literal["accepted", "refused"]
    by: list[str]  # the named pieces of evidence ("same accessible name", "opposite words")
    rival: NotRequired[str]  # the stored rival the choice matched, when that refused it
