"""The offline resolver (default): deterministic, free, no network.

It scores every candidate fingerprint against the target description ("the login
button") from the words the element shows or is known by — accessible name, label,
placeholder, text, test id, id/name attributes, nearby text — with synonyms and light
stemming, then weighs role/action compatibility (``fill`` needs an editable field) and
contradictions ("sign in" is not "Sign up"). It chooses only when one candidate wins
clearly; otherwise it abstains and names the closest candidates and why they lost, so the
step fails with a message a person can act on instead of acting on a guess.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from loguru import logger

from backend.ai import text
from backend.ai.base import Candidate, Resolution, ResolveRequest
from backend.ai.settings import ResolverSettings
from backend.cache import synonyms
from backend.cache.instructions import REGIONS, region_name
from backend.cache.records import ActionSpec, Fingerprint

if TYPE_CHECKING:
    from playwright.async_api import Page

# Where the words of an element come from, and how much a match there is worth. Nearby
# text only hints (it often belongs to a neighbour), ids are written for programmers.
TEST_ID_ATTRIBUTES = ("data-testid", "data-test-id", "data-test", "data-qa", "data-cy")
_FIELD_WEIGHTS: dict[str, float] = {
    "name": 1.0,
    "label": 1.0,
    "aria-label": 1.0,
    "text": 0.9,
    "placeholder": 0.9,
    "test id": 0.85,
    "title": 0.8,
    "alt": 0.8,
    "id": 0.65,
    "name attribute": 0.6,
    "description": 0.6,
    "class": 0.5,
    "nearby text": 0.5,
}
_ROLE_HINT_BONUS = 0.1  # the target's role word ("button") matches the candidate's role
_CONTRADICTION_FACTOR = 0.15  # opposite words: kept visible in `closest`, never chosen
_CLOSEST = 5
# A candidate whose name/label/text only *contains* the target's words scores at most
# this (0..1): below an exact match by more than the default deciding margin (10).
_CONTAINS_MAX = 0.88
_EXACT_FIELDS = ("name", "label", "aria-label", "text", "placeholder", "test id", "alt", "title")

# Role families: a "button" request tolerates a link styled as a button, less so a field.
_FAMILIES: dict[str, frozenset[str]] = {
    "clickable": frozenset({"button", "link", "menuitem", "tab", "option", "treeitem"}),
    "field": frozenset({"textbox", "searchbox", "spinbutton", "combobox"}),
    "choice": frozenset({"checkbox", "radio", "switch", "menuitemcheckbox", "menuitemradio"}),
    "list": frozenset({"combobox", "listbox"}),
    "img": frozenset({"img"}),
}
_EDITABLE_ROLES = frozenset({"textbox", "searchbox", "spinbutton", "combobox"})
_CHECKABLE_ROLES = _FAMILIES["choice"]
_CLICKABLE_ROLES = _FAMILIES["clickable"] | _CHECKABLE_ROLES | {"combobox"}
_INPUT_BUTTON_TYPES = frozenset({"submit", "button", "reset", "image"})


@dataclass(frozen=True)
class RankedCandidate:
    """One candidate's assessment. ``index`` points into ``ResolveRequest.candidates``."""

    index: int
    score: float  # 0..100
    why: str
    compatible: bool  # False: the action cannot apply to this element (fill on a button)
    contradiction: str | None  # '"sign in" is not "Sign up"' when opposite words were found
    exact: bool = False  # one of its own names says exactly the asked words
    matched: str = ""  # the text of the field that matched best (for the containment rule)

    def as_candidate(self) -> Candidate:
        return Candidate(index=self.index, score=round(self.score, 1), why=self.why)


def effective_role(fp: Fingerprint) -> str:
    """The ARIA role, or the implicit one from tag and type when the collector had none."""
    if fp.get("role"):
        return fp["role"]
    tag = fp.get("tag", "")
    kind = fp.get("attributes", {}).get("type", "").lower()
    if tag == "a" and "href" in fp.get("attributes", {}):
        return "link"
    if tag == "button" or (tag == "input" and kind in _INPUT_BUTTON_TYPES):
        return "button"
    if tag == "input":
        return {"checkbox": "checkbox", "radio": "radio", "search": "searchbox"}.get(
            kind, "textbox"
        )
    return {"select": "combobox", "textarea": "textbox", "img": "img"}.get(tag, "")


def describe(fp: Fingerprint) -> str:
    """Short human description: ``button "Sign up"``."""
    role = effective_role(fp) or fp.get("tag", "element")
    shown = _display_text(fp)
    return f'{role} "{shown}"' if shown else role


def _display_text(fp: Fingerprint) -> str:
    attributes = fp.get("attributes", {})
    for value in (
        fp.get("name"),
        fp.get("label"),
        fp.get("text"),
        attributes.get("placeholder"),
        attributes.get("aria-label"),
        _test_id(fp),
    ):
        if value and value.strip():
            return " ".join(value.split())[:60]
    return ""


def _test_id(fp: Fingerprint) -> str:
    attributes = fp.get("attributes", {})
    return next((attributes[a] for a in TEST_ID_ATTRIBUTES if attributes.get(a)), "")


def candidate_fields(fp: Fingerprint) -> dict[str, str]:
    """The texts an element is known by, keyed by where they come from."""
    attributes = fp.get("attributes", {})
    fields = {
        "name": fp.get("name", ""),
        "label": fp.get("label", ""),
        "aria-label": attributes.get("aria-label", ""),
        "text": fp.get("text", ""),
        "placeholder": attributes.get("placeholder", ""),
        "test id": _test_id(fp),
        "title": attributes.get("title", ""),
        "alt": attributes.get("alt", ""),
        "id": attributes.get("id", ""),
        "name attribute": attributes.get("name", ""),
        # aria-describedby resolved to text by the collector, when it gives it
        "description": str(cast("dict[str, Any]", fp).get("description") or ""),
        # Class names are words too ("task-input", "newTodo", "btn_delete"): split by the
        # tokeniser like ids; weighed low, they are written for styling.
        "class": attributes.get("class", ""),
        "nearby text": fp.get("neighbour_text", ""),
    }
    return {key: value for key, value in fields.items() if value and value.strip()}


# Words that are not the same (so never one cache key, see backend/cache/synonyms.py) but
# that a control is commonly called by instead: partial evidence, never exact.
_RELATED: frozenset[frozenset[str]] = frozenset(
    frozenset(pair)
    for pair in (
        ("filter", "search"),
        ("user", "account"),
        ("user", "profile"),
        ("account", "profile"),
        ("add", "new"),
    )
)


@lru_cache(maxsize=65_536)
def _token_similarity(wanted: str, seen: str) -> float:
    if wanted == seen:
        return 1.0
    if frozenset((wanted, seen)) in _RELATED:
        return 0.6
    shorter, longer = sorted((wanted, seen), key=len)
    if len(shorter) >= 4 and longer.startswith(shorter):
        return 0.75  # "pass" / "password", "qty" is handled by synonyms
    if min(len(wanted), len(seen)) >= 5 and (
        difflib.SequenceMatcher(None, wanted, seen).ratio() >= 0.85
    ):
        return 0.7  # spelling variants and typos: "adress" / "address"
    return 0.0


