"""Semantics every element store shares, in one place so that all stores behave the same.

A store only moves records in and out of its medium; what a write *means* is decided here:

* **Write-back.** The engine calls ``put`` only after a step succeeded (a cache hit that
  acted correctly, a heal, or a resolver choice that worked); a failed step never writes an
  entry. ``put`` bumps ``version``, records who changed what (``diff``: field ->
  ``{"old", "new"}``) and keeps the entry's statistics, which belong to the store: the
  caller's ``stats`` are ignored except ``created_at`` of a new entry. Statistics restart when
  an entry is created or brought back to ``active`` after it was deprecated or invalidated,
  so an old failure rate does not kill the new selectors at once.
* **Outcomes.** ``record_outcome`` counts uses, successes and failures. Once an entry has
  at least ``MIN_USES_FOR_INVALIDATION`` uses and its success rate falls below
  ``INVALIDATION_SUCCESS_RATE`` (70 %), it is invalidated automatically (a new version by
  the ``system`` actor), so the next lookup asks the resolver again.
* **Lookups.** ``find`` returns only ``active`` entries: the exact key first, then the most
  similar instruction on the same scope, route and frame when the similarity reaches
  ``keys.NEAR_IDENTICAL_THRESHOLD`` (``backend/cache/keys.py``). ``get`` returns an entry
  in any status.
* **No secrets.** ``sanitise`` runs on every write: the fingerprint's ``value`` attribute is
  dropped; ``action.argument`` may only be a ``%placeholder%`` or a literal that appears in
  the instruction (anything else is a substituted variable value and is dropped); on
  password fields only a placeholder survives, and quoted literals in the instruction are
  replaced by ``***``. With ``StorePolicy.mask_personal_data`` (setting
  ``TESTABLE_CACHE_MASK_PERSONAL_DATA``), e-mail addresses, phone numbers and long digit runs
  in stored texts become ``[email]``, ``[phone]`` and ``[number]``, and selectors that
  contain such data are not stored (a masked selector would match nothing).
* **Reports.** ``stale_elements`` (unused for ``STALE_AFTER_DAYS``) and
  ``low_confidence_elements`` work on ``list_elements``; ``stats_from_counts`` turns
  per-decision counts into ``CacheStats``.
"""

from __future__ import annotations

import copy
import functools
import importlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any, cast

from backend.cache import rates
from backend.cache.records import (
    SELECTOR_ORDER,
    CachedElement,
    ElementStats,
    Selector,
)
from backend.cache.store.base import (
    Actor,
    CacheStats,
    ChangeKind,
    DecisionRecord,
    ElementVersion,
)
from backend.kit.time import as_utc, utcnow

INVALIDATION_SUCCESS_RATE = 0.70
MIN_USES_FOR_INVALIDATION = 3
NEAR_IDENTICAL_SIMILARITY = 0.8
STALE_AFTER_DAYS = 30
LOW_CONFIDENCE_SUCCESS_RATE = 0.9  # active, used, but failing more than one step in ten

DECISIONS: tuple[str, ...] = ("cache_hit", "cache_hit_verified", "healed", "resolver", "failed")
STATUSES: tuple[str, ...] = ("active", "deprecated", "invalidated")
CHANGES: tuple[str, ...] = ("created", "updated", "deprecated", "invalidated")
ACTORS: tuple[str, ...] = ("resolver", "healing", "person", "system")
ACTION_METHODS: tuple[str, ...] = (
    "click",
    "fill",
    "type",
    "select",
    "check",
    "uncheck",
    "press",
    "hover",
    "upload",
    "none",
)
# Fields whose change is bookkeeping, not a change of the element: not part of a diff.
_NOT_DIFFED = frozenset({"stats", "version"})


class StoreError(RuntimeError):
    """A store could not do what was asked (unknown entry, unreachable server, bad URL)."""


class UnknownElement(StoreError):
    def __init__(self, project: str, key: str) -> None:
        super().__init__(f"no cached element {key!r} in project {project!r}")
        self.project = project
        self.key = key


@dataclass(frozen=True)
class StorePolicy:
    """What a store may keep. Built from settings by ``policy_from_settings``."""

    mask_personal_data: bool = False


