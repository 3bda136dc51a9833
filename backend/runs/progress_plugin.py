"""A pytest plugin the runner loads (``-p backend.runs.progress_plugin``) so that every run
streams test progress: ``session_started`` (with the number of tests collected),
``test_started`` and ``test_finished`` on the event channel (docs/run-events.md).

It imports only the standard library and the channel, and emits nothing outside a run.
Under pytest-xdist only the controller emits test events (it sees every worker's
reports), so no test is counted twice.

Why here and not in the TestAble plugin: the client plugin does not emit channel events
yet; when it does, the runner stops loading this module (see backend/runs/executor.py).
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from backend.execution.channel import emit

_outcomes: dict[str, str] = {}


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _emit(event_type: str, **data: Any) -> None:
    with contextlib.suppress(OSError, ValueError):  # progress must never fail a session
        emit(event_type, **data)


def pytest_collection_finish(session: pytest.Session) -> None:
    if not _is_xdist_worker(session.config) and session.items:
        _emit("session_started", collected=len(session.items))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    _emit("session_started", collected=len(ids), worker=str(getattr(node, "gateway", "")))


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    if not _is_xdist_worker_running():
        _emit("test_started", nodeid=nodeid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _is_xdist_worker_running():
        return
    current = _outcomes.get(report.nodeid, "passed")
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
        outcome = current  # a passing teardown does not undo a failure
    _outcomes[report.nodeid] = outcome
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _outcomes[report.nodeid + "\0duration"] = str(report.duration)


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    if _is_xdist_worker_running():
        return
    outcome = _outcomes.pop(nodeid, "passed")
    duration = float(_outcomes.pop(nodeid + "\0duration", "0") or 0)
    _emit("test_finished", nodeid=nodeid, outcome=outcome, duration=duration)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _is_xdist_worker(session.config):
        _emit("session_finished", exitstatus=int(exitstatus))


_config: pytest.Config | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _config
    _config = config


def _is_xdist_worker_running() -> bool:
    return _config is not None and _is_xdist_worker(_config)
