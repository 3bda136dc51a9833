"""Quarantine as a run sees it: a quarantined test still runs and its result is stored,
but its failure does not fail the run (status, ``testable run``'s exit code, the GitHub
check, the PR comment).

Which tests are quarantined is decided elsewhere (``backend.analytics``, registered through
``backend.runs.hooks.register_quarantine``) and read once, when the run starts: the list
is kept in ``Run.options["quarantined"]``, so the run's status and every report of it say
the same thing even if the quarantine changes while the run executes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from backend.runs.states import RunState

OPTION = "quarantined"
FAILING = frozenset({"failed", "error"})


def quarantined_of(options: Mapping[str, Any] | None) -> frozenset[str]:
    """The node ids quarantined when the run started (none for runs from before)."""
    listed = (options or {}).get(OPTION)
    if not isinstance(listed, list):
        return frozenset()
    return frozenset(item for item in listed if isinstance(item, str))


def note(count: int) -> str:
    """``quarantined: 2 tests failed, not counted`` — what every report says."""
    tests = "test" if count == 1 else "tests"
    return f"quarantined: {count} {tests} failed, not counted"


def quarantined_failures(
    results: Iterable[tuple[str, str]], quarantined: Collection[str]
) -> list[str]:
    """Node ids of the failing (failed or error) results whose test is quarantined;
    ``results`` are (node id, outcome) pairs."""
    return [node for node, outcome in results if outcome in FAILING and node in quarantined]


def counted_status(
    state: RunState,
    reason: str | None,
    results: Iterable[tuple[str, str]],
    quarantined: Collection[str],
) -> tuple[RunState, str | None]:
    """The run's status once quarantined failures are not counted.

    Only a ``failed`` run changes: it passes when every failure is quarantined, and its
    reason names what was left out either way. An error, a timeout or a cancel is about
    the run, not a test, and stays what it is."""
    if state is not RunState.FAILED or not quarantined:
        return state, reason
    pairs = list(results)
    left_out = quarantined_failures(pairs, quarantined)
    if not left_out:
        return state, reason
    counted = [o for node, o in pairs if o in FAILING and node not in quarantined]
    if not counted:
        return RunState.PASSED, note(len(left_out))
    failed, errors = counted.count("failed"), counted.count("error")
    parts = [f"{failed} failed"] if failed else []
    parts += [f"{errors} errors"] if errors else []
    return RunState.FAILED, f"{', '.join(parts)}; {note(len(left_out))}"
