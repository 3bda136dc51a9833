"""Slack: webhook and bot-token delivery against a local fake Slack, Block Kit limits."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from backend.reports.base import DeliveryError, DeliveryState, ReporterContext
from backend.reports.destinations.slack import SlackReporter, SlackSettings, message
from tests.reports.destinations.conftest import failing_test, make_report
from tests.reports.destinations.fake_http import Answer, FakeService, Recorded
from tests.reports.destinations.slack_fake import BOT_TOKEN, fake_slack

HEX_COLOUR = re.compile(r"^#[0-9a-f]{6}$")


def block_kit_problems(payload: dict[str, Any]) -> list[str]:
    """Shape limits from Slack's Block Kit reference (api.slack.com/reference/block-kit)."""
    problems: list[str] = []
    if not payload.get("text"):
        problems.append("no top-level text (the notification fallback)")
    for attachment in payload.get("attachments", []):
        if not HEX_COLOUR.match(attachment.get("color", "")):
            problems.append(f"colour {attachment.get('color')!r}")
        blocks = attachment["blocks"]
        if len(blocks) > 50:
            problems.append(f"{len(blocks)} blocks > 50")
        for i, block in enumerate(blocks):
            kind = block["type"]
            if kind == "header":
                if block["text"]["type"] != "plain_text" or len(block["text"]["text"]) > 150:
                    problems.append(f"block {i}: header text")
            elif kind == "section":
                if "text" in block and len(block["text"]["text"]) > 3000:
                    problems.append(f"block {i}: section text {len(block['text']['text'])}")
                fields = block.get("fields", [])
                if len(fields) > 10 or any(len(f["text"]) > 2000 for f in fields):
                    problems.append(f"block {i}: fields")
                if "text" not in block and not fields:
                    problems.append(f"block {i}: empty section")
            elif kind == "context":
                if not 1 <= len(block["elements"]) <= 10:
                    problems.append(f"block {i}: context elements")
            elif kind == "actions":
                for element in block["elements"]:
                    if len(element["text"]["text"]) > 75 or len(element.get("url", "")) > 3000:
                        problems.append(f"block {i}: button")
            elif kind != "divider":
                problems.append(f"block {i}: unexpected type {kind}")
    return problems


async def test_webhook_message_has_status_colour_blocks_and_the_failure_mention(
    fake: FakeService, ctx: ReporterContext
) -> None:
    fake_slack(fake)
    cfg = SlackSettings(
        webhook_url=f"{fake.base_url}/services/T000/B000/XXXX",
        mention_on_failure="S0QATEAM",
    )

    result = await SlackReporter().deliver(make_report(), cfg, DeliveryState(), ctx)
    # a retry of a delivered webhook message does not post it twice
    await SlackReporter().deliver(make_report(), cfg, DeliveryState(result.external_id, 1), ctx)

    (sent,) = fake.calls("POST", r"/services/.*")
    payload = sent.body
    assert block_kit_problems(payload) == []
    assert payload["attachments"][0]["color"] == "#e01e5a"  # failure red
    assert payload["text"].startswith("<!subteam^S0QATEAM> ❌ shop failed")
    blocks = payload["attachments"][0]["blocks"]
    assert "<!subteam^S0QATEAM>" in blocks[1]["text"]["text"]
    texts = str(blocks)
    assert "test_checkout_total" in texts
    assert "85%" in texts
    assert blocks[-1]["elements"][0]["url"] == make_report().report_url


async def test_bot_token_posts_to_the_channel_then_updates_the_same_message(
    fake: FakeService, ctx: ReporterContext
) -> None:
    slack = fake_slack(fake)
    reporter, cfg = SlackReporter(), SlackSettings(bot_token=BOT_TOKEN, channel="#qa")

    first = await reporter.deliver(make_report(), cfg, DeliveryState(), ctx)
    second = await reporter.deliver(
        make_report(status="passed"), cfg, DeliveryState(first.external_id, 1), ctx
    )

    assert first.external_id == second.external_id == "C0QA:1700000000.000001"
    (post,) = fake.calls("POST", r"/api/chat\.postMessage")
    assert post.body["channel"] == "#qa"
    assert post.header("authorization") == f"Bearer {BOT_TOKEN}"  # the destination's own
    (update,) = fake.calls("POST", r"/api/chat\.update")
    assert (update.body["channel"], update.body["ts"]) == ("C0QA", "1700000000.000001")
    assert update.body["attachments"][0]["color"] == "#2eb67d"  # now green
    assert len(slack["messages"]) == 1
    # The same channel name with another workspace's token is another destination; the
    # key (shown in the api) names the channel, never the token.
    other = SlackSettings(bot_token="xoxb-2-another-workspace", channel="#qa")
    assert reporter.key(cfg).startswith("slack:#qa:")
    assert reporter.key(cfg) != reporter.key(other)
    assert BOT_TOKEN not in reporter.key(cfg)


