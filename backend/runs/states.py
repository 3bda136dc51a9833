"""A run's status and the only transitions it may take.

queued ──> running ──> passed | failed | error | cancelled | timed_out
   │          └──────> queued      (re-queued once after its worker died)
   └──────> cancelled | error      (cancelled before a worker took it; job lost)

Terminal statuses never change again: a late message from a dead worker, a second
cancel or a reaper running twice cannot rewrite a finished run.
"""

from __future__ import annotations

from enum import StrEnum


class RunState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL


TERMINAL = frozenset(
    {RunState.PASSED, RunState.FAILED, RunState.ERROR, RunState.CANCELLED, RunState.TIMED_OUT}
)
ACTIVE = frozenset({RunState.QUEUED, RunState.RUNNING})

TRANSITIONS: dict[RunState, frozenset[RunState]] = {
    RunState.QUEUED: frozenset({RunState.RUNNING, RunState.CANCELLED, RunState.ERROR}),
    RunState.RUNNING: frozenset(
        {
            RunState.PASSED,
            RunState.FAILED,
            RunState.ERROR,
            RunState.CANCELLED,
            RunState.TIMED_OUT,
            RunState.QUEUED,
        }
    ),
}


class InvalidTransition(Exception):
    def __init__(self, current: RunState, target: RunState) -> None:
        super().__init__(f"a {current.value} run cannot become {target.value}")
        self.current = current
        self.target = target


def can_transition(current: RunState | str, target: RunState | str) -> bool:
    return RunState(target) in TRANSITIONS.get(RunState(current), frozenset())


def check_transition(current: RunState | str, target: RunState | str) -> RunState:
    """The target state, or ``InvalidTransition``."""
    if not can_transition(current, target):
        raise InvalidTransition(RunState(current), RunState(target))
    return RunState(target)