def policy_from_settings(settings: object) -> StorePolicy:
    # ``cache_mask_personal_data`` is a Settings field (TESTABLE_CACHE_MASK_PERSONAL_DATA);
    # read defensively so the store also works with settings objects that lack it.
    return StorePolicy(
        mask_personal_data=bool(getattr(settings, "cache_mask_personal_data", False))
    )


def now_iso() -> str:
    return utcnow().isoformat()


def parse_iso(value: str) -> datetime:
    return as_utc(datetime.fromisoformat(value))


# --- instruction matching ----------------------------------------------------------

_VERB_SYNONYMS = {
    "press": "click",
    "tap": "click",
    "hit": "click",
    "push": "click",
    "choose": "select",
    "pick": "select",
    "enter": "fill",
    "input": "fill",
    "type": "fill",
    "write": "fill",
    "tick": "check",
}
_STOPWORDS = frozenset({"the", "a", "an", "on", "in", "into", "at", "to", "of", "please"})
_WORD = re.compile(r"[%\w]+")


def _fallback_normalise(instruction: str) -> str:
    words = [_VERB_SYNONYMS.get(w, w) for w in _WORD.findall(instruction.casefold())]
    return " ".join(w for w in words if w not in _STOPWORDS)


def _fallback_similarity(a: str, b: str) -> float:
    left, right = set(_fallback_normalise(a).split()), set(_fallback_normalise(b).split())
    if not left and not right:
        return 1.0
    return len(left & right) / len(left | right)


@functools.cache
def _keys_module() -> ModuleType | None:
    # backend/cache/keys.py (the key normaliser) is written separately; until it is there
    # the local fallback above keeps lookups working.
    try:
        return importlib.import_module("backend.cache.keys")
    except ImportError:
        return None


def instruction_similarity(a: str, b: str) -> float:
    """0..1: how close two instructions are ("press the login button" ~ "click login")."""
    function = getattr(_keys_module(), "instruction_similarity", _fallback_similarity)
    return float(function(a, b))


def near_identical_threshold() -> float:
    return float(getattr(_keys_module(), "NEAR_IDENTICAL_THRESHOLD", NEAR_IDENTICAL_SIMILARITY))


def best_match(candidates: Iterable[CachedElement], instruction: str) -> CachedElement | None:
    """The active candidate whose instruction is most similar, if near-identical."""
    best: CachedElement | None = None
    best_score = near_identical_threshold()
    for candidate in candidates:
        if candidate["status"] != "active":
            continue
        score = instruction_similarity(candidate["instruction"], instruction)
        if score >= best_score and (best is None or score > best_score):
            best, best_score = candidate, score
    return best


# --- no secrets --------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w])\+?\d[\d ().\-/]{6,}\d(?![\w])")
_LONG_DIGITS = re.compile(r"\d{6,}")
_PLACEHOLDER = re.compile(r"^%[A-Za-z_][\w.-]*%$")
_QUOTED = re.compile(r"(\"[^\"]*\"|'[^']*'|“[^”]*”)")
_TEXT_FIELDS = ("text", "name", "label", "neighbour_text", "container_text")
_TEXT_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label", "aria-description", "href")


def _phone_or_keep(match: re.Match[str]) -> str:
    # A phone number has 7+ digits and a "+" or separators; a bare digit run is a
    # [number] (order, account, card), masked by the next pattern.
    found = match[0]
    digits = sum(c.isdigit() for c in found)
    separated = found.startswith("+") or not found.isdigit()
    return "[phone]" if digits >= 7 and separated else found


def mask_personal_data(text: str) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub(_phone_or_keep, text)
    return _LONG_DIGITS.sub("[number]", text)


def contains_personal_data(text: str) -> bool:
    return mask_personal_data(text) != text


def is_placeholder(value: str) -> bool:
    return bool(_PLACEHOLDER.match(value))


def is_password_field(element: Mapping[str, Any]) -> bool:
    fingerprint = element.get("fingerprint") or {}
    attributes = fingerprint.get("attributes") or {}
    kind = str(attributes.get("type", "")).lower()
    autocomplete = str(attributes.get("autocomplete", "")).lower()
    return kind == "password" or "password" in autocomplete


