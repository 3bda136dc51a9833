"""``observe(instruction)``: which elements an instruction could mean, with selectors and
the Playwright call one would make.

The resolver's choice is cached like an act() step's element (observing changes nothing,
so "succeeded" means the resolver chose clearly). A warm observe answers from the cache
when the cached element verifies (the "use" band, or 70-89: observing acts on nothing, so
there is no outcome to check afterwards) or when healing finds it again with the same
safety rules as act(); anything less asks the resolver.
"""

from __future__ import annotations

import time
from typing import cast

from backend.ai.base import Resolution, ResolveRequest
from backend.cache.collect import Snapshot as SnapshotData
from backend.cache.collect import describe
from backend.cache.keys import element_key, normalise_instruction, normalise_route
from backend.cache.records import ActionSpec, CachedElement, Fingerprint, Selector
from backend.cache.relocate import relocate
from backend.client import commands as cmd
from backend.client.engine import (
    EngineConfig,
    Flow,
    Located,
    _audit,
    _locate_candidate,
    _snapshot,
    _try_cached,
    _unique_selectors,
    new_stats,
    suggested_method,
)
from backend.client.errors import InstructionError
from backend.client.instructions import ParsedInstruction, parse_instruction
from backend.client.results import ObservedElement, StepResult

# Candidates the resolver scored at least this (0..100) are worth showing next to its choice.
MIN_OBSERVED_SCORE = 50.0
MAX_OBSERVED = 5

_METHODS = {
    "click": "click",
    "fill": "fill",
    "type": "press_sequentially",
    "select": "select_option",
    "check": "check",
    "uncheck": "uncheck",
    "press": "press",
    "hover": "hover",
    "upload": "set_input_files",
}