@lru_cache(maxsize=131_072)
def _field_tokens(value: str) -> tuple[str, ...]:
    """What a field says, without role words ("Search box" -> search). A name made only of
    small words ("To", "From", "Or") keeps them: they are all it says."""
    found = tuple(t for t in text.tokens(value) if t not in synonyms.ROLE_WORDS)
    return found or text.small_words(value)


@lru_cache(maxsize=16_384)
def _field_role_tokens(value: str) -> tuple[str, ...]:
    return tuple(t for t in text.tokens(value) if t in synonyms.ROLE_WORDS)


def _field_score(
    wanted: tuple[str, ...], weights: tuple[float, ...], seen: tuple[str, ...]
) -> float:
    """How well one field covers the target (coverage), tempered by how much else it says
    (precision): "Log in" beats "Log in to see your saved carts and orders"."""
    if not seen:
        return 0.0
    if seen == wanted:
        return 1.0
    seen_set = set(seen)
    matched = 0.0
    used: set[str] = set()
    for token, weight in zip(wanted, weights, strict=True):
        best, best_seen = 0.0, ""
        for other in seen_set:
            similarity = _token_similarity(token, other)
            if similarity > best:
                best, best_seen = similarity, other
        matched += weight * best
        if best:
            used.add(best_seen)
    coverage = matched / sum(weights)
    precision = len(used) / len(seen_set)
    return coverage * (0.75 + 0.25 * precision)


class _Embeddings:
    """Optional semantic similarity (sentence-transformers). Loaded only when configured and
    installed; a missing package is logged once and lexical scoring carries on alone."""

    def __init__(self, model_name: str) -> None:
        self._model: Any = None
        try:
            module = importlib.import_module("sentence_transformers")
        except ImportError:
            logger.warning(
                "embedding model {} configured but sentence-transformers is not installed "
                "(install the 'embeddings' extra); using lexical scoring only",
                model_name,
            )
            return
        self._model = module.SentenceTransformer(model_name)

    @property
    def available(self) -> bool:
        return self._model is not None

    def similarities(self, target: str, texts: list[str]) -> list[float]:
        vectors = self._model.encode([target, *texts], normalize_embeddings=True)
        return [float(max(0.0, vectors[0] @ vector)) for vector in vectors[1:]]


