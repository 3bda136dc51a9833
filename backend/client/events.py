"""Live run events of the TestAble plugin, on the run's event channel (docs/run-events.md).

``session_started`` / ``test_started`` / ``test_finished`` / ``session_finished`` come
from the controller only (under pytest-xdist it sees every worker's reports, so no test
is counted twice); ``step`` and ``screenshot`` come from the process that ran the test.
Outside a run (no ``TESTABLE_RUN_EVENTS``) every emit is a no-op.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import pytest

from backend.execution.channel import emit

if TYPE_CHECKING:
    from backend.client.results import StepResult


def send(event_type: str, **data: Any) -> None:
    with contextlib.suppress(OSError, ValueError):  # progress must never fail a test
        emit(event_type, **data)


def step_event(nodeid: str, index: int, result: StepResult) -> None:
    send(
        "step",
        nodeid=nodeid,
        index=index,
        instruction=result.instruction,
        action=result.kind,
        decision=result.decision,
        confidence=result.confidence,
        duration=round(result.duration_ms / 1000, 4),
    )


def _outcome(report: pytest.TestReport, current: str) -> str:
    wasxfail = hasattr(report, "wasxfail")
    if report.failed:
        outcome = "failed" if report.when == "call" else "error"
    elif report.skipped:
        outcome = "xfailed" if wasxfail else "skipped"
    elif report.when == "call" and wasxfail:
        outcome = "xpassed"
    else:
        outcome = current
    if current in ("failed", "error") and outcome not in ("failed", "error"):
        return current  # a passing teardown does not undo a failure
    return outcome


class RunEvents:
    """The pytest hooks that emit test progress."""

    NAME = "testable-events"

    def __init__(self, config: pytest.Config) -> None:
        self.controller = not hasattr(config, "workerinput")  # not an xdist worker
        self.outcomes: dict[str, str] = {}
        self.durations: dict[str, float] = {}
        self.started = False

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if self.controller and not self.started and session.items:
            self.started = True
            send("session_started", collected=len(session.items))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        # Every worker collects the same tests; the first one tells the total.
        if not self.started:
            self.started = True
            send("session_started", collected=len(ids))

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        if self.controller:
            send("test_started", nodeid=nodeid)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not self.controller:
            return
        self.outcomes[report.nodeid] = _outcome(report, self.outcomes.get(report.nodeid, "passed"))
        self.durations[report.nodeid] = self.durations.get(report.nodeid, 0.0) + report.duration

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        if self.controller:
            send(
                "test_finished",
                nodeid=nodeid,
                outcome=self.outcomes.pop(nodeid, "passed"),
                duration=round(self.durations.pop(nodeid, 0.0), 4),
            )

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.controller:
            send("session_finished", exitstatus=int(exitstatus))
