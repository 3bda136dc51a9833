"""The resolver interface: given an instruction and the page's candidate elements, say
which element it means (or abstain). Implementations: ``local`` (offline, default),
``llm`` (an LLM chooses among the local resolver's top-k), ``stagehand``.

A resolver *chooses*; it never acts. Its choice is verified and cached by the engine
like any other decision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NotRequired, Protocol, TypedDict

from backend.cache.records import ActionSpec, Fingerprint

if TYPE_CHECKING:
    from playwright.async_api import Page


class Candidate(TypedDict):
    index: int  # index into ResolveRequest.candidates
    score: float  # 0..100
    why: str  # why it was considered or rejected, e.g. '"sign in" is not "Sign up"'


class ResolveRequest(TypedDict):
    instruction: str  # the user's instruction with %placeholders% left in
    target: str  # the part that describes the element ("the login button")
    action: ActionSpec  # parsed from the instruction
    candidates: list[Fingerprint]  # visible candidate elements of the page, in snapshot order
    shortlist: list[int] | None  # when healing was unsure: the candidates it could not split
    # Qualifiers the instruction grammar read (backend/cache/instructions.py), all optional:
    item: NotRequired[str | None]  # the repeated item (row, list item, card) showing this text
    region: NotRequired[str | None]  # "header", "dialog" ... or a named section ("billing")
    near: NotRequired[str | None]  # text the element sits next to ("Total")
    ordinal: NotRequired[int | None]  # 1-based among equal matches; -1 = the last
    role_hints: NotRequired[list[str]]  # roles the verb implies (toggle: switch, checkbox)
    # a verb the grammar does not know ("reschedule the appointment with Dr. Ito"): only an
    # element whose own words say it may be chosen
    verb: NotRequired[str | None]


class Resolution(TypedDict):
    index: int | None  # None = abstain: no candidate matches clearly
    action: ActionSpec
    confidence: float  # 0..100
    reasons: list[str]
    closest: list[Candidate]  # best candidates, best first (for the failure message)
    # Set when the choice only *contains* the asked words plus words that change its meaning
    # ("Create account for a friend" for "create account"), accepted by the lenient setting.
    containment: NotRequired[str | None]


class Resolver(Protocol):
    name: str

    async def resolve(self, request: ResolveRequest, page: Page | None) -> Resolution:
        """Choose among ``request["candidates"]``. ``page`` is the async page when the
        client is async, None for the sync client (its page lives on another thread).
        Raises ``backend.ai.errors.ResolverError`` when it cannot answer."""
        ...