class LocalResolver:
    name = "local"

    def __init__(self, settings: ResolverSettings | None = None) -> None:
        self.settings = settings or ResolverSettings()
        self._embeddings = (
            _Embeddings(self.settings.embedding_model) if self.settings.embedding_model else None
        )

    async def resolve(self, request: ResolveRequest, page: Page | None = None) -> Resolution:
        return self.decide(request)

    # --- ranking ---------------------------------------------------------------------

    def rank(self, request: ResolveRequest) -> list[RankedCandidate]:
        """Every candidate in scope (the shortlist, when given), best first."""
        indexes = self._scope(request)
        target_text = _target_text(request)
        target = text.parse_target(target_text)
        if request["action"]["method"] in ("check", "uncheck") and target.roles == {"textbox"}:
            # "tick the newsletter box": a box one ticks is a check box
            target = dataclasses.replace(target, roles=frozenset({"checkbox", "switch"}))
        wanted = target.content
        # Words no candidate shows cannot tell candidates apart; they count half, so an
        # extra adjective ("the blue login button") lowers the score but does not sink it.
        fields_by_index = {i: candidate_fields(request["candidates"][i]) for i in indexes}
        # Each field tokenised once per request (a 2,000-element page has ~20,000 fields).
        tokens_by_index = {
            i: {key: _field_tokens(value) for key, value in fields.items()}
            for i, fields in fields_by_index.items()
        }
        vocabulary = {
            token
            for field_tokens in tokens_by_index.values()
            for seen in field_tokens.values()
            for token in seen
        }
        # The page's words that resemble a target word at all: a candidate with none of
        # them scores 0 lexically, so most of a large page skips the field-by-field scoring.
        matchable = frozenset(v for v in vocabulary if any(_token_similarity(t, v) for t in wanted))
        # A number the page shows ("order #1042") is the most specific word there is.
        weights = tuple(
            (2.0 if t.isdigit() else 1.0)
            * (1.0 if any(_token_similarity(t, v) for v in matchable) else 0.5)
            for t in wanted
        )
        semantic = self._semantic_scores(target_text, request, indexes)
        ranked = [
            self._assess(
                i,
                request["candidates"][i],
                fields_by_index[i],
                tokens_by_index[i]
                if any(not matchable.isdisjoint(seen) for seen in tokens_by_index[i].values())
                else None,
                target,
                target_text,
                weights,
                request["action"],
                semantic.get(i),
            )
            for i in indexes
        ]
        if request["action"]["method"] in ("click", "hover"):
            ranked = _without_rows_holding_controls(request, ranked)
            ranked = _without_labels_of_fields(request, ranked)
        verb = request.get("verb")
        if verb:
            ranked = _saying_the_verb(request, ranked, verb)
        if request["action"]["method"] == "select":
            ranked = _holding_the_option(request, ranked)
        # Among equal scores, contradicted candidates first (they are the near misses a
        # failure message should name), then snapshot order, so results are deterministic.
        return sorted(ranked, key=lambda r: (-r.score, r.contradiction is None, r.index))

    def _scope(self, request: ResolveRequest) -> list[int]:
        count = len(request["candidates"])
        shortlist = request.get("shortlist")
        if shortlist is None:
            return list(range(count))
        return sorted({i for i in shortlist if 0 <= i < count})

    def _semantic_scores(
        self, target_text: str, request: ResolveRequest, indexes: list[int]
    ) -> dict[int, float]:
        if self._embeddings is None or not self._embeddings.available or not indexes:
            return {}
        texts = [" ".join(candidate_fields(request["candidates"][i]).values()) for i in indexes]
        return dict(zip(indexes, self._embeddings.similarities(target_text, texts), strict=True))

    def _assess(
        self,
        index: int,
        fp: Fingerprint,
        fields: dict[str, str],
        field_tokens: dict[str, tuple[str, ...]] | None,
        target: text.TargetWords,
        target_text: str,
        weights: tuple[float, ...],
        action: ActionSpec,
        semantic: float | None,
    ) -> RankedCandidate:
        shown = describe(fp)
        role = effective_role(fp)
        incompatible = _action_incompatibility(action, fp, role)
        if incompatible:
            return RankedCandidate(index, 0.0, f"{shown}: {incompatible}", False, None)

        lexical, best_field, exact = (
            self._lexical(target, field_tokens, weights) if field_tokens else (0.0, None, False)
        )
        reasons: list[str] = []
        if best_field:
            reasons.append(f'{best_field} "{_short(fields[best_field])}" matches "{target.phrase}"')
        if semantic is not None and semantic * 0.85 > lexical:
            lexical = semantic * 0.85
            reasons.append(f"meaning is close to {target.phrase!r} ({semantic:.2f})")

        factor = _action_preference(action, role)
        if target.roles:
            # ARIA's searchbox is a kind of textbox: "the filter field" may be a search box
            if role in target.roles or (role == "searchbox" and "textbox" in target.roles):
                lexical = min(1.0, lexical + _ROLE_HINT_BONUS) if lexical else 0.0
                reasons.append(f"is a {role}")
            else:
                factor *= _role_hint_factor(target.roles, role)
                reasons.append(f"is a {role or fp.get('tag', 'element')}, not a {_roles(target)}")
        if not exact:
            # Exactly the target's words ("Log in") outranks a name that merely contains
            # them ("Log in to your account") by more than the deciding margin, however
            # much support and role bonus the longer one collects.
            lexical = min(lexical, _CONTAINS_MAX)
        elif lexical:
            reasons.append("exactly the words asked for")
        matched = fields.get(best_field, "") if best_field else ""
        score = 100.0 * lexical * factor
        if not target.content and target.roles:
            # "the checkbox" / "the title field": only the kind is named. Every element of
            # that kind qualifies; one whose own words include the role word ("Title" is a
            # heading word) is preferred.
            named = self._role_word_match(target, fields)
            score = 100.0 * factor * (0.7 + 0.3 * named) if role in target.roles else 0.0

        contradiction = self._contradiction(target, target_text, fp, fields)
        if contradiction:
            score *= _CONTRADICTION_FACTOR
            return RankedCandidate(index, score, f"{shown}: {contradiction}", True, contradiction)
        if score == 0.0 and not target.content:
            why = f"{shown}: not a {_roles(target)}"
        elif not reasons or score == 0.0:
            why = f'{shown}: no word of "{target.phrase}" in its name, label, text or test id'
        else:
            why = f"{shown}: " + "; ".join(reasons)
        return RankedCandidate(index, score, why, True, None, exact and bool(lexical), matched)

    def _role_word_match(self, target: text.TargetWords, fields: dict[str, str]) -> float:
        wanted = set(target.role_tokens)
        return max(
            (
                _FIELD_WEIGHTS[key]
                for key, value in fields.items()
                if wanted & set(_field_role_tokens(value))
            ),
            default=0.0,
        )

    def _contradiction(
        self, target: text.TargetWords, target_text: str, fp: Fingerprint, fields: dict[str, str]
    ) -> str | None:
        # Nearby text is left out: it often belongs to a neighbour, not to the element.
        primary = [v for k, v in fields.items() if k != "nearby text"]
        clash = text.contradiction(target_text, primary)
        if clash is None:
            return None
        return f'"{target.phrase}" is not "{_display_text(fp)}" ({clash})'

    def _lexical(
        self,
        target: text.TargetWords,
        field_tokens: dict[str, tuple[str, ...]],
        weights: tuple[float, ...],
    ) -> tuple[float, str | None, bool]:
        """The best field's score (plus a little for a second field agreeing), that
        field, and whether one of the element's own names says exactly the target's words."""
        if not target.content:
            return 0.0, None, False
        scored = sorted(
            (
                (_FIELD_WEIGHTS[key] * _field_score(target.content, weights, seen), key)
                for key, seen in field_tokens.items()
            ),
            reverse=True,
        )
        if not scored or scored[0][0] == 0.0:
            return 0.0, None, False
        best, field = scored[0]
        # A second field agreeing (name and test id both say "login") adds a little.
        support = scored[1][0] if len(scored) > 1 else 0.0
        wanted = set(target.content)
        exact = any(
            set(field_tokens.get(key, ())) == wanted for key in _EXACT_FIELDS if key in field_tokens
        )
        return min(1.0, best + 0.1 * support), field, exact

    # --- deciding --------------------------------------------------------------------

    def decide(self, request: ResolveRequest) -> Resolution:
        """Choose, reading the qualifiers of the request: the repeated item ("… for 'pay
        rent'"), the region ("… in the header"), the neighbour ("… next to Total") and the
        ordinal ("the second …")."""
        notes: list[str] = []
        region = request.get("region")
        within = "the page"
        if region:
            scoped_request, note = self._in_region(request, region)
            if scoped_request is not request:
                # the one field of the asked kind in the region is evidence, as on a page
                within = f"the {region}"
            request = scoped_request
            notes.append(note)
        item = request.get("item")
        if item:
            scoped = self._in_item(request, item)
            if scoped is not None:
                return _noted(scoped, notes)
            # No repeated item shows that text (a list of one has no repeated item): the
            # asked control next to that text, else the text is part of the element's own
            # description ("delete 'pay rent'" where the button says "Delete pay rent").
            notes.append(f'no repeated item (row, list item, card) shows "{item}"')
            beside = self._decide({**request, "item": None, "near": item}, together=True)
            if beside["index"] is not None:
                return _noted(beside, [*notes, f'next to "{item}"'])
            own_words = set(text.parse_target(_target_text(request)).content)
            request = {**request, "target": f"{request['target']} {item}".strip(), "item": None}
            merged = self._decide(request)
            if (
                merged["index"] is not None
                and own_words
                and not _shows_any(request["candidates"][merged["index"]], own_words)
            ):
                # "assign to me for 'Printer jammed'" choosing the item's title: it says the
                # item, not what is asked of it
                shown = describe(request["candidates"][merged["index"]])
                merged = _abstain(
                    request["action"],
                    merged["closest"],
                    f'{shown} says "{item}", but nothing there says '
                    f'"{" ".join(sorted(own_words))}"',
                )
            if merged["index"] is not None and not self._of_asked_role(request, merged["index"]):
                shown = describe(request["candidates"][merged["index"]])
                merged = _abstain(
                    request["action"],
                    merged["closest"],
                    f'only {shown} says "{item}", and it is not the kind of element asked for',
                )
            return _noted(merged, notes)
        if request["action"]["method"] == "scroll" and not region:
            landmark = _landmark(request)
            if landmark is not None:
                return _noted(landmark, notes)
        resolution = self._decide(request, within)
        soft = _quoted_item(request)
        if soft is not None and (
            resolution["index"] is None or not self._of_asked_role(request, resolution["index"])
        ):
            # "the 'pay rent' checkbox": the quoted words may be the item's, not the check
            # box's own (a check box in a list item usually has no name of its own).
            words, rest = soft
            scoped = self._in_item({**request, "target": rest}, words)
            if scoped is not None and scoped["index"] is not None:
                return _noted(scoped, notes)
        return _noted(resolution, notes)

    def _of_asked_role(self, request: ResolveRequest, index: int) -> bool:
        target = text.parse_target(_target_text(request))
        roles = target.roles | frozenset(request.get("role_hints") or ())
        return not roles or effective_role(request["candidates"][index]) in roles

    def _in_region(self, request: ResolveRequest, region: str) -> tuple[ResolveRequest, str]:
        """Keep the candidates inside the named region, when the page shows one."""
        wanted = _region_words(region)
        scope = [
            i
            for i in self._scope(request)
            if wanted & _region_tokens(request["candidates"][i], landmark=region in REGIONS)
        ]
        if not scope:
            return request, f'no part of the page is recognisably "{region}": the whole page'
        return {**request, "shortlist": scope}, f"within the {region} ({len(scope)} elements)"

    def _in_item(self, request: ResolveRequest, item: str) -> Resolution | None:
        """Scope to the repeated item (row, list item, card) that shows ``item``, then choose
        the asked control inside it. None when no repeated item shows that text."""
        wanted = set(text.tokens(item))
        if not wanted:
            return None
        groups: dict[str, list[int]] = {}
        for i in self._scope(request):
            container = request["candidates"][i].get("container_text", "")
            if container and wanted <= set(text.tokens(container)):
                groups.setdefault(container, []).append(i)
        if not groups:
            return None

        # "pay rent" is in the rows "pay rent" and "pay rent twice": the row that says the
        # least besides the asked words is the one meant.
        def excess(container: str) -> int:
            return len(set(text.tokens(container)) - wanted)

        fewest = min(excess(c) for c in groups)
        chosen = [c for c in groups if excess(c) == fewest]
        if len(chosen) > 1 and not request.get("ordinal"):
            closest = [
                Candidate(index=groups[c][0], score=0.0, why=f'item "{_short(c)}"')
                for c in chosen[:_CLOSEST]
            ]
            return _abstain(
                request["action"],
                closest,
                f'{len(chosen)} repeated items show "{item}" equally; say which one '
                '(e.g. "the second …")',
            )
        scope = groups[chosen[0]]
        scoped: ResolveRequest = {**request, "shortlist": scope, "item": None}
        resolution = self._decide(scoped, within=f'the item "{_short(chosen[0])}"')
        return _noted(resolution, [f'in the item "{_short(chosen[0])}"'])

    def _decide(
        self, request: ResolveRequest, within: str = "the page", together: bool = False
    ) -> Resolution:
        ranked = self.rank(request)
        ranked = self._unique_kind(request, ranked, within)
        closest = [r.as_candidate() for r in ranked[:_CLOSEST]]
        action = request["action"]
        target = request["target"] or request["instruction"]
        if not ranked:
            return _abstain(action, closest, f'no candidate elements to match "{target}"')
        best = ranked[0]
        ordinal = request.get("ordinal")
        near = request.get("near")
        if (ordinal or near) and best.compatible and not best.contradiction:
            picked = self._qualified(request, ranked, ordinal, near, together)
            if isinstance(picked, str):
                return _abstain(action, closest, picked)
            if picked is not None:
                chosen, why = picked
                return Resolution(
                    index=chosen.index,
                    action=action,
                    confidence=round(min(chosen.score, 90.0), 1),
                    reasons=[chosen.why, why],
                    closest=closest,
                )
        passed_over: list[str] = []
        if action["method"] in ("click", "hover") and not self.settings.local_lenient:
            # "book appointment" between "Confirm booking" and "Book for a family member":
            # a control whose extra words change what it does is not the one asked for
            # when another control matches without them; it stays named in the message.
            ranked, passed_over = self._without_changed_meaning(request, ranked, target)
            best = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        margin = best.score - runner_up
        title = self._title_not_control(request, ranked)
        if title is not None:
            return _abstain(action, closest, title)
        if best.contradiction or not best.compatible or best.score < self.settings.local_min_score:
            reason = (
                f'no candidate matches "{target}" clearly (best {best.score:.0f} < '
                f"{self.settings.local_min_score:.0f}): {best.why}"
            )
            return _abstain(action, closest, reason)
        if margin < self.settings.local_min_margin:
            second = ranked[1]
            reason = (
                f'"{target}" matches several candidates about equally: #{best.index} '
                f"({best.score:.0f}) and #{second.index} ({second.score:.0f}); "
                f"{best.why} / {second.why}"
            )
            return _abstain(action, closest, reason)
        # Only for controls that *do* something: a field's or check box's label describes it
        # ("Send me the newsletter" is the newsletter box), a button's words are its action.
        clickable = effective_role(request["candidates"][best.index]) in _FAMILIES["clickable"]
        containment = (
            None
            if best.exact or not clickable or action["method"] not in ("click", "hover")
            else _meaning_changing_extra(_target_text(request), best)
        )
        confidence = best.score * (0.5 + 0.5 * min(1.0, margin / 30.0))
        reasons = [best.why, f"margin {margin:.0f} over the runner-up", *passed_over]
        if containment is not None:
            shown = describe(request["candidates"][best.index])
            if not self.settings.local_lenient:
                reason = (
                    f'the closest match, {shown}, only contains "{text.target_phrase(target)}": '
                    f'its extra words "{containment}" change what it does. If it is the one, '
                    f'name it exactly ("{_exact_wording(request, best)}"), or set '
                    "TESTABLE_LOCAL_LENIENT=1 to accept containment"
                )
                return _abstain(action, closest, reason)
            mark = f'matched by containment: {shown} has the extra words "{containment}"'
            return Resolution(
                index=best.index,
                action=action,
                confidence=round(min(confidence, 60.0), 1),
                reasons=[*reasons, mark],
                closest=closest,
                containment=mark,
            )
        return Resolution(
            index=best.index,
            action=action,
            confidence=round(confidence, 1),
            reasons=reasons,
            closest=closest,
        )

    def _without_changed_meaning(
        self, request: ResolveRequest, ranked: list[RankedCandidate], target: str
    ) -> tuple[list[RankedCandidate], list[str]]:
        """Set aside the close contenders (within the deciding margin of the best, or
        ahead of it) that only contain the asked words plus words that change what they do,
        when a control without such words then leads and is good enough to be chosen;
        else the ranking is left as it was (the containment rule then refuses, naming the
        candidate). "book appointment": "Book for a family member" is set aside for
        "Confirm booking"."""
        if not ranked:
            return ranked, []
        asked = _target_text(request)
        reach = ranked[0].score - self.settings.local_min_margin
        aside: dict[int, str] = {}
        for r in ranked[:_CLOSEST]:
            if r.score < reach:
                break
            fp = request["candidates"][r.index]
            if (
                r.exact
                or not r.compatible
                or r.contradiction
                or effective_role(fp) not in _FAMILIES["clickable"]
            ):
                continue
            extra = _meaning_changing_extra(asked, r)
            if extra is not None:
                aside[r.index] = (
                    f'passed over {describe(fp)}: its extra words "{extra}" change what it does'
                )
        rest = [r for r in ranked if r.index not in aside]
        if not aside or not rest or rest[0].score < self.settings.local_min_score:
            return ranked, []
        cap = rest[0].score - self.settings.local_min_margin
        demoted = [
            dataclasses.replace(r, score=min(r.score, cap), why=f"{r.why}; {aside[r.index]}")
            for r in ranked
            if r.index in aside
        ]
        rerank = sorted(
            [*rest, *demoted], key=lambda r: (-r.score, r.contradiction is None, r.index)
        )
        return rerank, list(aside.values())

    def _title_not_control(
        self, request: ResolveRequest, ranked: list[RankedCandidate]
    ) -> str | None:
        """A heading that says the asked words titles a part of the page; clicking it does
        nothing. When a control also matches ("click send money": heading "Send money" over
        the dialog, button "Send now" in it), refuse rather than click the title."""
        if request["action"]["method"] != "click" or len(ranked) < 2:
            return None  # hover: a drag may drop onto a column's heading
        best = ranked[0]
        fp = request["candidates"][best.index]
        if effective_role(fp) != "heading" or best.score < self.settings.local_min_score:
            return None
        controls = [
            r
            for r in ranked[1:]
            if r.compatible
            and not r.contradiction
            and r.score >= 0.4 * best.score
            and effective_role(request["candidates"][r.index]) in _CLICKABLE_ROLES
        ]
        if not controls:
            return None
        other = controls[0]
        return (
            f"the best match, {describe(fp)}, is a heading (a title, not a control), and "
            f"{describe(request['candidates'][other.index])} ({other.score:.0f}) also matches: "
            "name the control as it is written"
        )

    def _unique_kind(
        self, request: ResolveRequest, ranked: list[RankedCandidate], within: str
    ) -> list[RankedCandidate]:
        """The only element of the asked kind in scope ("the … field" on a page with one
        text field, "the checkbox" in one list item) is strong evidence by itself."""
        target = text.parse_target(_target_text(request))
        roles = set(target.roles) | set(request.get("role_hints") or ())
        method = request["action"]["method"]
        # "open the user menu": the control that opens a menu (a <summary>, aria-haspopup)
        # is of the asked kind, whatever it shows ("Sam Admin ▾", initials "SA").
        menu = "menu" in target.content and method in ("click", "hover")
        if (
            within == "the page"
            and not menu
            and (
                request.get("shortlist") is not None
                or method not in ("fill", "type", "select", "check", "uncheck", "upload", "press")
                or not roles
            )
        ):
            # Page-wide, only "the … field/checkbox/dropdown" for an action on a field: the
            # one "button" of a page is no evidence that it is the "login button".
            return ranked

        def of_kind(r: RankedCandidate) -> bool:
            if menu:
                return _opens_menu(request["candidates"][r.index])
            role = effective_role(request["candidates"][r.index])
            if roles:
                return role in roles or any(_family(h) & _family(role) for h in roles)
            return True

        kind = [r for r in ranked if r.compatible and not r.contradiction and of_kind(r)]
        if (
            len(kind) > 1
            and not menu
            and target.content
            and roles
            and method in ("fill", "type", "select", "check", "uncheck", "upload", "press")
        ):
            return self._only_one_with_evidence(request, ranked, kind, roles, within)
        if len(kind) != 1:
            return ranked
        only = kind[0]
        floor = 72.0 if within != "the page" else 62.0
        if only.score >= floor:
            return ranked
        if within != "the page" and target.content and only.score == 0.0 and not menu:
            # "the edit button" of a row whose only button is "delete": its kind is not
            # enough when none of the asked words is found on it.
            return ranked
        if (within == "the page" or menu) and target.content and only.score == 0.0:
            # Nothing of it matches: only when no element at all shows the asked words
            # ("task input" on a page that never says "task") is its kind enough.
            # Words shown by elements the action could apply to: a heading "Tasks" is the
            # page's title, not a rival of the one field.
            compatible = {r.index for r in ranked if r.compatible}
            shown = {
                t
                for i in compatible
                for value in candidate_fields(request["candidates"][i]).values()
                for t in text.tokens(value)
            }
            if any(_token_similarity(w, v) for w in target.content for v in shown):
                return ranked
        kind_name = (
            "control that opens a menu"
            if menu
            else " or ".join(sorted(roles))
            if roles
            else "element this action applies to"
        )
        boosted = RankedCandidate(
            only.index,
            floor,
            f"{only.why}; the only {kind_name} in {within}",
            True,
            None,
            only.exact,
            only.matched,
        )
        rest = [r for r in ranked if r.index != only.index]
        return sorted([boosted, *rest], key=lambda r: (-r.score, r.contradiction is None, r.index))

    def _only_one_with_evidence(
        self,
        request: ResolveRequest,
        ranked: list[RankedCandidate],
        kind: list[RankedCandidate],
        roles: set[str],
        within: str,
    ) -> list[RankedCandidate]:
        """Of several fields of the asked kind, the only one any asked word points to — in
        its label, placeholder, or the heading/legend of its section ("the reason for visit
        field": the textarea under "About your visit", the other field saying nothing of
        it) — is chosen, at 55: weaker than an element that says the words."""
        positive = [r for r in kind if r.score > 0]
        if len(positive) != 1:
            return ranked
        only = positive[0]
        if not _EVIDENCE_MIN <= only.score < _EVIDENCE_FLOOR:
            return ranked
        kind_name = " or ".join(sorted(roles)) if roles else "element this action applies to"
        boosted = dataclasses.replace(
            only,
            score=_EVIDENCE_FLOOR,
            why=f"{only.why}; the only {kind_name} in {within} any asked word points to "
            f"({len(kind) - 1} other(s) show none)",
        )
        rest = [r for r in ranked if r.index != only.index]
        return sorted([boosted, *rest], key=lambda r: (-r.score, r.contradiction is None, r.index))

    def _qualified(
        self,
        request: ResolveRequest,
        ranked: list[RankedCandidate],
        ordinal: int | None,
        near: str | None,
        together: bool = False,
    ) -> tuple[RankedCandidate, str] | str | None:
        """Among the equally good matches, the n-th in page order or the one next to a text.
        A reason string when the qualifier cannot be met; None when it does not apply."""
        best = ranked[0]
        if best.score < self.settings.local_min_score:
            return None
        slack = self.settings.local_min_margin
        peers = [
            r
            for r in ranked
            if r.compatible and not r.contradiction and r.score >= best.score - slack
        ]
        if near:
            anchors = _anchors(request, near)
            if not anchors:
                return f'nothing on the page says "{near}" to be next to'
            pool = [r for r in ranked if r.compatible and not r.contradiction]
            pool = [r for r in pool if r.score >= self.settings.local_min_score]
            pool = [r for r in pool if r.index not in anchors]
            if together:
                # An item's control belongs with the item's text: no other text of that
                # kind (another row's title) sits in the part of the page they share.
                pool = [r for r in pool if any(_belongs_with(request, r.index, a) for a in anchors)]
            together_pool = [
                r for r in pool if any(_belongs_with(request, r.index, a) for a in anchors)
            ]
            if len(together_pool) == 1:
                # the one control that shares a row/item with that text
                return together_pool[0], f'the match that sits with "{near}"'
            distances = sorted(
                (_distance(request["candidates"][r.index], request["candidates"][a]), r.index)
                for r in pool
                for a in anchors
            )
            seen: dict[int, float] = {}
            for d, i in distances:
                seen.setdefault(i, d)
            order = sorted(seen.items(), key=lambda kv: kv[1])
            if not order:
                return f'nothing that matches sits with "{near}"'

            if len(order) > 1 and order[0][1] > 0.7 * order[1][1]:
                return (
                    f'two matches are about as close to "{near}": #{order[0][0]} and #{order[1][0]}'
                )
            chosen = next(r for r in pool if r.index == order[0][0])
            return chosen, f'the closest match to "{near}"'
        if ordinal:
            in_order = sorted(peers, key=lambda r: r.index)
            position = len(in_order) - 1 if ordinal == -1 else ordinal - 1
            if not 0 <= position < len(in_order):
                return (
                    f"asked for number {ordinal} but only {len(in_order)} candidates match "
                    "equally well"
                )
            name = "last" if ordinal == -1 else f"number {ordinal}"
            return in_order[position], f"{name} of {len(in_order)} equal matches in page order"
        return None

    def contradiction(self, request: ResolveRequest, index: int) -> str | None:
        """Why candidate ``index`` is certainly not the target (opposite words), if so.
        Other resolvers use this as a veto on a model's choice."""
        fp = request["candidates"][index]
        target_text = _target_text(request)
        target = text.parse_target(target_text)
        return self._contradiction(target, target_text, fp, candidate_fields(fp))


