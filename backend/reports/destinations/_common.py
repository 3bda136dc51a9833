"""Pieces every destination's message builder shares: how a status reads, the cache figures,
cutting text to a byte or character budget without breaking a character or a code block."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from backend.reports.base import RunReport, TestLine
from backend.runs.quarantine import note

SettingsT = TypeVar("SettingsT", bound=BaseModel)

STATUS_EMOJI = {
    "passed": "✅",
    "failed": "❌",
    "error": "⚠️",
    "cancelled": "⏹️",
    "timed_out": "⏱️",
    "running": "🔄",
    "queued": "⏳",
}
STATUS_WORDS = {
    "passed": "passed",
    "failed": "failed",
    "error": "errored",
    "cancelled": "was cancelled",
    "timed_out": "timed out",
    "running": "is running",
    "queued": "is queued",
}
SUCCESS_STATUSES = frozenset({"passed"})
COUNT_ORDER = ("passed", "failed", "errors", "skipped", "flaky")

Notify = Literal["success", "failure"]


def coerce_settings(model: type[SettingsT], settings: BaseModel) -> SettingsT:
    """The reporter contract passes ``BaseModel``; accept our model or anything that dumps
    into it (a plug-in host may hand over a generic model)."""
    if isinstance(settings, model):
        return settings
    return model.model_validate(settings.model_dump())


def is_success(report: RunReport) -> bool:
    return report.status in SUCCESS_STATUSES


def should_notify(report: RunReport, notify_on: list[Notify]) -> bool:
    return ("success" if is_success(report) else "failure") in notify_on


def headline(report: RunReport) -> str:
    """``✅ shop: 12 passed on main (abc1234)`` — one line, no markup."""
    emoji = STATUS_EMOJI.get(report.status, "•")
    where = f" on {report.branch}" if report.branch else ""
    sha = f" ({report.commit_sha[:7]})" if report.commit_sha else ""
    pr = f" · PR #{report.pr_number}" if report.pr_number else ""
    verb = STATUS_WORDS.get(report.status, report.status)
    return f"{emoji} {report.project_name} {verb}{where}{sha}{pr}"


def counts_line(report: RunReport) -> str:
    """``12 passed, 1 failed, 2 skipped in 41.2 s`` (zero counts left out, total first)."""
    parts = [f"{report.counts[k]} {k}" for k in COUNT_ORDER if report.counts.get(k)]
    total = report.counts.get("total")
    text = ", ".join(parts) if parts else "no tests"
    if total is not None and parts:
        text = f"{total} tests: {text}"
    if report.duration is not None:
        text += f" in {format_duration(report.duration)}"
    quarantined = quarantine_note(report)
    if quarantined:
        text += f" · {quarantined}"
    return text


def quarantine_note(report: RunReport) -> str | None:
    """``quarantined: 2 tests failed, not counted`` when a quarantined test failed."""
    left_out = report.quarantined_failures
    return note(len(left_out)) if left_out else None


def format_duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


@dataclass(frozen=True)
class CacheFigures:
    steps: int
    hits: int
    hit_rate: float | None  # 0..1
    resolver_calls: int
    # Every cache hit is a resolver (AI) call the step did not need.
    calls_avoided: int
    # hits x (mean resolver step - mean cached step) in this run; None when the run has no
    # step of one of the two kinds to measure with (we never invent a per-call cost).
    seconds_saved: float | None

    def describe(self) -> str:
        if not self.steps:
            return "no browser steps"
        rate = f"{self.hit_rate:.0%}" if self.hit_rate is not None else "n/a"
        saved = (
            f"≈ {format_duration(self.seconds_saved)} saved"
            if self.seconds_saved is not None
            else "time saved: n/a"
        )
        return (
            f"cache hit rate {rate} ({self.hits}/{self.steps} steps), "
            f"{self.calls_avoided} resolver calls avoided, {saved}"
        )


def cache_figures(report: RunReport) -> CacheFigures:
    stats = report.cache_stats or {}
    steps = _int(stats.get("steps"))
    hits = _int(stats.get("cache_hits"))
    rate = stats.get("hit_rate")
    hit_rate = float(rate) if isinstance(rate, int | float) else (hits / steps if steps else None)
    saved = stats.get("seconds_saved")
    seconds_saved = float(saved) if isinstance(saved, int | float) else _measured_saving(report)
    return CacheFigures(
        steps=steps,
        hits=hits,
        hit_rate=hit_rate,
        resolver_calls=_int(stats.get("resolver_calls")),
        calls_avoided=hits,
        seconds_saved=seconds_saved,
    )


def _measured_saving(report: RunReport) -> float | None:
    resolved: list[float] = []
    cached: list[float] = []
    for test in report.tests:
        for step in test.steps:
            duration = step.get("duration_ms")
            if not isinstance(duration, int | float):
                continue
            decision = step.get("decision")
            if decision == "resolver":
                resolved.append(float(duration))
            elif decision in ("cache_hit", "cache_hit_verified"):
                cached.append(float(duration))
    if not resolved or not cached:
        return None
    per_hit_ms = sum(resolved) / len(resolved) - sum(cached) / len(cached)
    return max(per_hit_ms, 0.0) * len(cached) / 1000


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def failure_message(test: TestLine, limit: int = 500) -> str:
    """The first lines of the error, for short messages (full text lives on the report page)."""
    message = (test.error_message or test.outcome).strip()
    return cut_chars(message, limit)


def cut_chars(text: str, limit: int, marker: str = "…") -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - len(marker), 0)] + marker


def cut_utf8(text: str, max_bytes: int, suffix: str = "") -> str:
    """``text`` cut so that it plus ``suffix`` fits in ``max_bytes`` of UTF-8, never splitting
    a character and never leaving a Markdown code fence open. Unchanged when it fits."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    budget = max_bytes - len(suffix.encode("utf-8")) - len("\n```\n")
    kept = text.encode("utf-8")[: max(budget, 0)].decode("utf-8", errors="ignore")
    if kept.count("```") % 2 == 1:
        kept += "\n```\n"
    return kept + suffix


_TRACEBACK_LOCATION = re.compile(r"^(?P<path>[^\s:][^:\n]*\.py):(?P<line>\d+): ", re.MULTILINE)


def test_location(test: TestLine) -> tuple[str, int]:
    """Repository-relative path and line to annotate: the traceback's line inside the test
    file when there is one, else the test file's first line (GitHub needs both)."""
    node_path = test.node_id.split("::", 1)[0]
    file, line = test.file, test.line
    if (file is None or line is None) and test.traceback:
        matches = list(_TRACEBACK_LOCATION.finditer(test.traceback))
        in_test_file = [m for m in matches if _same_file(m["path"], node_path)]
        candidates = in_test_file or matches
        if candidates:
            file, line = candidates[-1]["path"], int(candidates[-1]["line"])
    if file is None or line is None or line < 1:
        return node_path, 1
    file = file.replace("\\", "/")
    if file.startswith("/"):
        # The worker runs in a temporary checkout: an absolute path is only known to be in
        # the repository when it ends in the test's own path.
        return (node_path, line) if _same_file(file, node_path) else (node_path, 1)
    return file.removeprefix("./"), line


def _same_file(path: str, node_path: str) -> bool:
    return path == node_path or path.endswith("/" + node_path)
