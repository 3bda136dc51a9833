"""The local event channel between the test process and the worker.

Contract (full description in ``docs/run-events.md``): the worker sets
``TESTABLE_RUN_EVENTS`` to the path of a file; the test process (the TestAble plugin,
including every pytest-xdist worker) appends one JSON object per line::

    {"v": 1, "type": "test_started", "ts": 1700000000.123, "pid": 4242, "data": {...}}

and the runner tails the file while pytest runs, forwarding each event.

Why a file and not a socket: appends survive a slow reader and a crashing writer (every
event written before a ``SIGKILL`` is still there), several processes can append without
coordination (one ``O_APPEND`` write per event), and the runner re-reads everything
after the process ends, so nothing is lost.

This module imports only the standard library: the writer side runs inside the user's
test environment, where nothing but the interpreter can be assumed.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

EVENTS_ENV = "TESTABLE_RUN_EVENTS"
PROTOCOL_VERSION = 1
# Larger lines are refused by the writer and skipped by the reader: one runaway event
# must not exhaust the worker's memory.
MAX_EVENT_BYTES = 1024 * 1024


class EventType(StrEnum):
    SESSION_STARTED = "session_started"
    TEST_STARTED = "test_started"
    TEST_FINISHED = "test_finished"
    STEP = "step"
    OUTPUT = "output"
    SCREENSHOT = "screenshot"
    SESSION_FINISHED = "session_finished"


EVENT_TYPES = frozenset(item.value for item in EventType)


@dataclass(frozen=True)
class RunEvent:
    """One event of a run, as handed to ``on_event``.

    ``source`` is ``"plugin"`` for events read from the channel and ``"runner"`` for the
    ones the runner makes itself (pytest's output lines). ``seq`` orders all events of
    one run.
    """

    type: EventType
    data: dict[str, Any]
    ts: float
    source: str = "plugin"
    seq: int = 0
    pid: int | None = None


# --------------------------------------------------------------------------- writer


class EventWriter:
    """Appends events to the channel file; safe across threads and processes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._fd: int | None = None
        self._pid = -1
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls) -> EventWriter | None:
        """The writer for this run, or None when not running under the TestAble runner."""
        path = os.environ.get(EVENTS_ENV)
        return cls(path) if path else None

    def emit(self, event_type: str, **data: Any) -> None:
        """Write one event. ``event_type`` is one of ``EVENT_TYPES``; data must be JSON-able."""
        if event_type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {event_type!r}; expected one of {EVENT_TYPES}")
        record = {
            "v": PROTOCOL_VERSION,
            "type": event_type,
            "ts": time.time(),
            "pid": os.getpid(),
            "data": data,
        }
        line = (json.dumps(record, default=str, separators=(",", ":")) + "\n").encode()
        if len(line) > MAX_EVENT_BYTES:
            raise ValueError(f"event is {len(line)} bytes, the limit is {MAX_EVENT_BYTES}")
        with self._lock:
            fd = self._open()
            # One write per event: O_APPEND makes concurrent writers land whole lines.
            written = os.write(fd, line)
            while written < len(line):
                written += os.write(fd, line[written:])

    def close(self) -> None:
        with self._lock:
            if self._fd is not None and self._pid == os.getpid():
                os.close(self._fd)
            self._fd = None

    def _open(self) -> int:
        # A forked child must not share the parent's descriptor bookkeeping.
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd


_default_writer: EventWriter | None = None
_default_lock = threading.Lock()


def emit(event_type: str, **data: Any) -> bool:
    """Emit through the writer named by ``TESTABLE_RUN_EVENTS``; a no-op outside a run.

    Returns True when the event was written. This is the one call the plugin needs.
    """
    global _default_writer
    with _default_lock:
        path = os.environ.get(EVENTS_ENV)
        if not path:
            return False
        if _default_writer is None or _default_writer.path != path:
            _default_writer = EventWriter(path)
        writer = _default_writer
    writer.emit(event_type, **data)
    return True


# --------------------------------------------------------------------------- reader


@dataclass
class EventReader:
    """Tails the channel file: each ``read_new()`` returns the complete lines added since.

    Lines that are not valid events (user code can write anything to the file) are
    counted in ``rejected`` and skipped.
    """

    path: Path
    rejected: int = 0
    _offset: int = 0
    _partial: bytes = field(default=b"", repr=False)

    def read_new(self, *, final: bool = False) -> list[RunEvent]:
        try:
            with self.path.open("rb") as handle:
                handle.seek(self._offset)
                chunk = handle.read()
        except FileNotFoundError:
            return []
        self._offset += len(chunk)
        buffer = self._partial + chunk
        lines = buffer.split(b"\n")
        # The last piece is an unfinished line unless the writer is gone for good.
        self._partial = b"" if final else lines.pop()
        if len(self._partial) > MAX_EVENT_BYTES:
            self.rejected += 1
            self._partial = b""
        events = []
        for line in lines:
            if line.strip():
                event = self._parse(line)
                if event is None:
                    self.rejected += 1
                else:
                    events.append(event)
        return events

    @staticmethod
    def _parse(line: bytes) -> RunEvent | None:
        if len(line) > MAX_EVENT_BYTES:
            return None
        try:
            record = json.loads(line)
        except ValueError:
            return None
        if not isinstance(record, dict) or record.get("type") not in EVENT_TYPES:
            return None
        data = record.get("data", {})
        ts = record.get("ts")
        pid = record.get("pid")
        if not isinstance(data, dict):
            return None
        return RunEvent(
            type=EventType(record["type"]),
            data=data,
            ts=float(ts) if isinstance(ts, int | float) else time.time(),
            pid=pid if isinstance(pid, int) else None,
        )