def _shows_any(fp: Fingerprint, words: set[str]) -> bool:
    """Whether any of ``words`` is among the element's own words (not its neighbours')."""
    own = [v for k, v in candidate_fields(fp).items() if k not in ("nearby text",)]
    seen = {t for value in own for t in _field_tokens(value)}
    return any(_token_similarity(w, t) >= 0.7 for w in words for t in seen)


def _opens_menu(fp: Fingerprint) -> bool:
    popup = (fp.get("attributes") or {}).get("aria-haspopup", "false").lower()
    return fp.get("tag") == "summary" or popup in ("true", "menu")


def _abstain(action: ActionSpec, closest: list[Candidate], reason: str) -> Resolution:
    return Resolution(index=None, action=action, confidence=0.0, reasons=[reason], closest=closest)


def _noted(resolution: Resolution, notes: list[str]) -> Resolution:
    if not notes:
        return resolution
    return {**resolution, "reasons": [*resolution["reasons"], *notes]}


_QUOTE_CHARS = "\"'“”‘’"


def _target_text(request: ResolveRequest) -> str:
    """The element's description: a quoted name ("click 'Sign up'") keeps its words,
    %placeholders% go. The grammar has already taken typed values out of the target."""
    target = request["target"]
    if not target:
        return text.strip_values(request["instruction"])
    if request["action"]["method"] in ("fill", "type", "select", "upload"):
        return text.strip_values(target)  # a value left in the target is not the element
    return re.sub(r"%[A-Za-z0-9_.-]+%", " ", target).translate({ord(c): " " for c in _QUOTE_CHARS})


