"""A run's progress from its event stream: tests collected, finished by outcome, percent.

Fed every event in sequence order (backfill then live), it gives the WebSocket and the
CLI the same numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from backend.runs.states import TERMINAL


@dataclass
class Progress:
    status: str = "queued"
    collected: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    finished_nodes: set[str] = field(default_factory=set)
    current: str | None = None

    @property
    def done(self) -> int:
        return len(self.finished_nodes)

    @property
    def percent(self) -> float:
        if self.status in TERMINAL:
            return 100.0
        if not self.collected:
            return 0.0
        return round(min(100.0, 100.0 * self.done / self.collected), 1)

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL

    def feed(self, message: Mapping[str, Any]) -> bool:
        """Update from one event message; True when the visible progress changed."""
        kind = message.get("type")
        data = message.get("data") or {}
        if kind == "run_status":
            self.status = str(data.get("status", self.status))
            return True
        if kind == "session_started":
            collected = data.get("collected")
            if isinstance(collected, int) and collected > self.collected:
                self.collected = collected
                return True
            return False
        if kind == "test_started":
            self.current = data.get("nodeid")
            return False
        if kind == "test_finished":
            node = data.get("nodeid")
            if not isinstance(node, str) or node in self.finished_nodes:
                return False
            self.finished_nodes.add(node)
            self.outcomes[str(data.get("outcome", "passed"))] += 1
            return True
        return False

    def snapshot(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "collected": self.collected,
            "done": self.done,
            "counts": dict(self.outcomes),
            "percent": self.percent,
            "current": self.current,
        }