def sanitise(element: CachedElement, policy: StorePolicy) -> CachedElement:
    """A copy of ``element`` that is safe to store (see the module docstring)."""
    clean = cast(CachedElement, copy.deepcopy(dict(element)))
    fingerprint = clean.get("fingerprint") or {}
    attributes = dict(fingerprint.get("attributes") or {})
    attributes.pop("value", None)
    if attributes or "attributes" in fingerprint:
        fingerprint["attributes"] = attributes
    fingerprint.pop("index", None)  # a position in one snapshot, meaningless later

    password = is_password_field(clean)
    action = clean.get("action") or {"method": "none"}
    argument = action.get("argument")
    if argument is not None:
        literal = argument.casefold() in clean["instruction"].casefold()
        if not is_placeholder(argument) and (password or not literal):
            action["argument"] = None
    if password:
        clean["instruction"] = _QUOTED.sub('"***"', clean["instruction"])

    for rival in clean.get("rivals") or []:
        (rival.get("attributes") or {}).pop("value", None)
    if policy.mask_personal_data:
        for fp in (fingerprint, *(clean.get("rivals") or [])):
            for field in _TEXT_FIELDS:
                if isinstance(fp.get(field), str):
                    fp[field] = mask_personal_data(fp[field])  # type: ignore[literal-required]
            rival_attributes = fp.get("attributes") or {}
            if fp is not fingerprint:
                for name in _TEXT_ATTRIBUTES:
                    if name in rival_attributes:
                        rival_attributes[name] = mask_personal_data(rival_attributes[name])
        for name in _TEXT_ATTRIBUTES:
            if name in attributes:
                attributes[name] = mask_personal_data(attributes[name])
        context = clean.get("context") or {}
        if isinstance(context.get("title"), str):
            context["title"] = mask_personal_data(context["title"])
        clean["instruction"] = mask_personal_data(clean["instruction"])
        clean["selectors"] = [
            s for s in clean["selectors"] if not contains_personal_data(s["value"])
        ]
    return clean


# --- versions and diffs ------------------------------------------------------------


def _flatten(value: Mapping[str, Any], prefix: str = "", depth: int = 0) -> dict[str, Any]:
    # Two levels of nesting ("fingerprint.attributes.id") keep diffs readable: a changed
    # class shows as one line, not as a whole new fingerprint.
    flat: dict[str, Any] = {}
    for name, item in value.items():
        path = f"{prefix}{name}"
        if isinstance(item, Mapping) and depth < 2 and item:
            flat.update(_flatten(item, path + ".", depth + 1))
        else:
            flat[path] = item
    return flat


def diff_elements(old: CachedElement | None, new: CachedElement) -> dict[str, Any]:
    """field -> {"old": ..., "new": ...} for every field that changed (stats excluded)."""
    before = _flatten({k: v for k, v in (old or {}).items() if k not in _NOT_DIFFED})
    after = _flatten({k: v for k, v in new.items() if k not in _NOT_DIFFED})
    return {
        field: {"old": before.get(field), "new": after.get(field)}
        for field in sorted(before.keys() | after.keys())
        if before.get(field) != after.get(field)
    }


def fresh_stats(created_at: str) -> ElementStats:
    return {
        "uses": 0,
        "successes": 0,
        "failures": 0,
        "last_used_at": None,
        "created_at": created_at,
    }


_STATUS_AFTER: dict[str, str] = {
    "created": "active",
    "updated": "active",
    "deprecated": "deprecated",
    "invalidated": "invalidated",
}


def prepare_put(
    previous: CachedElement | None,
    element: CachedElement,
    *,
    change: ChangeKind,
    actor: Actor,
    reason: str,
    policy: StorePolicy,
) -> tuple[CachedElement, ElementVersion]:
    """The entry to store and its version record, given what is stored now."""
    at = now_iso()
    stored = sanitise(element, policy)
    stored["status"] = _STATUS_AFTER[change]  # type: ignore[typeddict-item]
    stored["selectors"] = order_selectors(stored["selectors"])
    if previous is None:
        created_at = (element.get("stats") or {}).get("created_at") or at
        stored["stats"] = fresh_stats(created_at)
        stored["version"] = 1
    else:
        revived = previous["status"] != "active" and stored["status"] == "active"
        if change == "created" or revived:
            stored["stats"] = fresh_stats(previous["stats"]["created_at"])
        else:
            stored["stats"] = dict(previous["stats"])  # type: ignore[typeddict-item]
        stored["version"] = previous["version"] + 1
    version: ElementVersion = {
        "key": stored["key"],
        "version": stored["version"],
        "change": change,
        "actor": actor,
        "reason": reason,
        "diff": diff_elements(previous, stored),
        "at": at,
        "element": stored,
    }
    return stored, version


