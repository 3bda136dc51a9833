"""Follow a run live over its WebSocket (``/api/ws/runs/{id}``) in a terminal.

What a person watching wants to see: a rich progress bar (the server's ``progress``
messages: collected, done, current test), one line per test as it finishes, under it
the test's browser steps with their cache decisions, and the run's end. Nothing here
reads the database: it is a client of the api like the dashboard, so ``make demo``
shows the platform's live path itself.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import websockets
from rich.console import Console
from rich.markup import escape

from backend.runs.cli_view import STATUS_STYLES, run_progress_bar, step_line, test_line
from backend.runs.states import TERMINAL

_RECONNECTS = 5
POLICY_VIOLATION = 1008


@dataclass
class LiveRun:
    """What the socket told: every event in order, the finished tests and the end."""

    events: list[dict[str, Any]] = field(default_factory=list)
    finished_tests: list[str] = field(default_factory=list)
    status: str | None = None
    reason: str | None = None
    close_code: int | None = None

    @property
    def last_seq(self) -> int:
        return int(self.events[-1]["seq"]) if self.events else 0


class LiveRunView:
    """Turns the socket's messages into terminal output (``handle`` one at a time)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.run = LiveRun()
        self._steps: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        self.bar, self.task = run_progress_bar(console)

    def __enter__(self) -> LiveRunView:
        self.bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.bar.stop()

    def handle(self, message: dict[str, Any]) -> None:
        if message.get("type") == "progress":
            self.bar.update(
                self.task,
                total=message.get("collected") or None,
                completed=int(message.get("done") or 0),
                current=escape(str(message.get("current") or "")),
            )
        elif message.get("type") == "event":
            self._event(message["event"])

    def _event(self, event: dict[str, Any]) -> None:
        if int(event["seq"]) <= self.run.last_seq:
            return  # a resumed socket never repeats, but be sure
        self.run.events.append(event)
        kind, data = event["type"], event.get("data") or {}
        if kind == "phase":
            self.bar.update(self.task, phase=str(data.get("phase", "")))
        elif kind == "run_status":
            self._status(data)
        elif kind == "step":
            self._steps[str(data.get("nodeid"))].append(data)
        elif kind == "test_finished":
            self._test_finished(data)

    def _status(self, data: dict[str, Any]) -> None:
        status = str(data.get("status", ""))
        self.bar.update(self.task, phase=status)
        if status in TERMINAL:
            self.run.status = status
            self.run.reason = data.get("reason")

    def _test_finished(self, data: dict[str, Any]) -> None:
        node_id = str(data.get("nodeid"))
        self.run.finished_tests.append(node_id)
        self.console.print(test_line(data))
        # Steps run in the test, before the controller reports its end: shown under it.
        for step in self._steps.pop(node_id, []):
            self.console.print(step_line(step))

    def summary(self) -> None:
        status = self.run.status or "unknown"
        style = STATUS_STYLES.get(status, "yellow")
        line = f"run [{style}]{status}[/{style}]: {len(self.run.finished_tests)} tests finished"
        if self.run.reason:
            line += f" — {escape(str(self.run.reason))}"
        self.console.print(line)


def socket_url(base_url: str, run_id: str) -> str:
    scheme, _, rest = base_url.partition("://")
    ws_scheme = "wss" if scheme == "https" else "ws"
    return f"{ws_scheme}://{rest.rstrip('/')}/api/ws/runs/{run_id}"


class SocketRefused(Exception):
    """The server closed the socket with 1008: a bad token or a run this user may not see."""


async def follow_run(base_url: str, run_id: str, token: str, view: LiveRunView) -> LiveRun:
    """Feed ``view`` every message of the run's socket until the run ended. A dropped
    connection is resumed from the last event seen (the server backfills the rest)."""
    for attempt in range(_RECONNECTS + 1):
        try:
            async with websockets.connect(socket_url(base_url, run_id)) as socket:
                hello = {"type": "auth", "token": token, "after": view.run.last_seq}
                await socket.send(json.dumps(hello))
                async for raw in socket:
                    view.handle(json.loads(raw))
                view.run.close_code = socket.close_code
                if socket.close_code == POLICY_VIOLATION:
                    raise SocketRefused(socket.close_reason or "refused")
        except (OSError, websockets.ConnectionClosedError):
            if attempt == _RECONNECTS:
                raise
        if view.run.status is not None:
            break
        await asyncio.sleep(min(2.0, 0.2 * 2**attempt))
    return view.run