async def test_notify_on_decides_whether_a_run_is_announced(
    fake: FakeService, ctx: ReporterContext
) -> None:
    fake_slack(fake)
    only_failures = SlackSettings(bot_token=BOT_TOKEN, channel="#qa", notify_on=["failure"])
    only_success = SlackSettings(bot_token=BOT_TOKEN, channel="#qa", notify_on=["success"])

    await SlackReporter().deliver(make_report(status="passed"), only_failures, DeliveryState(), ctx)
    await SlackReporter().deliver(make_report(status="failed"), only_success, DeliveryState(), ctx)
    assert fake.requests == []

    await SlackReporter().deliver(make_report(status="error"), only_failures, DeliveryState(), ctx)
    assert len(fake.requests) == 1


def test_block_kit_limits_hold_for_a_huge_run() -> None:
    report = make_report(
        tests=[failing_test(i, error_message="E" * 10_000) for i in range(300)],
        reason="x" * 9_000,
        project_name="p" * 400,
    )

    payload = message(
        report,
        SlackSettings(
            webhook_url="https://hooks.slack.com/services/T/B/X", mention_on_failure="U123ABC"
        ),
    )

    assert block_kit_problems(payload) == []
    blocks = payload["attachments"][0]["blocks"]
    assert len(blocks) == 50
    assert "more failures in the report" in str(blocks)


def test_settings_name_the_field_that_is_wrong() -> None:
    hook = "https://hooks.slack.com/services/T/B/X"
    with pytest.raises(ValidationError) as both:
        SlackSettings(webhook_url=hook, channel="#qa")
    assert both.value.errors()[0]["loc"] == ("channel",)
    with pytest.raises(ValidationError) as two_credentials:
        SlackSettings(webhook_url=hook, bot_token=BOT_TOKEN)
    assert [e["loc"] for e in two_credentials.value.errors()] == [("bot_token",)]
    assert "webhook_url_set" in two_credentials.value.errors()[0]["msg"]
    with pytest.raises(ValidationError) as mention:
        SlackSettings(webhook_url=hook, mention_on_failure="everyone!")
    assert mention.value.errors()[0]["loc"] == ("mention_on_failure",)
    with pytest.raises(ValidationError) as webhook:
        SlackSettings(webhook_url="not a url")
    assert [e["loc"] for e in webhook.value.errors()] == [("webhook_url",)]
    # No deployment-wide bot token to fall back on: a channel needs the destination's own.
    for incomplete, field in (
        ({}, "bot_token"),
        ({"channel": "#qa"}, "bot_token"),
        ({"bot_token": BOT_TOKEN}, "channel"),
        ({"bot_token": "not-a-token", "channel": "#qa"}, "bot_token"),
    ):
        with pytest.raises(ValidationError) as missing:
            SlackSettings.model_validate(incomplete)
        assert [e["loc"] for e in missing.value.errors()] == [(field,)], incomplete
    assert BOT_TOKEN not in repr(SlackSettings(bot_token=BOT_TOKEN, channel="#qa"))


async def test_errors_from_slack_are_reported_and_only_transient_ones_retried(
    fake: FakeService, ctx: ReporterContext
) -> None:
    @fake.route("POST", r"/services/.*")
    def broken(request: Recorded, match: re.Match[str]) -> Answer:
        return Answer(404, "channel_not_found")

    @fake.route("POST", r"/api/chat\.postMessage")
    def limited(request: Recorded, match: re.Match[str]) -> Answer:
        return Answer(200, {"ok": False, "error": "ratelimited"})

    with pytest.raises(DeliveryError) as gone:
        await SlackReporter().deliver(
            make_report(),
            SlackSettings(webhook_url=f"{fake.base_url}/services/T/B/X"),
            DeliveryState(),
            ctx,
        )
    assert "channel_not_found" in str(gone.value)
    assert not gone.value.retryable

    with pytest.raises(DeliveryError) as limit:
        await SlackReporter().deliver(
            make_report(),
            SlackSettings(bot_token=BOT_TOKEN, channel="#qa"),
            DeliveryState(),
            ctx,
        )
    assert limit.value.retryable

    # a webhook URL on another host is refused before any request (no open proxy)
    requests_before = len(fake.requests)
    with pytest.raises(DeliveryError) as elsewhere:
        await SlackReporter().deliver(
            make_report(),
            SlackSettings(webhook_url="http://169.254.169.254/latest/meta-data"),
            DeliveryState(),
            ctx,
        )
    assert "hooks.slack.com" in str(elsewhere.value)
    assert len(fake.requests) == requests_before
