"""What ``testable run`` shows: a rich progress bar fed by the run's events, then a
summary table of outcomes and failures."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from backend.events.progress import Progress as RunProgress
from backend.runs.models import Run, RunTest

_STYLE = {"passed": "green", "failed": "red", "error": "red", "timed_out": "yellow"}


def run_progress_bar(console: Console) -> tuple[Progress, TaskID]:
    """The terminal's progress bar of a run: phase, tests done of collected, time, current test."""
    bar = Progress(
        TextColumn("[bold]{task.fields[phase]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[current]}"),
        console=console,
        transient=True,
    )
    return bar, bar.add_task("run", total=None, phase="queued", current="")


class RunView:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.state = RunProgress()
        self.bar, self.task = run_progress_bar(console)

    def __enter__(self) -> RunView:
        self.bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.bar.stop()

    def update(self, message: dict[str, Any]) -> None:
        self.state.feed(message)
        data = message.get("data") or {}
        phase = self.state.status
        if message["type"] == "phase":
            phase = str(data.get("phase", phase))
        self.bar.update(
            self.task,
            total=self.state.collected or None,
            completed=self.state.done,
            phase=phase,
            current=self.state.current or "",
        )

    def summary(self, run: Run, tests: list[RunTest]) -> None:
        table = Table(title="summary")
        table.add_column("outcome")
        table.add_column("tests", justify="right")
        for outcome in ("passed", "failed", "errors", "skipped", "flaky"):
            table.add_row(outcome, str(getattr(run, outcome)))
        self.console.print(table)
        failures = [t for t in tests if t.outcome in ("failed", "error")]
        if failures:
            failed = Table(title="failures")
            failed.add_column("test")
            failed.add_column("error")
            for test in failures:
                failed.add_row(test.node_id, (test.error_message or "")[:200])
            self.console.print(failed)
        style = _STYLE.get(run.status, "yellow")
        line = f"[{style}]{run.status}[/{style}] run {run.id}: {run.total} tests"
        if run.reason:
            line += f" — {run.reason}"
        self.console.print(line)