def _quoted_item(request: ResolveRequest) -> tuple[str, str] | None:
    """("pay rent", "checkbox") for a target "'pay rent' checkbox": quoted words plus a
    kind word. None when the target is only a quoted name or has no quotes."""
    target = request["target"]
    found = re.search(r"\"([^\"]+)\"|'([^']+)'|“([^”]+)”|‘([^’]+)’", target)
    if found is None:
        return None
    words = next(g for g in found.groups() if g)
    rest = (target[: found.start()] + " " + target[found.end() :]).strip()
    if not rest:
        return None
    return words, rest


def _region_words(region: str) -> set[str]:
    if region in REGIONS:
        return set(REGIONS[region]) | {region}
    return set(text.tokens(region))


def _region_tokens(fp: Fingerprint, *, landmark: bool) -> set[str]:
    """Words of the parts of the page an element sits in: its ancestors' tags, roles, ids,
    classes and test ids, and (for named sections) the heading or legend before it."""
    words: set[str] = set()
    for parent in fp.get("parents", []):
        for value in (
            parent.get("tag", ""),
            parent.get("role", ""),
            parent.get("id", ""),
            parent.get("test_id", ""),
            " ".join(parent.get("classes", [])),
        ):
            words.update(synonyms.raw_tokens(value))
            words.update(text.tokens(value))
    if not landmark:
        words.update(text.tokens(fp.get("neighbour_text", "")))
    return words


