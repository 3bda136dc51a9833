"""Issue #11, "done when": every example app's plain-language spec passes in every phrasing
(terse, chatty, imperative), cold (empty cache) and warm (the same cache again), on the
original and on the redesign, and with the cache learnt on the original run on the
redesign — with the offline resolver, in real Chromium, a ``check`` after every step.

The runs are bench/bench_plain_language.py's (one code path for the test and the
benchmark); a failure lists every step that did not pass and why.

Runs by default (about 3 minutes at -n 2): `uv run pytest
tests/examples/test_apps_plain_language.py -n 2`. The held-out apps are measured by the
benchmark (`--group held_out`), not asserted here: they do not pass yet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.cache.instructions import InstructionParseError, understand
from bench.bench_plain_language import PHRASINGS, Run, run_spec
from examples.apps import DEV_APPS

pytestmark = pytest.mark.browser


def _failures(run: Run) -> str:
    lines = [
        f"  step {s.index + 1} {s.instruction!r}: {s.outcome} ({s.decision}) {s.detail[:300]}"
        for s in run.steps
        if s.outcome != "passed"
    ]
    return f"{run.app}/{run.variant} {run.mode} {run.phrasing}:\n" + "\n".join(lines)


def _compound(instruction: str) -> bool:
    try:
        return understand(instruction).method in ("edit", "drag")
    except InstructionParseError:  # an extract() request: not a step of the grammar
        return False


def _assert_passes(run: Run) -> None:
    assert run.steps, "the spec has no steps"
    assert all(s.outcome == "passed" for s in run.steps), _failures(run)


@pytest.mark.parametrize("phrasing", PHRASINGS)
@pytest.mark.parametrize("variant", ["original", "redesign"])
@pytest.mark.parametrize("app", sorted(DEV_APPS))
def test_spec_passes_cold_then_warm(
    browser: Any, tmp_path: Path, app: str, variant: str, phrasing: str
) -> None:
    store = tmp_path / "cache.db"
    cold = run_spec(browser, app, variant, phrasing, store, mode="cold")
    warm = run_spec(browser, app, variant, phrasing, store, mode="warm")
    _assert_passes(cold)
    _assert_passes(warm)
    # Warm means the cache did the work: no step went back to the resolver — except the
    # compound edit and drag steps, which are resolved cold every time (not cached yet, a
    # known gap of #11/#12; docs/resolvers.md "Instructions: one grammar").
    asked = [
        f"step {s.index + 1} {s.instruction!r}"
        for s in warm.steps
        if s.decision == "resolver" and not _compound(s.instruction)
    ]
    assert not asked, f"{app}/{variant} warm {phrasing} asked the resolver: {asked}"


@pytest.mark.parametrize("phrasing", PHRASINGS)
@pytest.mark.parametrize("app", sorted(DEV_APPS))
def test_cache_learnt_on_the_original_passes_on_the_redesign(
    browser: Any, tmp_path: Path, app: str, phrasing: str
) -> None:
    store = tmp_path / "cache.db"
    run_spec(browser, app, "original", phrasing, store, mode="cold")
    changed = run_spec(browser, app, "redesign", phrasing, store, mode="changed")
    _assert_passes(changed)
