"""Embedded mode's one job registry: every background job of ``testable up`` (runs,
webhook deliveries, report deliveries) runs in a thread of this process, with an event
loop of its own, through the handler its domain registered (``backend.outbox.jobs``).

Runs (jobs with a ``group``: the run's organisation) are capped: at most
``embedded_max_concurrent_runs`` execute at once (default: the number of cores); the
others wait here, queued, each organisation's in its own first-in-first-out line. A free
slot goes to the waiting organisation with the fewest runs executing, ties to the one
served longest ago — round-robin — so one organisation queueing many runs delays only
itself: another organisation's run takes the next free slot. Other jobs (webhook and
report deliveries) are short and start at once.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from loguru import logger

from backend.config import Settings
from backend.outbox.jobs import Job, run_embedded


@dataclass(eq=False)
class _Entry:
    job: Job
    settings: Settings
    after: _Entry | None = None
    done: threading.Event = field(default_factory=threading.Event)


class EmbeddedRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[_Entry] = []  # not yet done (started or waiting)
        # Runs waiting for a slot, per group (first in, first out within a group).
        self._waiting: dict[str, deque[_Entry]] = {}
        self._running: dict[str, int] = {}  # runs executing, per group
        self._served: dict[str, int] = {}  # when each group last got a slot (a counter)
        self._turn = 0
        self._running_runs = 0
        self._limit = 1
        self._last_serial: dict[str, _Entry] = {}

    def submit(self, job: Job, settings: Settings) -> None:
        with self._lock:
            after = self._last_serial.get(job.serial) if job.serial else None
            entry = _Entry(
                job, settings, after=after if after and not after.done.is_set() else None
            )
            if job.serial:
                self._last_serial = {
                    k: e for k, e in self._last_serial.items() if not e.done.is_set()
                }
                self._last_serial[job.serial] = entry
            self._entries.append(entry)
            if job.group is None:
                self._start(entry)
                return
            # The latest settings win: one process, one cap (tests build many apps).
            self._limit = max(1, settings.embedded_max_concurrent_runs)
            self._waiting.setdefault(job.group, deque()).append(entry)
            self._admit()

    def revoke(self, task_id: str) -> bool:
        """Drop a run still waiting for a slot; True when one was dropped. A started run
        stops through its cancel flag (the executor polls it)."""
        with self._lock:
            for group, queue in list(self._waiting.items()):
                for entry in list(queue):
                    if entry.job.task_id == task_id:
                        queue.remove(entry)
                        if not queue:
                            del self._waiting[group]
                        self._finish(entry)
                        return True
        return False

    def _admit(self) -> None:
        while self._running_runs < self._limit and self._waiting:
            group = min(
                self._waiting,
                key=lambda g: (self._running.get(g, 0), self._served.get(g, -1)),
            )
            queue = self._waiting[group]
            entry = queue.popleft()
            if not queue:
                del self._waiting[group]
            self._turn += 1
            self._served[group] = self._turn
            self._running[group] = self._running.get(group, 0) + 1
            self._running_runs += 1
            self._start(entry)

    def _start(self, entry: _Entry) -> None:
        thread = threading.Thread(
            target=self._execute, args=(entry,), name=_thread_name(entry.job), daemon=True
        )
        thread.start()

    def _execute(self, entry: _Entry) -> None:
        try:
            if entry.after is not None:
                entry.after.done.wait()  # e.g. an earlier delivery of the same report first
            asyncio.run(run_embedded(entry.job, entry.settings))
        except Exception:
            logger.exception(
                "job {} {} crashed in the embedded worker", entry.job.name, entry.job.args
            )
        finally:
            with self._lock:
                group = entry.job.group
                if group is not None:
                    self._running_runs -= 1
                    self._running[group] -= 1
                    if not self._running[group]:
                        del self._running[group]
                self._finish(entry)
                self._admit()

    def _finish(self, entry: _Entry) -> None:
        if entry in self._entries:
            self._entries.remove(entry)
        entry.done.set()

    def running_runs(self) -> int:
        with self._lock:
            return self._running_runs

    def waiting_runs(self) -> int:
        with self._lock:
            return sum(len(q) for q in self._waiting.values())

    def wait(
        self, *, name: str | None = None, key: str | None = None, timeout: float | None = None
    ) -> bool:
        """Block until the matching jobs (all when neither is given) ended, including jobs
        they queued meanwhile for the same match; True when they have."""
        deadline = None if timeout is None else _now() + timeout
        while True:
            with self._lock:
                pending = [
                    e
                    for e in self._entries
                    if (name is None or e.job.name == name) and (key is None or e.job.key == key)
                ]
            if not pending:
                return True
            for entry in pending:
                left = None if deadline is None else max(0.0, deadline - _now())
                if not entry.done.wait(left):
                    return False


def _now() -> float:
    return time.monotonic()


def _thread_name(job: Job) -> str:
    return f"job-{job.name.removeprefix('testable.')}-{job.key or ''}"


registry = EmbeddedRegistry()
"""The one registry of this process."""
