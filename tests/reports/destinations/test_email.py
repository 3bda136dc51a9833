"""E-mail: the summary handed to the platform's mailer (``ctx.send_email``)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pydantic import ValidationError

from backend.reports.base import DeliveryState, ReporterContext
from backend.reports.destinations.email import EmailReporter, EmailSettings, subject
from tests.reports.destinations.conftest import failing_test, make_report


class Mailbox:
    def __init__(self) -> None:
        self.sent: list[tuple[list[str], str, str, str]] = []

    async def __call__(self, to: list[str], subject: str, text: str, html: str) -> None:
        self.sent.append((to, subject, text, html))


async def test_summary_goes_to_every_recipient_once(ctx: ReporterContext) -> None:
    mailbox = Mailbox()
    mailing = replace(ctx, send_email=mailbox)
    cfg = EmailSettings(recipients=["qa@example.com", "lead@example.com"])
    report = make_report(tests=[failing_test(error_message="expected <b>12</b> & got 14")])

    result = await EmailReporter().deliver(report, cfg, DeliveryState(), mailing)
    await EmailReporter().deliver(report, cfg, DeliveryState(result.external_id, 1), mailing)

    ((to, title, text, html),) = mailbox.sent  # the retry sent nothing
    assert to == ["qa@example.com", "lead@example.com"]
    assert title == "[TestAble] shop failed on feature/cart: 3 tests: 2 passed, 1 failed, " + (
        "1 flaky in 1 min 30 s"
    )
    assert "tests/e2e/test_checkout.py::test_checkout_total[0]" in text
    assert report.report_url in text
    assert "85%" in text
    assert "&lt;b&gt;12&lt;/b&gt; &amp; got 14" in html  # values escaped in the HTML part
    assert "<b>12</b>" not in html
    assert f'href="{report.report_url}"' in html


async def test_notify_on_failure_only_skips_a_passing_run(ctx: ReporterContext) -> None:
    mailbox = Mailbox()
    cfg = EmailSettings(recipients=["qa@example.com"], notify_on=["failure"])

    await EmailReporter().deliver(
        make_report(status="passed"), cfg, DeliveryState(), replace(ctx, send_email=mailbox)
    )

    assert mailbox.sent == []


def test_recipients_are_validated_field_by_field() -> None:
    with pytest.raises(ValidationError) as bad:
        EmailSettings(recipients=["qa@example.com", "not-an-address"])
    assert bad.value.errors()[0]["loc"] == ("recipients", 1)
    with pytest.raises(ValidationError) as empty:
        EmailSettings(recipients=[])
    assert empty.value.errors()[0]["loc"] == ("recipients",)


def test_subject_stays_one_line_whatever_the_branch_name() -> None:
    report = make_report(branch="evil\r\nBcc: everyone@example.com")

    line = subject(report, "[TestAble]")
    assert "\n" not in line
    assert "\r" not in line