def observe_flow(
    config: EngineConfig, instruction: str
) -> Flow[tuple[list[ObservedElement], StepResult]]:
    started = time.perf_counter()
    action: ActionSpec | None
    try:
        parsed = parse_instruction(instruction)
        target, action, display = parsed.target or instruction, parsed.action, parsed.display
    except InstructionError:
        # "the product links", "find the search box": a description, not an action.
        target, action, display = instruction, None, instruction
        parsed = ParsedInstruction(
            instruction=instruction, action={"method": "none"}, target=instruction, value=None
        )

    route = normalise_route((yield cmd.PageUrl()))
    key = element_key(config.project, config.scope, instruction, route, config.frame)
    cached: CachedElement | None = None
    if config.use_cache:
        cached = yield cmd.StoreCall(
            "find",
            (config.project, config.scope, route, config.frame, normalise_instruction(instruction)),
        )
    snapshot: SnapshotData | None = None
    if cached is not None and cached["status"] == "active":
        key = cached["key"]
        hit = yield from _try_cached(config, cached, parsed)
        found: Located | None = None
        if isinstance(hit, Located):
            found = hit
        else:
            snapshot = yield from _snapshot(config)
            found = yield from _heal(config, cached, snapshot, hit)
        if found is not None:
            method, _ = suggested_method(found.fingerprint)
            if action is not None and action["method"] in _METHODS:
                method = _METHODS[action["method"]]
            element = ObservedElement(
                description=describe(found.fingerprint),
                selectors=[dict(s) for s in found.selectors],
                method=method,
                arguments=_arguments(action),
                confidence=found.confidence,
                fingerprint=dict(found.fingerprint),
            )
            duration = round((time.perf_counter() - started) * 1000, 2)
            if found.decision != "cache_hit":
                # Verified or healed: the cache learns the element's current fingerprint.
                yield cmd.StoreCall(
                    "put",
                    (_entry(config, cached, key, found),),
                    {
                        "change": "updated",
                        "actor": "healing",
                        "reason": "; ".join(found.reasons[:3]),
                    },
                )
            yield cmd.StoreCall("record_outcome", (config.project, key), {"success": True})
            yield from _audit(
                config,
                key,
                parsed,
                found.decision,
                found.confidence,
                found.scores,
                found.reasons,
                found.selector,
                duration,
            )
            lead = {
                "cache_hit": "the cached {}, verified",
                "cache_hit_verified": "the cached {}, probably the same element",
                "healed": "the page changed; healing found {}",
            }.get(found.decision, "{}")
            detail = "; ".join(found.reasons[:2])
            result = StepResult(
                kind="observe",
                instruction=display,
                decision=found.decision,
                confidence=found.confidence,
                scores=dict(found.scores) if found.scores else None,
                duration_ms=duration,
                selector=found.selector,
                explanation=lead.format(element.description) + (f" ({detail})" if detail else ""),
                key=key,
            )
            return [element], result

    if snapshot is None:
        snapshot = yield from _snapshot(config)
    candidates = snapshot["candidates"]
    request: ResolveRequest = {
        "instruction": display,
        "target": target,
        "action": action or {"method": "none"},
        "candidates": candidates,
        "shortlist": None,
    }
    resolution: Resolution = yield cmd.Resolve(request)
    ranked: list[tuple[int, float]] = []
    if resolution["index"] is not None:
        ranked.append((resolution["index"], resolution["confidence"]))
    for candidate in resolution.get("closest", []):
        if candidate["score"] >= MIN_OBSERVED_SCORE and all(
            candidate["index"] != i for i, _ in ranked
        ):
            ranked.append((candidate["index"], candidate["score"]))

    observed: list[ObservedElement] = []
    for index, confidence in ranked[:MAX_OBSERVED]:
        if not 0 <= index < len(candidates):
            continue
        selectors = yield from _unique_selectors(cmd.SnapshotSelectors(index))
        if selectors is None or not selectors[1]:
            continue
        fp = candidates[index]
        method, _ = suggested_method(fp)
        if action is not None and action["method"] in _METHODS:
            method = _METHODS[action["method"]]
        observed.append(
            ObservedElement(
                description=describe(fp),
                selectors=[dict(s) for s in selectors[1]],
                method=method,
                arguments=_arguments(action),
                confidence=round(confidence, 1),
                fingerprint=fp,
            )
        )
    duration = round((time.perf_counter() - started) * 1000, 2)
    chosen = resolution["index"]
    if config.use_cache and chosen is not None and observed and observed[0].fingerprint:
        first = observed[0]
        fingerprint = {k: v for k, v in (first.fingerprint or {}).items() if k != "index"}
        entry: CachedElement = {
            "key": key,
            "project": config.project,
            "scope": config.scope,
            "instruction": normalise_instruction(instruction),
            "route": route,
            "frame": config.frame,
            "selectors": [cast(Selector, s) for s in first.selectors],
            "fingerprint": cast(Fingerprint, fingerprint),
            "context": snapshot["context"],
            "action": parsed.action,
            "stats": cached["stats"] if cached else new_stats(),
            "version": cached["version"] if cached else 0,
            "status": "active",
        }
        yield cmd.StoreCall(
            "put",
            (entry,),
            {
                "change": "updated" if cached else "created",
                "actor": "resolver",
                "reason": "observe",
            },
        )
        yield cmd.StoreCall("record_outcome", (config.project, key), {"success": True})
        yield from _audit(
            config,
            key,
            parsed,
            "resolver",
            resolution["confidence"],
            None,
            resolution["reasons"],
            first.selector,
            duration,
        )
    result = StepResult(
        kind="observe",
        instruction=display,
        decision="resolver",
        confidence=round(resolution["confidence"], 1),
        duration_ms=duration,
        selector=observed[0].selector if observed else None,
        key=key if config.use_cache else None,
        explanation=f"{len(observed)} element(s) observed; " + "; ".join(resolution["reasons"][:2]),
        resolver_calls=1,
    )
    return observed, result


def _heal(
    config: EngineConfig, cached: CachedElement, snapshot: SnapshotData, why: list[str]
) -> Flow[Located | None]:
    """The cached element found again by healing (the same ``relocate()`` rules as act()),
    or None: then the resolver decides, as for an element never observed."""
    candidates = snapshot["candidates"]
    relocation = relocate(
        cached["fingerprint"],
        candidates,
        cached_context=cached["context"],
        candidate_context=snapshot["context"],
    )
    if relocation["decision"] != "accept" or relocation["index"] is None:
        return None
    try:
        selector, identity, fp, context, selectors = yield from _locate_candidate(
            config, snapshot, relocation["index"]
        )
    except cmd.StaleElement:
        return None
    return Located(
        selector=selector,
        identity=identity,
        fingerprint=fp,
        context=context,
        selectors=selectors,
        decision="healed",
        confidence=relocation["confidence"],
        scores=relocation["scores"],
        reasons=[*why, *relocation["reasons"]],
        check_after=False,
        write=("updated", "healing"),
    )


def _entry(config: EngineConfig, cached: CachedElement, key: str, found: Located) -> CachedElement:
    fingerprint = {k: v for k, v in found.fingerprint.items() if k != "index"}
    return {
        **cached,
        "key": key,
        "selectors": found.selectors,
        "fingerprint": cast(Fingerprint, fingerprint),
        "context": found.context,
        "status": "active",
    }


def _arguments(action: ActionSpec | None) -> list[str]:
    if action is None or action["method"] == "click" or not action.get("argument"):
        return []
    return [str(action["argument"])]