def _anchors(request: ResolveRequest, near: str) -> list[int]:
    """Candidates whose own text says ``near`` (the label an element sits next to)."""
    wanted = set(text.tokens(near))
    if not wanted:
        return []
    exact: list[int] = []
    containing: list[int] = []
    for i, fp in enumerate(request["candidates"]):
        own = [fp.get("text", ""), fp.get("name", ""), fp.get("label", "")]
        sets = [set(text.tokens(v)) for v in own if v]
        if any(t == wanted for t in sets):
            exact.append(i)
        elif any(wanted <= t for t in sets):
            containing.append(i)
    return exact or containing


def _landmark(request: ResolveRequest) -> Resolution | None:
    """ "scroll to the footer": any element of that part of the page will do; the first."""
    region = region_name(_target_text(request).strip())
    if region is None:
        return None
    wanted = _region_words(region)
    inside = [
        i
        for i, fp in enumerate(request["candidates"])
        if wanted & _region_tokens(fp, landmark=True)
    ]
    if not inside:
        return None
    first = inside[0]
    return Resolution(
        index=first,
        action=request["action"],
        confidence=80.0,
        reasons=[f"{describe(request['candidates'][first])} is the first element of the {region}"],
        closest=[],
    )


def _says(fp: Fingerprint, verb: str) -> bool:
    """Whether the element's own words (not its neighbours' or its classes') say ``verb``;
    a submit button says "submit" by its type."""
    wanted = text.tokens(verb) or (verb,)
    own = [v for k, v in candidate_fields(fp).items() if k not in ("nearby text", "class")]
    kind = (fp.get("attributes") or {}).get("type", "").lower()
    if kind in ("submit", "reset"):
        own.append(kind)
    seen = {t for value in own for t in text.tokens(value)}
    return all(any(_token_similarity(w, t) >= 0.7 for t in seen) for w in wanted)


