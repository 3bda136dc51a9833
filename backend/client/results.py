"""What every client call reports: one ``StepResult`` per step (also written into the
pytest JSON report), and ``ObservedElement`` for ``observe()``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from backend.cache.records import Decision

StepKind = Literal["act", "observe", "extract", "goto"]


class CandidateSummary(BaseModel):
    """A candidate element as a person would recognise it, with why it was not chosen."""

    description: str
    score: float | None = None
    why: str = ""

    def describe(self) -> str:
        score = f" (score {self.score:.0f})" if self.score is not None else ""
        why = f": {self.why}" if self.why else ""
        return f"{self.description}{score}{why}"


class StepResult(BaseModel):
    kind: StepKind
    instruction: str  # as it may be logged: typed literals are shown as "***"
    decision: Decision | Literal["failed", "navigated"]
    confidence: float = 0.0  # 0..100
    # structural / visual / behavioural / context (records.LayerScores; a plain dict here
    # because pydantic cannot validate typing.TypedDict on Python 3.11)
    scores: dict[str, Any] | None = None
    duration_ms: float = 0.0
    selector: str | None = None  # the selector the action went through
    explanation: str = ""
    key: str | None = None  # cache key of the element (None when the cache was not used)
    resolver_calls: int = 0
    closest: list[CandidateSummary] = Field(default_factory=list)
    # "containment": the element's name only contained the asked words plus words that
    # change its meaning, and the lenient setting accepted it (TESTABLE_LOCAL_LENIENT).
    matched_by: Literal["containment"] | None = None

    def __str__(self) -> str:
        mark = " (matched by containment)" if self.matched_by == "containment" else ""
        return (
            f"[{self.decision} {self.confidence:.0f}%] {self.instruction}{mark}: {self.explanation}"
        )


class ObservedElement(BaseModel):
    """One element ``observe()`` found: how to reach it and what one would do with it."""

    description: str
    selectors: list[dict[str, str]]  # records.Selector: {kind, value}, most robust first
    method: str  # suggested Playwright method: click, fill, select_option, check ...
    arguments: list[Any] = Field(default_factory=list)
    confidence: float  # 0..100
    fingerprint: dict[str, Any] | None = None  # records.Fingerprint

    @property
    def selector(self) -> str:
        """The most robust selector (pass it to ``ai.page.locator``)."""
        return self.selectors[0]["value"]
