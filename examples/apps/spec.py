"""The shape of a plain-language spec for the example apps (see docs in ``__init__``).

Each step is written three ways, as QA engineers write them, and comes with a JavaScript
check that is true only if the step did what it says (so a wrong click is caught) and a
hand-written Playwright version that proves the spec and its checks are right.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from playwright.sync_api import Page


@dataclass(frozen=True)
class Step:
    kind: Literal["act", "extract"]
    terse: str
    chatty: str
    imperative: str
    # JS `() => boolean`, evaluated in the page after the step
    check: str
    # the same step with Playwright's sync API and explicit locators; returns the value for extracts
    playwright: Callable[[Page], object]
    # extract steps: the expected value (compared after whitespace normalisation)
    expected: str | None = None

    def phrasings(self) -> dict[str, str]:
        return {"terse": self.terse, "chatty": self.chatty, "imperative": self.imperative}


@dataclass(frozen=True)
class AppSpec:
    name: str
    start: str
    steps: tuple[Step, ...]
    # values for `%name%` placeholders used in the phrasings
    variables: dict[str, str] = field(default_factory=dict)


def normalise(value: object) -> str:
    """How extracted values are compared with `expected`: whitespace collapsed."""
    return " ".join(str(value).split())
