"""The ``llm`` resolver: a language model *chooses* among the local resolver's top-k.

Choose, don't generate: the model sees a compact numbered list of candidates (ranked by
the offline resolver, restricted to the shortlist when there is one) and answers
``{"index": n | null, "reason": "..."}``. Anything but a valid number from the list is an
abstention with a clear reason; a timeout or transport error raises ``ResolverError``.
A choice that the offline resolver knows to be contradicted ("sign in" is not "Sign up")
is vetoed: the engine never acts on a guess.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from backend.ai.base import Resolution, ResolveRequest
from backend.ai.chat import ChatMessage, ChatModel, parse_json_object
from backend.ai.local import LocalResolver, RankedCandidate, candidate_fields, describe
from backend.ai.settings import ResolverSettings
from backend.cache.records import Fingerprint

if TYPE_CHECKING:
    from playwright.async_api import Page

SYSTEM_PROMPT = (
    "You help a browser test find the element a test step means. You are given the step "
    "and a numbered list of candidate elements of the current page. Choose only from the "
    'list. Answer with a JSON object {"index": <number from the list or null>, '
    '"reason": "<one short sentence>"}. Answer null when no element clearly matches, '
    "when two elements match equally well, or when the closest element means something "
    'different (for example "Sign up" is not "Log in"). Never invent elements.'
)
ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "index": {"type": ["integer", "null"]},
        "reason": {"type": "string"},
    },
    "required": ["index", "reason"],
    "additionalProperties": False,
}
_DETAIL_FIELDS = ("label", "placeholder", "test id", "id", "name attribute", "nearby text")


def candidate_line(number: int, fp: Fingerprint) -> str:
    """``3. button "Log in" | test id=login-btn | nearby text="Welcome back"``."""
    fields = candidate_fields(fp)
    parts = [f"{number}. {describe(fp)}"]
    for key in _DETAIL_FIELDS:
        value = " ".join(fields.get(key, "").split())
        if value and value not in parts[0]:
            parts.append(f"{key}={json.dumps(value[:80], ensure_ascii=False)}")
    if fp.get("attributes", {}).get("href"):
        parts.append(f"href={json.dumps(fp['attributes']['href'][:80])}")
    if fp.get("enabled") is False:
        parts.append("disabled")
    return " | ".join(parts)


class LLMResolver:
    name = "llm"

    def __init__(
        self, settings: ResolverSettings | None = None, local: LocalResolver | None = None
    ) -> None:
        self.settings = settings or ResolverSettings()
        self.local = local or LocalResolver(self.settings)
        self.model = ChatModel(self.settings)

    async def resolve(self, request: ResolveRequest, page: Page | None = None) -> Resolution:
        ranked = self.local.rank(request)
        closest = [r.as_candidate() for r in ranked[:5]]
        listed = [r for r in ranked if r.compatible][: self.settings.llm_top_k]
        action = request["action"]
        if not listed:
            return _abstain(request, closest, "no candidate can take this action")

        answer = await self.model.complete_json(
            system=SYSTEM_PROMPT,
            messages=[ChatMessage(role="user", parts=[self.prompt(request, listed)])],
            schema=ANSWER_SCHEMA,
            schema_name="element_choice",
        )
        choice = parse_json_object(answer)
        if choice is None or "index" not in choice:
            return _abstain(
                request, closest, f"the model's answer is not a JSON choice: {answer[:200]!r}"
            )
        reason = str(choice.get("reason") or "").strip() or "no reason given"
        number = choice["index"]
        if number is None:
            return _abstain(request, closest, f"the model found no clear match: {reason}")
        if isinstance(number, bool) or not isinstance(number, int):
            return _abstain(
                request, closest, f"the model's index {number!r} is not a number from the list"
            )
        if not 1 <= number <= len(listed):
            return _abstain(
                request,
                closest,
                f"the model chose {number}, which is not in the list 1..{len(listed)}",
            )
        chosen = listed[number - 1]
        veto = self.local.contradiction(request, chosen.index)
        if veto:
            return _abstain(
                request,
                closest,
                f"the model chose #{chosen.index} ({reason}), but {veto}",
            )
        return Resolution(
            index=chosen.index,
            action=action,
            confidence=_confidence(chosen),
            reasons=[
                f"{self.settings.llm_provider} model {self.settings.llm_model} chose "
                f"{describe(request['candidates'][chosen.index])}: {reason}",
                f"local score {chosen.score:.0f}",
            ],
            closest=closest,
        )

    def prompt(self, request: ResolveRequest, listed: list[RankedCandidate]) -> str:
        action = request["action"]["method"]
        lines = [
            f"Step: {request['instruction']}",
            f"Element wanted: {request['target'] or request['instruction']}",
            f"Action: {action}",
            "Candidates:",
            *(
                candidate_line(number, request["candidates"][r.index])
                for number, r in enumerate(listed, start=1)
            ),
        ]
        return "\n".join(lines)


def _confidence(chosen: RankedCandidate) -> float:
    # A model states no calibrated confidence; agreement with the lexical score raises it.
    # The engine verifies the element either way.
    return round(min(95.0, 70.0 + 0.25 * chosen.score), 1)


def _abstain(request: ResolveRequest, closest: list[Any], reason: str) -> Resolution:
    return Resolution(
        index=None, action=request["action"], confidence=0.0, reasons=[reason], closest=closest
    )
