"""One comment per pull request and project, updated in place on every run.

The comment carries a hidden marker (``<!-- testable:report project=<id> -->``). With the
comment id from an earlier delivery we PATCH it directly; otherwise (first run of this PR,
or the id was lost) we page through the PR's comments looking for the marker before
creating a new one, so a retry or a new run never adds a second comment.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from backend.reports.base import DeliveryResult, DeliveryState, Reporter, ReporterContext, RunReport
from backend.reports.destinations._common import (
    cache_figures,
    coerce_settings,
    counts_line,
    cut_utf8,
    failure_message,
    format_duration,
    headline,
)
from backend.reports.destinations._github import GitHubCalls, GitHubNotFound, repository_path

# GitHub rejects comment bodies over 65,536 characters; bytes ≥ characters, so a byte
# budget below it is always safe.
BODY_MAX_BYTES = 65_000
COMMENTS_PER_PAGE = 100
MAX_PAGES = 50  # 5,000 comments: beyond that we would rather post a new one than loop
FAILURES_LISTED = {"minimal": 0, "normal": 20, "full": 100}

Verbosity = Literal["minimal", "normal", "full"]


class PullRequestCommentSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verbosity: Verbosity = Field(
        default="normal",
        description="minimal: one-line summary; normal: + failures, flaky tests and cache "
        "statistics; full: + tracebacks.",
    )


def marker(report: RunReport) -> str:
    return f"<!-- testable:report project={report.project_id} -->"


def comment_body(report: RunReport, verbosity: Verbosity) -> str:
    lines = [marker(report), f"### {headline(report)}", "", counts_line(report)]
    cache = cache_figures(report)
    if verbosity == "minimal":
        if cache.steps:
            lines.append(f"Element cache: {cache.describe()}.")
    else:
        if report.reason and report.status != "passed":
            lines += ["", f"**Reason:** {report.reason}"]
        lines += _failures(report, verbosity)
        lines += _quarantined(report)
        lines += _flaky(report)
        lines += _containment(report)
        if cache.steps:
            rate = f"{cache.hit_rate:.0%}" if cache.hit_rate is not None else "n/a"
            saved = format_duration(cache.seconds_saved) if cache.seconds_saved else "n/a"
            lines += [
                "",
                "#### Element cache",
                "| hit rate | steps from cache | resolver calls avoided | resolver calls "
                "| time saved |",
                "|---|---|---|---|---|",
                f"| {rate} | {cache.hits}/{cache.steps} | {cache.calls_avoided} "
                f"| {cache.resolver_calls} | {saved} |",
            ]
    links = [f"[Full report]({report.report_url})"]
    if report.commit_sha:
        links.append(f"commit `{report.commit_sha[:7]}`")
    lines += ["", " · ".join(links)]
    body = "\n".join(lines)
    suffix = f"\n\n… (cut) [Full report]({report.report_url})"
    return cut_utf8(body, BODY_MAX_BYTES, suffix=suffix)


def _failures(report: RunReport, verbosity: Verbosity) -> list[str]:
    failures = report.failures
    if not failures:
        return []
    shown = failures[: FAILURES_LISTED[verbosity]]
    lines = ["", f"#### Failures ({len(failures)})"]
    for test in shown:
        first_line = failure_message(test, 300).splitlines()[0] if test.error_message else ""
        # As code: an "@team" or a link in a test's error must not notify or render.
        shown_error = f": `{_inline_code(first_line)}`" if first_line else ""
        lines.append(f"- `{_inline_code(test.node_id)}`{shown_error}")
        if verbosity == "full" and test.traceback:
            lines += [
                "  <details><summary>traceback</summary>",
                "",
                "  ```",
                *("  " + row for row in test.traceback.replace("```", "ʼʼʼ").splitlines()),
                "  ```",
                "  </details>",
            ]
    if len(failures) > len(shown):
        lines.append(f"- … and {len(failures) - len(shown)} more on the report page")
    return lines


def _quarantined(report: RunReport) -> list[str]:
    """Quarantined tests that failed: listed, and said not to count."""
    left_out = report.quarantined_failures
    if not left_out:
        return []
    lines = ["", f"#### Quarantined: failed, not counted ({len(left_out)})"]
    for test in left_out[: FAILURES_LISTED["full"]]:
        first_line = failure_message(test, 300).splitlines()[0] if test.error_message else ""
        shown_error = f": `{_inline_code(first_line)}`" if first_line else ""
        lines.append(f"- `{_inline_code(test.node_id)}`{shown_error}")
    if len(left_out) > FAILURES_LISTED["full"]:
        lines.append(f"- … and {len(left_out) - FAILURES_LISTED['full']} more on the report page")
    return lines


def _flaky(report: RunReport) -> list[str]:
    flaky = report.flaky_tests
    if not flaky:
        return []
    return ["", f"#### Flaky ({len(flaky)})", *(f"- `{_inline_code(t.node_id)}`" for t in flaky)]


def _containment(report: RunReport) -> list[str]:
    """Steps the lenient resolver accepted although the element's name only *contained* the
    asked words plus words that change its meaning: a reviewer should look at them."""
    marked = [
        (test.node_id, str(step.get("instruction", "")))
        for test in report.tests
        for step in test.steps
        if step.get("matched_by") == "containment"
    ]
    if not marked:
        return []
    return [
        "",
        f"#### Matched by containment ({len(marked)})",
        *(f"- `{_inline_code(node)}`: `{_inline_code(step)}`" for node, step in marked[:10]),
    ]


def _inline_code(text: str) -> str:
    return text.replace("`", "ʼ")


class PullRequestCommentReporter(Reporter):
    kind: ClassVar[str] = "pr_comment"
    settings_model: ClassVar[type[BaseModel]] = PullRequestCommentSettings

    async def deliver(
        self,
        report: RunReport,
        settings: BaseModel,
        state: DeliveryState,
        ctx: ReporterContext,
    ) -> DeliveryResult:
        cfg = coerce_settings(PullRequestCommentSettings, settings)
        repo = repository_path(report)
        if repo is None or report.pr_number is None:
            return DeliveryResult(None, None)  # not a pull request run: nothing to comment on
        github = await GitHubCalls.for_report(report, ctx)
        body = {"body": comment_body(report, cfg.verbosity)}
        comment_id = state.external_id or await _find_comment(github, repo, report)
        if comment_id is not None:
            try:
                response = await github.request(
                    "PATCH", f"{repo}/issues/comments/{comment_id}", json=body
                )
                return _result(response.json())
            except GitHubNotFound:
                pass  # deleted by someone: post a fresh one
        response = await github.request(
            "POST", f"{repo}/issues/{report.pr_number}/comments", json=body
        )
        return _result(response.json())


async def _find_comment(github: GitHubCalls, repo: str, report: RunReport) -> str | None:
    wanted = marker(report)
    url: str | None = f"{repo}/issues/{report.pr_number}/comments"
    params: dict[str, Any] | None = {"per_page": COMMENTS_PER_PAGE}
    for _ in range(MAX_PAGES):
        if url is None:
            break
        response = await github.request("GET", url, params=params)
        for comment in response.json():
            if wanted in (comment.get("body") or ""):
                return str(comment["id"])
        url, params = _next_page(response), None  # the next link carries its own query
    return None


def _next_page(response: httpx.Response) -> str | None:
    link = response.links.get("next")
    return link.get("url") if link else None


def _result(comment: dict[str, Any]) -> DeliveryResult:
    return DeliveryResult(str(comment["id"]), comment.get("html_url"))