def _saying_the_verb(
    request: ResolveRequest, ranked: list[RankedCandidate], verb: str
) -> list[RankedCandidate]:
    """A verb the grammar does not know ("reschedule …") is done by a control that says it:
    every other element is out ("does not say 'reschedule'")."""
    out = []
    for r in ranked:
        fp = request["candidates"][r.index]
        role = effective_role(fp)
        if r.compatible and (role in _EDITABLE_ROLES or role in _FAMILIES["list"]):
            # "filter the list down to High priority": a field or dropdown does not *do*
            # the verb by being clicked
            why = f'{describe(fp)}: a field, not a control that does "{verb}"'
            out.append(RankedCandidate(r.index, 0.0, why, False, None))
        elif r.compatible and not _says(fp, verb):
            out.append(
                RankedCandidate(r.index, 0.0, f'{describe(fp)}: does not say "{verb}"', False, None)
            )
        else:
            out.append(r)
    return sorted(out, key=lambda r: (-r.score, r.contradiction is None, r.index))


def _option_matches(label: str, wanted: str) -> bool:
    label, wanted = " ".join(label.lower().split()), " ".join(wanted.lower().split())
    if not wanted:
        return False
    return (
        label == wanted
        or re.search(r"(?:^|[^a-z0-9])" + re.escape(wanted) + r"(?:$|[^a-z0-9])", label) is not None
    )


_OPTION_FLOOR = 70.0
# The only field of the asked kind that any asked word points to (see
# LocalResolver._only_one_with_evidence): chosen at this score when its own is at least
# _EVIDENCE_MIN (a word in its section's heading or legend, not a stray class name).
_EVIDENCE_FLOOR = 55.0
_EVIDENCE_MIN = 25.0


def _holding_the_option(
    request: ResolveRequest, ranked: list[RankedCandidate]
) -> list[RankedCandidate]:
    """ "choose '2 passengers' from the passengers dropdown" on a page whose only list
    offering "2 passengers" is labelled "Travellers": the one dropdown that has the asked
    option is strong evidence (at least 70), whatever it is called. Several such lists, an
    option given by a %variable%, or a shortlist: no evidence."""
    wanted = str(request["action"].get("argument") or "").strip()
    if not wanted or "%" in wanted or request.get("shortlist") is not None:
        return ranked
    candidates = request["candidates"]
    option_paths = [
        fp.get("xpath", "")
        for fp in candidates
        if (fp.get("tag") == "option" or fp.get("role") == "option")
        and fp.get("xpath")
        and _option_matches(fp.get("text") or fp.get("name") or "", wanted)
    ]

    def offers(fp: Fingerprint) -> bool:
        listed = cast("dict[str, Any]", fp).get("options") or []
        if any(_option_matches(str(label), wanted) for label in listed):
            return True
        path = fp.get("xpath")
        return bool(path) and any(p.startswith(f"{path}/") for p in option_paths)

    holders = [
        r for r in ranked if r.compatible and not r.contradiction and offers(candidates[r.index])
    ]
    if len(holders) != 1 or holders[0].score >= _OPTION_FLOOR:
        return ranked
    only = holders[0]
    boosted = dataclasses.replace(
        only,
        score=_OPTION_FLOOR,
        why=f'{only.why}; the only dropdown with an option "{_short(wanted)}"',
    )
    rest = [r for r in ranked if r.index != only.index]
    return sorted([boosted, *rest], key=lambda r: (-r.score, r.contradiction is None, r.index))


_ROW_ROLES = frozenset({"row", "listitem"})


def _without_rows_holding_controls(
    request: ResolveRequest, ranked: list[RankedCandidate]
) -> list[RankedCandidate]:
    """A table row or list item that holds its own buttons or links is not what a click
    means: its text is the words of all of them ("open the edit page for Olivia Brown's
    order" must not click the row whose text reads "… Olivia Brown … Edit Remove")."""
    candidates = request["candidates"]
    control_paths = [
        fp.get("xpath", "")
        for fp in candidates
        if effective_role(fp) in _CLICKABLE_ROLES and fp.get("xpath")
    ]
    out = []
    for r in ranked:
        fp = candidates[r.index]
        path = fp.get("xpath", "")
        if (
            r.compatible
            and effective_role(fp) in _ROW_ROLES
            and path
            and any(p.startswith(path + "/") for p in control_paths)
        ):
            why = f"{describe(fp)}: a row holding its own controls; name the control in it"
            out.append(RankedCandidate(r.index, 0.0, why, False, None))
        else:
            out.append(r)
    return out


def _without_labels_of_fields(
    request: ResolveRequest, ranked: list[RankedCandidate]
) -> list[RankedCandidate]:
    """A <label> wrapping a text field or a dropdown reads the field's content too (a
    select's options: "Priority AllLowNormalHigh"): clicking it only focuses the field, so
    for a click it is not a control of its own (a check box's label is: it ticks it)."""
    candidates = request["candidates"]
    field_paths = [
        fp.get("xpath", "")
        for fp in candidates
        if fp.get("xpath")
        and (fp.get("tag") in ("select", "textarea") or effective_role(fp) in _EDITABLE_ROLES)
        and (fp.get("attributes") or {}).get("type", "").lower() not in ("checkbox", "radio")
    ]
    out = []
    for r in ranked:
        fp = candidates[r.index]
        path = fp.get("xpath", "")
        if fp.get("tag") == "label" and path and any(p.startswith(path + "/") for p in field_paths):
            why = f"{describe(fp)}: the label of a field (clicking it only focuses the field)"
            out.append(RankedCandidate(r.index, 0.0, why, False, None))
        else:
            out.append(r)
    return out


def _belongs_with(request: ResolveRequest, index: int, anchor: int) -> bool:
    candidates = request["candidates"]
    path = candidates[index].get("xpath", "")
    anchor_path = candidates[anchor].get("xpath", "")
    if not path or not anchor_path:
        return False
    a, b = path.split("/"), anchor_path.split("/")
    depth = 0
    while depth < min(len(a), len(b)) and a[depth] == b[depth]:
        depth += 1
    shared = "/".join(a[:depth]) + "/"

    def kind(fp: Fingerprint) -> tuple[str, str, str]:
        # Its class too: a card's tag chip is another span, not another card's title.
        classes = (fp.get("attributes") or {}).get("class", "")
        return fp.get("tag", ""), effective_role(fp), " ".join(sorted(classes.split()))

    anchor_kind = kind(candidates[anchor])
    return not any(
        j != anchor and kind(fp) == anchor_kind and fp.get("xpath", "").startswith(shared)
        for j, fp in enumerate(candidates)
    )


def _distance(a: Fingerprint, b: Fingerprint) -> float:
    box_a, box_b = a.get("bbox"), b.get("bbox")
    if not box_a or not box_b:
        return float("inf")
    ax = box_a["x"] + box_a["width"] / 2
    ay = box_a["y"] + box_a["height"] / 2
    bx = box_b["x"] + box_b["width"] / 2
    by = box_b["y"] + box_b["height"] / 2
    # Rows matter more than columns: "the input next to Total" is on Total's line.
    return float(((ax - bx) ** 2 + (3 * (ay - by)) ** 2) ** 0.5)


