"""The I/O the engine asks for. The engine (``engine.py``) is a generator that yields these
and receives their results; ``drivers.py`` executes them with sync or async Playwright.

Exceptions a driver throws back into the engine: ``StaleElement`` (the element was
detached or replaced between finding and acting) and ``ActionFailed`` (Playwright could
not act: timeout, not visible, covered by another element ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.ai.base import ResolveRequest


class StaleElement(Exception):
    """The pinned element is no longer the element that was found (re-render, navigation)."""


class ActionFailed(Exception):
    """Playwright could not perform the action; the message is Playwright's."""


@dataclass(frozen=True)
class PageUrl:
    """-> str: the page's current URL (no browser round trip)."""


@dataclass(frozen=True)
class Goto:
    url: str  # -> None


@dataclass(frozen=True)
class Snapshot:
    """-> raw collect.js snapshot: {context, candidates} (remembered in the page)."""

    frame: str = ""


@dataclass(frozen=True)
class WaitForChange:
    """Playwright-like auto-wait: poll the page (the same snapshot as ``Snapshot``) until
    its candidates differ from the last snapshot taken, or ``timeout_ms`` passes.
    -> bool: True when the page changed (the step is worth trying again)."""

    timeout_ms: float


@dataclass(frozen=True)
class Identities:
    """-> list[int] | None: the identity of every element ``selector`` matches
    (None when the selector is not valid any more)."""

    selector: str


@dataclass(frozen=True)
class SnapshotSelectors:
    """-> raw {identity, selectors} for snapshot element ``index`` (None if it is gone)."""

    index: int


@dataclass(frozen=True)
class ElementSelectors:
    """-> raw {identity, selectors} for the element ``selector`` matches (exactly one)."""

    selector: str


@dataclass(frozen=True)
class Pin:
    """Hold the one element ``selector`` matches for the coming action.
    -> {identity, fingerprint, context}; raises ``StaleElement`` when it matches none or
    several."""

    selector: str


@dataclass(frozen=True)
class ResolveCached:
    """The cache-hit path in one round trip, resolved in the page (collect.js "resolve"):
    -> {matches: [identities each stored selector matches, or None when the page side
    cannot tell (ask ``Identities``)]} plus, when they agree on exactly one element,
    {identity, fingerprint, context}; that element is then pinned for ``Perform``."""

    selectors: tuple[str, ...]


@dataclass(frozen=True)
class Perform:
    """Act on the pinned element (``method`` from ActionSpec; ``value`` already has its
    variables filled in). ``expected_identity`` guards against a swapped element.
    -> None; raises ``StaleElement`` / ``ActionFailed``."""

    method: str
    value: str | None
    expected_identity: int
    timeout_ms: float
    double: bool = False


@dataclass(frozen=True)
class PressOnPage:
    key: str  # -> None: a key press with no target element
    timeout_ms: float = 10_000


@dataclass(frozen=True)
class GoBack:
    """-> None: the browser's back button ("go back")."""

    timeout_ms: float = 10_000


@dataclass(frozen=True)
class DragAndDrop:
    """-> None: drag the one element ``source`` matches onto the one ``target`` matches.
    Raises ``ActionFailed``."""

    source: str
    target: str
    timeout_ms: float = 10_000


@dataclass(frozen=True)
class ReadState:
    """-> {connected, value, checked, selected: [[value, label], ...]} of the pinned element."""


@dataclass(frozen=True)
class ReadTexts:
    """-> list[str | None] | None: what every element ``selector`` matches shows (None when
    the selector is not valid). ``mode``: "text" (visible text; a form field's current
    value), "value" (a form field's value: a select's chosen labels, a check box's
    "true"/"false"), "label" (the value the element labels: a <dt>'s <dd>, a row header's
    next cell, a <label>'s field, the element after "Name:", None when there is none),
    "after-colon" (the part of "Total: $4.50" after the colon), "after:<label>" (the text
    after a label it starts with: "In progress (2)" after "In progress" -> "2"), "item"
    (a repeated item's name: the first line of its visible text)."""

    selector: str
    mode: str = "text"


@dataclass(frozen=True)
class FindLists:
    """-> [{items: css selector of the items, count, words, texts}] for every repeated
    structure on the page (list items, table body rows, sibling cards), page order."""


@dataclass(frozen=True)
class ReadTable:
    """-> {headers: [str], rows: [[str]]} of the one table ``selector`` matches, or None."""

    selector: str


@dataclass(frozen=True)
class StoreCall:
    """-> the result of ``await store.<method>(*args, **kwargs)``."""

    method: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Resolve:
    request: ResolveRequest  # -> Resolution


Command = (
    PageUrl
    | Goto
    | Snapshot
    | WaitForChange
    | Identities
    | SnapshotSelectors
    | ElementSelectors
    | Pin
    | ResolveCached
    | Perform
    | PressOnPage
    | GoBack
    | DragAndDrop
    | ReadState
    | ReadTexts
    | FindLists
    | ReadTable
    | StoreCall
    | Resolve
)
