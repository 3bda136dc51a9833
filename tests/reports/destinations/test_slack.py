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


def fake_slack(fake: FakeService) -> dict[str, Any]:
    """Webhook endpoint + chat.postMessage / chat.update, answering like Slack."""
    state: dict[str, Any] = {"messages": {}, "next_ts": 1}

    @fake.route("POST", r"/services/T000/B000/XXXX")
    def webhook(request: Recorded, match: re.Match[str]) -> Answer:
        return Answer(200, "ok")

    @fake.route("POST", r"/api/chat\.postMessage")
    def post(request: Recorded, match: re.Match[str]) -> Answer:
        if request.header("authorization") != "Bearer xoxb-test-token":
            return Answer(200, {"ok": False, "error": "invalid_auth"})
        ts = f"1700000000.{state['next_ts']:06d}"
        state["next_ts"] += 1
        state["messages"][ts] = request.body
        return Answer(200, {"ok": True, "channel": "C0QA", "ts": ts, "message": {}})

    @fake.route("POST", r"/api/chat\.update")
    def update(request: Recorded, match: re.Match[str]) -> Answer:
        if request.body.get("ts") not in state["messages"] or request.body["channel"] != "C0QA":
            return Answer(200, {"ok": False, "error": "message_not_found"})
        state["messages"][request.body["ts"]] = request.body
        return Answer(200, {"ok": True, "channel": "C0QA", "ts": request.body["ts"]})

    return state


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
    reporter, cfg = SlackReporter(), SlackSettings(channel="#qa")

    first = await reporter.deliver(make_report(), cfg, DeliveryState(), ctx)
    second = await reporter.deliver(
        make_report(status="passed"), cfg, DeliveryState(first.external_id, 1), ctx
    )

    assert first.external_id == second.external_id == "C0QA:1700000000.000001"
    (post,) = fake.calls("POST", r"/api/chat\.postMessage")
    assert post.body["channel"] == "#qa"
    (update,) = fake.calls("POST", r"/api/chat\.update")
    assert (update.body["channel"], update.body["ts"]) == ("C0QA", "1700000000.000001")
    assert update.body["attachments"][0]["color"] == "#2eb67d"  # now green
    assert len(slack["messages"]) == 1
    assert reporter.key(cfg) == "slack:#qa"


async def test_notify_on_decides_whether_a_run_is_announced(
    fake: FakeService, ctx: ReporterContext
) -> None:
    fake_slack(fake)
    only_failures = SlackSettings(channel="#qa", notify_on=["failure"])
    only_success = SlackSettings(channel="#qa", notify_on=["success"])

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

    payload = message(report, SlackSettings(channel="#qa", mention_on_failure="U123ABC"))

    assert block_kit_problems(payload) == []
    blocks = payload["attachments"][0]["blocks"]
    assert len(blocks) == 50
    assert "more failures in the report" in str(blocks)


def test_settings_name_the_field_that_is_wrong() -> None:
    with pytest.raises(ValidationError) as both:
        SlackSettings(webhook_url="https://hooks.slack.com/services/T/B/X", channel="#qa")
    assert both.value.errors()[0]["loc"] == ("channel",)
    with pytest.raises(ValidationError) as mention:
        SlackSettings(channel="#qa", mention_on_failure="everyone!")
    assert mention.value.errors()[0]["loc"] == ("mention_on_failure",)
    with pytest.raises(ValidationError) as webhook:
        SlackSettings(webhook_url="not a url")
    assert webhook.value.errors()[0]["loc"] == ("webhook_url",)
    with pytest.raises(ValidationError):
        SlackSettings()  # neither a webhook nor a channel


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
            make_report(), SlackSettings(channel="#qa"), DeliveryState(), ctx
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
