"""GitHub Checks: a check run on the run's commit, ``in_progress`` when the run starts and
``completed`` with a conclusion, a summary and annotations on the failing lines at the end.

GitHub's limits (REST API "Create/Update a check run"): summary ≤ 65,535 (we cut at a UTF-8
boundary with a link to the full report) and at most 50 annotations per request; further
annotations are appended by more PATCH requests on the same check run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from backend.reports.base import (
    DeliveryError,
    DeliveryResult,
    DeliveryState,
    Reporter,
    ReporterContext,
    RunReport,
)
from backend.reports.destinations._common import (
    cache_figures,
    coerce_settings,
    counts_line,
    cut_chars,
    cut_utf8,
    failure_message,
    headline,
    test_location,
)
from backend.reports.destinations._github import GitHubCalls, GitHubNotFound, repository_path

SUMMARY_MAX_BYTES = 65_535
ANNOTATIONS_PER_REQUEST = 50
ANNOTATION_TEXT_MAX_BYTES = 60_000  # GitHub: message and raw_details ≤ 64 KB each
ANNOTATION_TITLE_MAX_CHARS = 255
MAX_DETAILED_FAILURES = 50

CONCLUSIONS = {
    "passed": "success",
    "failed": "failure",
    "error": "failure",
    "cancelled": "cancelled",
    "timed_out": "timed_out",
}


class GitHubChecksSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        default="TestAble", min_length=1, max_length=100, description="The check run's name."
    )
    annotate_flaky: bool = Field(
        default=True, description="Also annotate tests that passed only on a retry (warning)."
    )


def conclusion(report: RunReport) -> str:
    return CONCLUSIONS.get(report.status, "neutral")


def title(report: RunReport) -> str:
    return cut_chars(counts_line(report), 200)


def summary(report: RunReport) -> str:
    """Markdown summary, at most 65,535 bytes, ending in a link to the full report."""
    link = f"\n\n[Full report]({report.report_url})"
    lines = [f"## {headline(report)}", "", counts_line(report), ""]
    cache = cache_figures(report)
    if cache.steps:
        lines += [f"**Element cache:** {cache.describe()}", ""]
    if report.reason and report.status != "passed":
        lines += [f"**Reason:** {report.reason}", ""]
    failures = report.failures
    if failures:
        lines.append(f"### Failures ({len(failures)})")
        for test in failures[:MAX_DETAILED_FAILURES]:
            detail = (test.traceback or test.error_message or test.outcome).strip()
            lines += [
                f"<details><summary><code>{escape(test.node_id)}</code></summary>",
                "",
                "```",
                detail.replace("```", "ʼʼʼ"),
                "```",
                "</details>",
            ]
        if len(failures) > MAX_DETAILED_FAILURES:
            lines.append(f"… and {len(failures) - MAX_DETAILED_FAILURES} more failures.")
        lines.append("")
    quarantined = report.quarantined_failures
    if quarantined:
        lines.append(f"### Quarantined: failed, not counted ({len(quarantined)})")
        lines += [
            f"- `{t.node_id}`: {cut_chars(failure_message(t, 300).splitlines()[0], 300)}"
            for t in quarantined[:MAX_DETAILED_FAILURES]
        ]
        if len(quarantined) > MAX_DETAILED_FAILURES:
            lines.append(f"… and {len(quarantined) - MAX_DETAILED_FAILURES} more.")
        lines.append("")
    flaky = report.flaky_tests
    if flaky:
        lines.append(f"### Flaky ({len(flaky)})")
        lines += [f"- `{t.node_id}`" for t in flaky]
    body = "\n".join(lines).rstrip()
    cut = cut_utf8(body, SUMMARY_MAX_BYTES - len(link.encode()), suffix="\n\n… (cut)")
    return cut + link


def annotations_for(report: RunReport, *, annotate_flaky: bool) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    failures = report.failures
    # Failures first: they are what the first (completing) request must carry.
    flaky = [t for t in report.flaky_tests if t.outcome not in ("failed", "error")]
    # A quarantined failure is a notice: shown where it failed, never a failure.
    quarantined = report.quarantined_failures
    for test in failures + quarantined + (flaky if annotate_flaky else []):
        failed = test.outcome in ("failed", "error")
        path, line = test_location(test)
        if test.quarantined and failed:
            level = "notice"
            message = f"Quarantined, not counted: {test.error_message or test.outcome}"
        elif failed:
            level, message = "failure", test.error_message or test.outcome
        else:
            level, message = "warning", "Flaky: passed only after a retry."
        annotation: dict[str, Any] = {
            "path": path,
            "start_line": line,
            "end_line": line,
            "annotation_level": level,
            "message": cut_utf8(message, ANNOTATION_TEXT_MAX_BYTES, suffix="…"),
            "title": cut_chars(test.node_id, ANNOTATION_TITLE_MAX_CHARS),
        }
        if test.traceback:
            annotation["raw_details"] = cut_utf8(
                test.traceback, ANNOTATION_TEXT_MAX_BYTES, suffix="…"
            )
        found.append(annotation)
    return found


def batches(items: list[dict[str, Any]], size: int = ANNOTATIONS_PER_REQUEST) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def _iso(moment: datetime | None) -> str:
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class GitHubChecksReporter(Reporter):
    kind: ClassVar[str] = "github_checks"
    settings_model: ClassVar[type[BaseModel]] = GitHubChecksSettings

    async def start(
        self,
        report: RunReport,
        settings: BaseModel,
        state: DeliveryState,
        ctx: ReporterContext,
    ) -> DeliveryResult | None:
        cfg = coerce_settings(GitHubChecksSettings, settings)
        repo = repository_path(report)
        if repo is None or not report.commit_sha:
            return None  # not a GitHub commit: nothing to put a check on
        if state.external_id:
            return DeliveryResult(state.external_id, state.link)
        github = await GitHubCalls.for_report(report, ctx)
        response = await github.request(
            "POST",
            f"{repo}/check-runs",
            json={
                "name": cfg.name,
                "head_sha": report.commit_sha,
                "status": "in_progress",
                "started_at": _iso(report.started_at),
                "details_url": report.report_url,
                "external_id": str(report.run_id),
                "output": {
                    "title": "Running",
                    "summary": f"{report.project_name}: tests are running. "
                    f"[Live report]({report.report_url})",
                },
            },
        )
        created = response.json()
        return DeliveryResult(str(created["id"]), created.get("html_url"))

    async def deliver(
        self,
        report: RunReport,
        settings: BaseModel,
        state: DeliveryState,
        ctx: ReporterContext,
    ) -> DeliveryResult:
        cfg = coerce_settings(GitHubChecksSettings, settings)
        repo = repository_path(report)
        if repo is None or not report.commit_sha:
            return DeliveryResult(None, None)
        github = await GitHubCalls.for_report(report, ctx)
        output_title, output_summary = title(report), summary(report)
        groups = batches(annotations_for(report, annotate_flaky=cfg.annotate_flaky))
        completion: dict[str, Any] = {
            "name": cfg.name,
            "status": "completed",
            "conclusion": conclusion(report),
            "completed_at": _iso(report.finished_at),
            "details_url": report.report_url,
            "external_id": str(report.run_id),
            "output": {"title": output_title, "summary": output_summary, "annotations": groups[0]},
        }
        check_run: dict[str, Any] | None = None
        if state.external_id:
            try:
                response = await github.request(
                    "PATCH", f"{repo}/check-runs/{state.external_id}", json=completion
                )
                check_run = response.json()
            except GitHubNotFound:
                check_run = None  # deleted meanwhile (or another installation): create anew
        if check_run is None:
            started = _iso(report.started_at) if report.started_at else None
            body = {"head_sha": report.commit_sha, **completion}
            if started:
                body["started_at"] = started
            check_run = (await github.request("POST", f"{repo}/check-runs", json=body)).json()
        check_run_id, link = str(check_run["id"]), check_run.get("html_url")
        # Each PATCH appends its annotations to those already on the check run.
        for group in groups[1:]:
            try:
                await github.request(
                    "PATCH",
                    f"{repo}/check-runs/{check_run_id}",
                    json={
                        "output": {
                            "title": output_title,
                            "summary": output_summary,
                            "annotations": group,
                        }
                    },
                )
            except DeliveryError as error:
                # The check run exists and is completed: the retry must update it, not
                # create a second one.
                raise DeliveryError(
                    str(error), retryable=error.retryable, external_id=check_run_id, link=link
                ) from error
        return DeliveryResult(check_run_id, link)
