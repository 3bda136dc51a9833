"""What ``testable run`` shows: each test as it finishes with its steps and their cache
decisions (the same lines as the live demo's socket view), a progress bar while it runs
(a line per phase when the output is not a terminal), then the failures in full, where
the logs, screenshots and traces are, and the run's end."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from backend.runs.models import Run, RunTest
from backend.runs.progress import Progress as RunProgress
from backend.runs.quarantine import quarantined_of

STATUS_STYLES = {"passed": "green", "failed": "red", "error": "red", "timed_out": "yellow"}
TEST_MARKS = {
    "passed": "[green]✓[/green]",
    "failed": "[red]✗[/red]",
    "error": "[red]![/red]",
    "skipped": "[yellow]-[/yellow]",
    "xfailed": "[yellow]x[/yellow]",
    "xpassed": "[yellow]X[/yellow]",
}
DECISION_STYLES = {
    "cache_hit": "green",
    "cache_hit_verified": "green",
    "verified": "green",
    "healed": "cyan",
    "resolver": "magenta",
    "ai": "magenta",
    "failed": "red",
}
# A failure's message is shown up to this many lines; longer ones end at a line break
# (never inside a word) with a pointer to the full text in the log.
_MESSAGE_LINES = 12


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


def step_line(step: dict[str, Any]) -> str:
    """One step under its test: the decision (cache hit, healed, resolver...), what the
    step said, and how sure the engine was."""
    decision = str(step.get("decision") or "?")
    style = DECISION_STYLES.get(decision, "white")
    what = escape(str(step.get("instruction") or step.get("action") or ""))
    confidence = step.get("confidence")
    sure = f" [dim]confidence {float(confidence):.4g}[/dim]" if confidence is not None else ""
    return f"    [{style}]{decision:<18}[/{style}] {what}{sure}"


def test_line(data: dict[str, Any]) -> str:
    """A finished test: its outcome, full node id (parameters included) and duration."""
    outcome = str(data.get("outcome", "passed"))
    duration = data.get("duration")
    took = f" [dim]{float(duration):.2f}s[/dim]" if isinstance(duration, int | float) else ""
    return f"{TEST_MARKS.get(outcome, outcome)} {escape(str(data.get('nodeid')))}{took}"


def message_excerpt(message: str, lines: int = _MESSAGE_LINES) -> str:
    """The message as written (line breaks kept); a long one ends after whole lines."""
    kept = message.rstrip().splitlines()
    if len(kept) <= lines:
        return "\n".join(kept)
    return "\n".join([*kept[:lines], f"… ({len(kept) - lines} more lines in the log)"])


class RunView:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.state = RunProgress()
        self.bar, self.task = run_progress_bar(console)
        self._steps: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        self._phase = ""

    def __enter__(self) -> RunView:
        if self.console.is_terminal:
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
        kind = message["type"]
        phase = self.state.status
        if kind == "phase":
            phase = str(data.get("phase", phase))
            self._phase_changed(phase)
        elif kind == "step":
            self._steps[str(data.get("nodeid"))].append(data)
        elif kind == "test_finished":
            self.console.print(test_line(data))
            # The steps ran in the test, before its end was reported: shown under it.
            for step in self._steps.pop(str(data.get("nodeid")), []):
                self.console.print(step_line(step))
        self.bar.update(
            self.task,
            total=self.state.collected or None,
            completed=self.state.done,
            phase=phase,
            current=escape(self.state.current or ""),
        )

    def _phase_changed(self, phase: str) -> None:
        # Without a terminal there is no bar: one line per phase tells where the run is.
        if phase != self._phase and not self.console.is_terminal:
            self.console.print(f"[dim]… {escape(phase.replace('_', ' '))}[/dim]")
        self._phase = phase

    def summary(self, run: Run, tests: list[RunTest], run_dir: Path | None = None) -> None:
        failures = [t for t in tests if t.outcome in ("failed", "error")]
        quarantined = quarantined_of(run.options)
        for test in failures:
            left_out = " (quarantined, not counted)" if test.node_id in quarantined else ""
            self.console.print(
                f"\n[red bold]{escape(test.node_id)}[/red bold] {test.outcome}{left_out}"
            )
            text = test.error_message or test.traceback or "(no message)"
            self.console.print(message_excerpt(text), markup=False, highlight=False)
        if run_dir is not None:
            self._where(run_dir)
        counts = ", ".join(
            f"{getattr(run, name)} {name}"
            for name in ("passed", "failed", "errors", "skipped", "flaky")
            if getattr(run, name)
        )
        style = STATUS_STYLES.get(run.status, "yellow")
        line = f"[{style}]{run.status}[/{style}] run {run.id}: {run.total} tests"
        if counts:
            line += f" ({counts})"
        if run.reason:
            line += f" — {escape(run.reason)}"
        self.console.print(line)

    def _where(self, run_dir: Path) -> None:
        log = run_dir / "output.log"
        if log.is_file():
            self.console.print(f"log: {log}", markup=False, highlight=False)
        files = run_dir / "artifacts"
        found = sorted(p for p in files.rglob("*") if p.is_file()) if files.is_dir() else []
        if found:
            self.console.print(
                f"screenshots and traces ({len(found)} files): {files}",
                markup=False,
                highlight=False,
            )