def order_selectors(selectors: list[Selector]) -> list[Selector]:
    """Most robust first (Playwright's order); stable within a kind."""
    rank = {kind: i for i, kind in enumerate(SELECTOR_ORDER)}
    return sorted(selectors, key=lambda s: rank.get(s["kind"], len(rank)))


def success_rate(stats: ElementStats) -> float:
    return stats["successes"] / stats["uses"] if stats["uses"] else 1.0


def apply_outcome(
    element: CachedElement, *, success: bool
) -> tuple[CachedElement, ElementVersion | None]:
    """Count one use; when the success rate drops below 70 % (after the minimum number of
    uses) invalidate the entry and return the version record of that change."""
    updated = cast(CachedElement, copy.deepcopy(dict(element)))
    stats = updated["stats"]
    stats["uses"] += 1
    if success:
        stats["successes"] += 1
    else:
        stats["failures"] += 1
    stats["last_used_at"] = now_iso()
    rate = success_rate(stats)
    if (
        updated["status"] == "active"
        and stats["uses"] >= MIN_USES_FOR_INVALIDATION
        and rate < INVALIDATION_SUCCESS_RATE
    ):
        reason = (
            f"success rate {rate:.0%} below {INVALIDATION_SUCCESS_RATE:.0%} "
            f"after {stats['uses']} uses"
        )
        return _invalidated(updated, actor="system", reason=reason)
    return updated, None


def apply_invalidate(
    element: CachedElement, *, actor: Actor, reason: str
) -> tuple[CachedElement, ElementVersion]:
    return _invalidated(cast(CachedElement, copy.deepcopy(dict(element))), actor, reason)


def _invalidated(
    element: CachedElement, actor: Actor, reason: str
) -> tuple[CachedElement, ElementVersion]:
    before = cast(CachedElement, dict(element))
    element["status"] = "invalidated"
    element["version"] += 1
    version: ElementVersion = {
        "key": element["key"],
        "version": element["version"],
        "change": "invalidated",
        "actor": actor,
        "reason": reason,
        "diff": diff_elements(before, element),
        "at": now_iso(),
        "element": element,
    }
    return element, version


# --- validation of records arriving from outside (HTTP) -----------------------------


def _require(data: Mapping[str, Any], field: str, kind: type | tuple[type, ...]) -> None:
    if not isinstance(data.get(field), kind):
        raise ValueError(f"{field}: required, {getattr(kind, '__name__', kind)} expected")


# The database store's column sizes (backend/cache/models.py).
_MAX_LENGTHS = {"project": 128, "key": 255, "scope": 255, "run_id": 64}


def _check_lengths(data: Mapping[str, Any]) -> None:
    for field, limit in _MAX_LENGTHS.items():
        value = data.get(field)
        if isinstance(value, str) and len(value) > limit:
            raise ValueError(f"{field}: at most {limit} characters")
        if field in ("key", "project") and value == "":
            raise ValueError(f"{field}: must not be empty")


