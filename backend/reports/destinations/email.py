"""E-mail: a short summary to chosen recipients through the platform's mailer (Resend, or
the local outbox in embedded mode), handed over as ``ctx.send_email``."""

from __future__ import annotations

import hashlib
from html import escape
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from backend.reports.base import (
    DeliveryError,
    DeliveryResult,
    DeliveryState,
    Reporter,
    ReporterContext,
    RunReport,
)
from backend.reports.destinations._common import (
    STATUS_WORDS,
    Notify,
    cache_figures,
    coerce_settings,
    counts_line,
    cut_chars,
    failure_message,
    should_notify,
)

SENT = "sent"
FAILURES_LISTED = 20
ALWAYS: tuple[Notify, ...] = ("success", "failure")


class EmailSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recipients: list[EmailStr] = Field(min_length=1, max_length=50)
    notify_on: list[Notify] = Field(
        default_factory=lambda: list(ALWAYS),
        min_length=1,
        description="Send on success, on failure (anything but passed), or both.",
    )
    subject_prefix: str = Field(default="[TestAble]", max_length=40)


def subject(report: RunReport, prefix: str) -> str:
    verb = STATUS_WORDS.get(report.status, report.status)
    where = f" on {report.branch}" if report.branch else ""
    text = f"{prefix} {report.project_name} {verb}{where}: {counts_line(report)}".strip()
    return cut_chars(" ".join(text.split()), 200)  # one line: no header injection


def text_body(report: RunReport) -> str:
    lines = [
        f"{report.project_name} {STATUS_WORDS.get(report.status, report.status)}.",
        "",
        counts_line(report),
    ]
    if report.branch:
        lines.append(f"Branch: {report.branch}")
    if report.commit_sha:
        lines.append(f"Commit: {report.commit_sha}")
    if report.pr_number:
        lines.append(f"Pull request: #{report.pr_number}")
    cache = cache_figures(report)
    if cache.steps:
        lines.append(f"Element cache: {cache.describe()}")
    if report.reason and report.status != "passed":
        lines.append(f"Reason: {report.reason}")
    failures = report.failures
    if failures:
        lines += ["", f"Failures ({len(failures)}):"]
        lines += [
            f"- {t.node_id}: {failure_message(t, 200).splitlines()[0]}"
            for t in failures[:FAILURES_LISTED]
        ]
        if len(failures) > FAILURES_LISTED:
            lines.append(f"- … and {len(failures) - FAILURES_LISTED} more")
    if report.flaky_tests:
        lines += ["", "Flaky:", *(f"- {t.node_id}" for t in report.flaky_tests)]
    lines += ["", f"Full report: {report.report_url}"]
    return "\n".join(lines) + "\n"


def html_body(report: RunReport) -> str:
    """The text body as simple HTML: every value escaped, one link to the report."""
    paragraphs = text_body(report).rstrip("\n").split("\n\n")
    parts: list[str] = []
    for paragraph in paragraphs[:-1]:
        rows = paragraph.split("\n")
        if rows[0].endswith(":") and len(rows) > 1:
            items = "".join(f"<li>{escape(row.removeprefix('- '))}</li>" for row in rows[1:])
            parts.append(f"<p><strong>{escape(rows[0])}</strong></p><ul>{items}</ul>")
        else:
            parts.append("<p>" + "<br>".join(escape(row) for row in rows) + "</p>")
    url = escape(report.report_url, quote=True)
    parts.append(f'<p><a href="{url}">Open the full report</a></p>')
    return "<!doctype html><html><body>" + "".join(parts) + "</body></html>"


class EmailReporter(Reporter):
    kind: ClassVar[str] = "email"
    settings_model: ClassVar[type[BaseModel]] = EmailSettings

    def key(self, settings: BaseModel) -> str:
        recipients = sorted(
            str(r).lower() for r in coerce_settings(EmailSettings, settings).recipients
        )
        return "email:" + hashlib.sha256(",".join(recipients).encode()).hexdigest()[:12]

    async def deliver(
        self,
        report: RunReport,
        settings: BaseModel,
        state: DeliveryState,
        ctx: ReporterContext,
    ) -> DeliveryResult:
        cfg = coerce_settings(EmailSettings, settings)
        if state.external_id == SENT:
            return DeliveryResult(SENT, state.link)  # a retry must not mail everyone twice
        if ctx.send_email is None:
            raise DeliveryError("no mailer available to this delivery", retryable=False)
        if not should_notify(report, cfg.notify_on):
            return DeliveryResult(None, None)
        await ctx.send_email(
            [str(r) for r in cfg.recipients],
            subject(report, cfg.subject_prefix),
            text_body(report),
            html_body(report),
        )
        return DeliveryResult(SENT, report.report_url)
