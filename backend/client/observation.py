"""``observe(instruction)``: which elements an instruction could mean, with selectors and
the Playwright call one would make. Observing changes nothing, so nothing is cached: the
resolver ranks the page's candidates every time."""

from __future__ import annotations

import time

from backend.ai.base import Resolution, ResolveRequest
from backend.cache.collect import describe
from backend.cache.records import ActionSpec
from backend.client import commands as cmd
from backend.client.engine import (
    EngineConfig,
    Flow,
    _snapshot,
    _unique_selectors,
    suggested_method,
)
from backend.client.errors import InstructionError
from backend.client.instructions import parse_instruction
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
        found = yield from _unique_selectors(cmd.SnapshotSelectors(index))
        if found is None or not found[1]:
            continue
        fp = candidates[index]
        method, _ = suggested_method(fp)
        arguments: list[str] = []
        if action is not None and action["method"] in _METHODS:
            method = _METHODS[action["method"]]
            if action.get("argument") and action["method"] != "click":
                arguments = [str(action["argument"])]
        observed.append(
            ObservedElement(
                description=describe(fp),
                selectors=found[1],
                method=method,
                arguments=arguments,
                confidence=round(confidence, 1),
                fingerprint=fp,
            )
        )
    result = StepResult(
        kind="observe",
        instruction=display,
        decision="resolver",
        confidence=round(resolution["confidence"], 1),
        duration_ms=round((time.perf_counter() - started) * 1000, 2),
        selector=observed[0].selector if observed else None,
        explanation=f"{len(observed)} element(s) observed; " + "; ".join(resolution["reasons"][:2]),
        resolver_calls=1,
    )
    return observed, result