def validate_element(data: Any) -> CachedElement:
    """Check the shape of a cached element received as JSON; raises ValueError naming the
    first bad field. (The records are ``typing.TypedDict``s, which pydantic cannot validate
    on Python 3.11.)"""
    if not isinstance(data, dict):
        raise ValueError("element: an object expected")
    for field in ("key", "project", "scope", "instruction", "route", "frame", "status"):
        _require(data, field, str)
    _check_lengths(data)
    for field in ("fingerprint", "context", "action", "stats"):
        _require(data, field, dict)
    _require(data, "selectors", list)
    if not isinstance(data.get("version"), int):
        raise ValueError("version: required, int expected")
    if data["status"] not in STATUSES:
        raise ValueError(f"status: one of {', '.join(STATUSES)}")
    if data["action"].get("method") not in ACTION_METHODS:
        raise ValueError(f"action.method: one of {', '.join(ACTION_METHODS)}")
    argument = data["action"].get("argument")
    if argument is not None and not isinstance(argument, str):
        raise ValueError("action.argument: a string or null expected")
    for selector in data["selectors"]:
        if not isinstance(selector, dict) or selector.get("kind") not in SELECTOR_ORDER:
            raise ValueError(f"selectors: kind one of {', '.join(SELECTOR_ORDER)}")
        _require(selector, "value", str)
    if not isinstance(data["stats"].get("created_at", ""), str):
        raise ValueError("stats.created_at: a string expected")
    rivals = data.get("rivals")
    if rivals is not None:
        if not isinstance(rivals, list) or not all(isinstance(r, dict) for r in rivals):
            raise ValueError("rivals: a list of objects expected")
        if len(rivals) > _MAX_RIVALS:
            raise ValueError(f"rivals: at most {_MAX_RIVALS}")
    return cast(CachedElement, data)


_MAX_RIVALS = 10  # the engine keeps 5; room for a newer client, bounded against abuse


def validate_decision(data: Any) -> DecisionRecord:
    if not isinstance(data, dict):
        raise ValueError("decision: an object expected")
    for field in ("project", "key", "instruction", "decision", "at"):
        _require(data, field, str)
    _check_lengths(data)
    if data["decision"] not in DECISIONS:
        raise ValueError(f"decision: one of {', '.join(DECISIONS)}")
    for field in ("confidence", "duration_ms"):
        _require(data, field, (int, float))
    _require(data, "reasons", list)
    for field in ("selector", "run_id"):
        if data.get(field) is not None and not isinstance(data[field], str):
            raise ValueError(f"{field}: a string or null expected")
    if data.get("scores") is not None and not isinstance(data["scores"], dict):
        raise ValueError("scores: an object or null expected")
    evidence = data.get("evidence")
    if evidence is not None:
        if not isinstance(evidence, dict) or evidence.get("verdict") not in (
            "accepted",
            "refused",
        ):
            raise ValueError("evidence.verdict: accepted or refused")
        by = evidence.get("by")
        if not isinstance(by, list) or not all(isinstance(x, str) for x in by):
            raise ValueError("evidence.by: a list of strings expected")
        if evidence.get("rival") is not None and not isinstance(evidence["rival"], str):
            raise ValueError("evidence.rival: a string expected")
    return cast(DecisionRecord, data)


# --- statistics and reports --------------------------------------------------------


def stats_from_counts(
    entries: int, counts: Mapping[str, int], resolver_ms_total: float
) -> CacheStats:
    """``counts``: decision -> number of lookups; ``resolver_ms_total``: summed duration of
    the lookups the resolver answered (the cost a hit or heal avoids)."""
    hits = rates.hits(counts)
    heals = counts.get("healed", 0)
    resolver_calls = counts.get("resolver", 0)
    lookups = rates.lookups(counts)
    mean_resolver_ms = resolver_ms_total / resolver_calls if resolver_calls else 0.0
    return {
        "entries": entries,
        "lookups": lookups,
        "hits": hits,
        "heals": heals,
        "resolver_calls": resolver_calls,
        "failures": counts.get("failed", 0),
        "hit_rate": rates.hit_rate(hits, lookups) or 0.0,
        "time_saved_ms": round((hits + heals) * mean_resolver_ms, 3),
    }


def last_activity(element: CachedElement) -> datetime:
    stats = element["stats"]
    return parse_iso(stats["last_used_at"] or stats["created_at"])


def stale_elements(
    elements: Iterable[CachedElement], *, days: int = STALE_AFTER_DAYS
) -> list[CachedElement]:
    """Entries nobody used for ``days`` (never-used entries count from their creation)."""
    cutoff = utcnow() - timedelta(days=days)
    return [e for e in elements if last_activity(e) < cutoff]


def low_confidence_elements(elements: Iterable[CachedElement]) -> list[CachedElement]:
    """Active entries that were used and fail more often than one step in ten."""
    return [
        e
        for e in elements
        if e["status"] == "active"
        and e["stats"]["uses"] > 0
        and success_rate(e["stats"]) < LOW_CONFIDENCE_SUCCESS_RATE
    ]