# Words that, beyond the asked ones, change what a control does: "Create account *for a
# friend*", "Sign in *with Google*", "Delete *all*", "*Clear* completed". Decorations
# ("→", "(3)", "now", "here") are dropped by the tokeniser and never count.
_QUALIFYING_WORDS = frozenset(
    {"for", "with", "without", "via", "using", "except", "instead", "later", "tomorrow"}
)
# Quantifiers change what an *action* applies to ("Delete all", "Select none"); on a plain
# name they are decoration ("All products").
_QUANTIFIERS = frozenset({"all", "every", "each", "both", "none", "only", "not", "no", "never"})
# Words that only join others: not what a name is about.
_FUNCTION_WORDS = synonyms.STOPWORDS | {"to", "from", "on", "off", "up", "out", "by", "as", "or"}
_ACTION_WORDS = frozenset(
    [
        "clear",
        "delete",
        "remove",
        "add",
        "edit",
        "save",
        "cancel",
        "create",
        "reset",
        "undo",
        "redo",
        "copy",
        "share",
        "show",
        "hide",
        "open",
        "close",
        "sort",
        "filter",
        "archive",
        "duplicate",
        "export",
        "import",
        "print",
        "download",
        "upload",
        "send",
        "restore",
        "empty",
        "mark",
        "unmark",
        "select",
        "deselect",
        "enable",
        "disable",
    ]
)


def _meaning_changing_extra(target: str, ranked: RankedCandidate) -> str | None:
    """The extra words of a containing match that change its meaning, or None."""
    if not ranked.matched:
        return None
    asked = set(synonyms.canonical_tokens(text.strip_values(target))) | set(
        synonyms.raw_tokens(text.strip_values(target))
    )
    raw = synonyms.raw_tokens(ranked.matched)

    def said(word: str) -> bool:
        canonical = set(synonyms.canonical_tokens(word))
        if word in asked or (bool(canonical) and canonical <= asked):
            return True
        # a related word ("New payee" for "add payee") restates, it does not add meaning
        return any(_token_similarity(c, a) >= 0.6 for c in canonical for a in asked)

    extra = [w for w in raw if not said(w)]
    if not extra:
        return None
    # "Save and pay", "Search hotels & flights": a name joining another thing or action
    joined = re.search(r"\s(?:and|&|\+|or)\s+(?P<rest>.+)$", ranked.matched, re.I)
    if joined and not re.search(r"\s(?:and|&|\+|or)\s", target, re.I):
        tail = [w for w in synonyms.raw_tokens(joined.group("rest")) if not said(w)]
        return "and " + " ".join(tail or extra)

    def action(word: str) -> bool:
        return word in _ACTION_WORDS or bool(set(synonyms.canonical_tokens(word)) & _ACTION_WORDS)

    acts = any(action(w) for w in raw)
    meaningful = [
        w for w in extra if w in _QUALIFYING_WORDS or action(w) or (acts and w in _QUANTIFIERS)
    ]
    if not meaningful:
        # Words of its own that outnumber the asked ones: the control is about something
        # else that merely mentions them ("Log in to win a prize" for "log in"), while one
        # restating word ("Log in to your account") is how pages decorate a name.
        content = [w for w in extra if w not in _FUNCTION_WORDS and not w.isdigit()]
        said_words = [w for w in raw if said(w) and w not in synonyms.STOPWORDS]
        if len(content) > max(1, len(said_words)):
            return " ".join(w for w in raw[raw.index(content[0]) :] if not said(w))
        return None
    start = raw.index(meaningful[0])
    tail = [w for w in raw[start:] if not said(w)]
    return " ".join(tail)


def _exact_wording(request: ResolveRequest, ranked: RankedCandidate) -> str:
    verb = {"fill": "type … into", "type": "type … into", "select": "select … from"}.get(
        request["action"]["method"], request["action"]["method"]
    )
    role = effective_role(request["candidates"][ranked.index])
    kind = {"textbox": "field", "combobox": "dropdown"}.get(role, role)
    return f"{verb} the {_short(ranked.matched)} {kind}".strip()


def _short(value: str) -> str:
    collapsed = " ".join(value.split())
    return collapsed if len(collapsed) <= 40 else collapsed[:37] + "..."


def _roles(target: text.TargetWords) -> str:
    return " or ".join(sorted(target.roles))


def _family(role: str) -> set[str]:
    return {name for name, members in _FAMILIES.items() if role in members}


def _role_hint_factor(hinted: frozenset[str], role: str) -> float:
    if not role:
        return 0.8  # unknown role: mild doubt, not a mismatch
    if any(_family(h) & _family(role) for h in hinted):
        return 0.85  # a link where a button was named: pages style one as the other
    return 0.6


def _is_editable(fp: Fingerprint, role: str) -> bool | None:
    if "editable" in fp:
        return fp["editable"]
    if role in _EDITABLE_ROLES:
        return fp.get("tag") != "select"
    return None if not role else False


def _action_incompatibility(action: ActionSpec, fp: Fingerprint, role: str) -> str | None:
    """Why the action cannot apply to this element at all, or None."""
    method = action["method"]
    tag = fp.get("tag", "")
    kind = fp.get("attributes", {}).get("type", "").lower()
    if method in ("fill", "type"):
        if kind in ("checkbox", "radio", "file") or _is_editable(fp, role) is False:
            return f"cannot {method}: not an editable field"
    elif method == "select":
        if tag != "select" and role not in _FAMILIES["list"]:
            return "cannot select an option: not a <select> or combobox"
    elif method in ("check", "uncheck"):
        if role not in _CHECKABLE_ROLES and kind not in ("checkbox", "radio"):
            return f"cannot {method}: not a checkbox, radio or switch"
    elif method == "upload" and not (tag == "input" and kind == "file"):
        return "cannot upload: not a file input"
    elif method in ("click", "hover", "scroll") and role in ("table", "list", "grid", "rowgroup"):
        if method != "scroll":
            # the words of a whole table are everyone's words: "open order #1042" means the
            # link or row inside it
            return f"cannot {method} a whole {role}: name what is inside it"
    elif method in ("press", "edit") and not _is_editable(fp, role):
        # A key goes to the element that has the focus: an editable field, or a control
        # that takes the focus (a button, a link, a check box). Never a heading or text.
        attributes = fp.get("attributes", {})
        focusable = (
            role in _CLICKABLE_ROLES
            or role in ("slider", "listbox", "grid", "tree")
            or attributes.get("contenteditable") in ("", "true")
            or ("tabindex" in attributes and attributes.get("tabindex") != "-1")
        )
        if method == "edit" or not focusable:
            return f"cannot {method}: not an editable field or a control that takes the focus"
    return None


def _action_preference(action: ActionSpec, role: str) -> float:
    if action["method"] != "click":
        return 1.0
    if role in _CLICKABLE_ROLES:
        return 1.0
    if role in _EDITABLE_ROLES:
        return 0.8
    if role == "heading":
        return 0.75  # a title: clicking it rarely does anything
    return 0.9  # labels, text, images: clickable, but rarely what "click" means
