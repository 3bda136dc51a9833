"""Slack: a Block Kit message through an incoming webhook, or through a bot token
(``chat.postMessage``, then ``chat.update`` of the same message on a retry).

Both credentials belong to the destination, not to the deployment: each organisation posts
with its own webhook or its own Slack app's bot token, so a workflow can only reach the
channels its organisation's Slack app can (a deployment-wide bot token let anyone post to
another organisation's channels). Both are secret settings: stored encrypted and never
shown again (backend.workflows.secrets).

The message is an attachment (its ``color`` shows the status) holding the blocks; the
top-level ``text`` is the notification fallback and carries the mention on failure.
Block Kit limits are enforced here, not left to Slack's ``invalid_blocks``: at most 50
blocks, section text ≤ 3,000 characters, header text ≤ 150, fields ≤ 10 of ≤ 2,000.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationInfo,
    field_validator,
)

from backend.reports.base import (
    DeliveryError,
    DeliveryResult,
    DeliveryState,
    Reporter,
    ReporterContext,
    RunReport,
)
from backend.reports.destinations._common import (
    Notify,
    cache_figures,
    coerce_settings,
    counts_line,
    cut_chars,
    format_duration,
    headline,
    is_success,
    should_notify,
)

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3_000
MAX_HEADER_TEXT = 150
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2_000
MAX_FALLBACK_TEXT = 4_000
SLACK_WEBHOOK_HOST = "hooks.slack.com"
WEBHOOK_SENT = "webhook"  # external_id of a webhook delivery (webhooks cannot be updated)

COLOURS = {"passed": "#2eb67d", "failed": "#e01e5a", "error": "#e01e5a", "timed_out": "#ecb22e"}
NEUTRAL_COLOUR = "#868686"
ALWAYS: tuple[Notify, ...] = ("success", "failure")

_MENTION = re.compile(
    r"^(<@[UW][A-Z0-9]+>|<!subteam\^S[A-Z0-9]+(\|[^>]*)?>|<!here>|<!channel>|"
    r"@here|@channel|[UW][A-Z0-9]{2,}|S[A-Z0-9]{2,})$"
)
# Slack's retryable outcomes (HTTP status for webhooks, ``error`` for Web API calls).
_RETRYABLE_ERRORS = frozenset(
    {"ratelimited", "rate_limited", "service_unavailable", "internal_error", "fatal_error"}
)
# Bot (xoxb-) or user (xoxp-) tokens, optionally of an app with token rotation (xoxe.).
_TOKEN = re.compile(r"^(xoxe\.)?xox[bp]-\S+$")


class SlackSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    webhook_url: HttpUrl | None = Field(
        default=None,
        description="An incoming webhook URL; without it, `bot_token` posts to `channel`.",
        # The URL is the credential: stored encrypted, never shown (backend.workflows.secrets).
        json_schema_extra={"secret": True},
    )
    # Checked after webhook_url and before channel: each validator reads the fields before it.
    bot_token: str | None = Field(
        default=None,
        repr=False,
        validate_default=True,
        max_length=500,
        description="Your Slack app's bot token (xoxb-…, scope chat:write), which posts to "
        "`channel`. Stored encrypted, never shown again.",
        json_schema_extra={"secret": True},
    )
    channel: str | None = Field(
        default=None,
        min_length=2,
        max_length=80,
        validate_default=True,
        description="Channel name (#qa) or id (C0123…) the bot token posts to.",
    )
    notify_on: list[Notify] = Field(
        default_factory=lambda: list(ALWAYS),
        min_length=1,
        description="Send on success, on failure (anything but passed), or both.",
    )
    mention_on_failure: str | None = Field(
        default=None,
        description="A user (<@U…> or U…), a user group (<!subteam^S…> or S…), @here or "
        "@channel, mentioned when the run did not pass.",
    )

    @field_validator("bot_token")
    @classmethod
    def _one_credential(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "webhook_url" not in info.data:
            return value  # webhook_url itself is invalid; that error says enough
        if info.data["webhook_url"] is not None:
            if value is not None:
                # Switching a saved destination over keeps the other secret unless dropped.
                raise ValueError(
                    "give webhook_url or bot_token, not both (to drop a saved one, send "
                    '"webhook_url_set": false or "bot_token_set": false)'
                )
            return value
        if value is None:
            raise ValueError("give webhook_url, or bot_token and channel")
        value = value.strip()
        if not _TOKEN.match(value):
            raise ValueError("expected a Slack bot token (xoxb-…)")
        return value

    @field_validator("channel")
    @classmethod
    def _channel_needs_bot(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("webhook_url") is not None:
            raise ValueError(
                "an incoming webhook always posts to the channel it was created for; "
                'leave channel out, or send "webhook_url_set": false and a bot_token'
            )
        if value is None and info.data.get("bot_token") is not None:
            raise ValueError("say which channel the bot token posts to")
        return value

    @field_validator("mention_on_failure")
    @classmethod
    def _valid_mention(cls, value: str | None) -> str | None:
        if value is not None and not _MENTION.match(value.strip()):
            raise ValueError("expected <@U…>, U…, <!subteam^S…>, S…, @here or @channel")
        return value.strip() if value else value


def mention_markup(mention: str) -> str:
    if mention.startswith("<"):
        return mention
    if mention in ("@here", "@channel"):
        return f"<!{mention[1:]}>"
    if mention.startswith("S"):
        return f"<!subteam^{mention}>"
    return f"<@{mention}>"


def colour(report: RunReport) -> str:
    return COLOURS.get(report.status, NEUTRAL_COLOUR)


def _section(text: str) -> dict[str, Any]:
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": cut_chars(text, MAX_SECTION_TEXT)},
    }


def _escape(text: str) -> str:
    # Slack mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: str, limit: int) -> str:
    return "```" + cut_chars(_escape(text).replace("```", "ʼʼʼ"), limit) + "```"


def blocks(report: RunReport, settings: SlackSettings) -> list[dict[str, Any]]:
    """The message's blocks, never more than 50, every text within Slack's limits."""
    mention = ""
    if settings.mention_on_failure and not is_success(report):
        mention = mention_markup(settings.mention_on_failure) + " "
    head: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": cut_chars(headline(report), MAX_HEADER_TEXT)},
        },
        _section(mention + _escape(counts_line(report))),
    ]
    fields = [("Status", report.status), ("Trigger", report.trigger)]
    if report.branch:
        fields.append(("Branch", report.branch))
    if report.commit_sha:
        fields.append(("Commit", f"`{report.commit_sha[:7]}`"))
    if report.pr_number:
        fields.append(("Pull request", f"#{report.pr_number}"))
    if report.duration is not None:
        fields.append(("Duration", format_duration(report.duration)))
    head.append(
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": cut_chars(f"*{name}*\n{_escape(value)}", MAX_FIELD_TEXT)}
                for name, value in fields[:MAX_FIELDS]
            ],
        }
    )
    cache = cache_figures(report)
    if cache.steps:
        head.append(_section(f"*Element cache:* {_escape(cache.describe())}"))
    if report.reason and not is_success(report):
        head.append(_section(f"*Reason:* {_escape(report.reason)}"))

    tail: list[dict[str, Any]] = []
    flaky = report.flaky_tests
    if flaky:
        tail.append(
            _section(f"*Flaky ({len(flaky)}):*\n" + "\n".join(f"• `{t.node_id}`" for t in flaky))
        )
    tail.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Open report"},
                    "url": report.report_url,
                }
            ],
        }
    )

    failures = report.failures
    # Room left for failure sections, keeping one block for "… and N more".
    room = MAX_BLOCKS - len(head) - len(tail) - 1
    body: list[dict[str, Any]] = []
    if failures:
        body.append({"type": "divider"})
        for test in failures[: max(room - 1, 0)]:
            message = test.error_message or test.outcome
            body.append(_section(f"*`{_escape(test.node_id)}`*\n{_code(message, 2_500)}"))
        hidden = len(failures) - (len(body) - 1)
        if hidden > 0:
            body.append(
                {
                    "type": "context",
                    "elements": [
                        {"type": "mrkdwn", "text": f"… and {hidden} more failures in the report"}
                    ],
                }
            )
    return head + body + tail


def message(report: RunReport, settings: SlackSettings) -> dict[str, Any]:
    fallback = headline(report) + " — " + counts_line(report)
    if settings.mention_on_failure and not is_success(report):
        fallback = mention_markup(settings.mention_on_failure) + " " + fallback
    return {
        "text": cut_chars(fallback, MAX_FALLBACK_TEXT),
        "attachments": [{"color": colour(report), "blocks": blocks(report, settings)}],
    }


class SlackReporter(Reporter):
    kind: ClassVar[str] = "slack"
    settings_model: ClassVar[type[BaseModel]] = SlackSettings

    def key(self, settings: BaseModel) -> str:
        cfg = coerce_settings(SlackSettings, settings)
        if cfg.bot_token and cfg.channel:
            # The same channel name in two workspaces is two destinations. A digest, never
            # the token itself: keys are shown in the API.
            digest = hashlib.sha256(cfg.bot_token.encode()).hexdigest()[:12]
            return f"slack:{cfg.channel}:{digest}"
        # Never the webhook URL itself: it is a credential and keys are shown in the API.
        digest = hashlib.sha256(str(cfg.webhook_url).encode()).hexdigest()[:12]
        return f"slack:webhook:{digest}"

    async def deliver(
        self,
        report: RunReport,
        settings: BaseModel,
        state: DeliveryState,
        ctx: ReporterContext,
    ) -> DeliveryResult:
        cfg = coerce_settings(SlackSettings, settings)
        if not should_notify(report, cfg.notify_on):
            return DeliveryResult(state.external_id, state.link)
        payload = message(report, cfg)
        if cfg.webhook_url is not None:
            if state.external_id == WEBHOOK_SENT:
                return DeliveryResult(WEBHOOK_SENT, None)  # already posted; cannot be edited
            await _post_webhook(ctx, str(cfg.webhook_url), payload)
            return DeliveryResult(WEBHOOK_SENT, None)
        # Validated settings: without a webhook there are both (see the validators).
        assert cfg.bot_token is not None
        assert cfg.channel is not None
        return await _post_with_bot(ctx, cfg.bot_token, cfg.channel, payload, state)


def _webhook_allowed(url: str, api_url: str) -> bool:
    # The worker must not become a proxy to arbitrary hosts: Slack's webhook host only
    # (or the configured Slack API's origin, which tests point at a local fake).
    target, api = urlsplit(url), urlsplit(api_url)
    if target.scheme == "https" and target.hostname == SLACK_WEBHOOK_HOST:
        return True
    return (target.scheme, target.netloc) == (api.scheme, api.netloc)


async def _post_webhook(ctx: ReporterContext, url: str, payload: dict[str, Any]) -> None:
    api_url = str(getattr(ctx.settings, "slack_api_url", "https://slack.com/api"))
    if not _webhook_allowed(url, api_url):
        raise DeliveryError(
            f"webhook_url must be an https://{SLACK_WEBHOOK_HOST}/ URL", retryable=False
        )
    try:
        response = await ctx.http.post(url, json=payload)
    except httpx.HTTPError as error:
        raise DeliveryError(f"Slack unreachable: {error}") from error
    if response.is_success:
        return
    # Slack answers webhook errors as a short text (invalid_blocks, channel_not_found, …).
    raise DeliveryError(
        f"Slack webhook answered {response.status_code}: {response.text[:200]}",
        retryable=response.status_code == 429 or response.status_code >= 500,
    )


async def _post_with_bot(
    ctx: ReporterContext,
    token: str,
    channel: str,
    payload: dict[str, Any],
    state: DeliveryState,
) -> DeliveryResult:
    api_url = str(getattr(ctx.settings, "slack_api_url", "https://slack.com/api")).rstrip("/")
    headers = {"Authorization": f"Bearer {token}"}
    if state.external_id and ":" in state.external_id:
        channel_id, ts = state.external_id.split(":", 1)
        answer = await _call(
            ctx, f"{api_url}/chat.update", headers, {**payload, "channel": channel_id, "ts": ts}
        )
        if answer.get("ok"):
            return DeliveryResult(state.external_id, state.link)
        if answer.get("error") not in ("message_not_found", "cant_update_message"):
            raise _api_error("chat.update", answer)
    answer = await _call(
        ctx, f"{api_url}/chat.postMessage", headers, {**payload, "channel": channel}
    )
    if not answer.get("ok"):
        raise _api_error("chat.postMessage", answer)
    return DeliveryResult(f"{answer['channel']}:{answer['ts']}", None)


async def _call(
    ctx: ReporterContext, url: str, headers: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    try:
        response = await ctx.http.post(url, json=body, headers=headers)
    except httpx.HTTPError as error:
        raise DeliveryError(f"Slack unreachable: {error}") from error
    if response.status_code == 429 or response.status_code >= 500:
        raise DeliveryError(f"Slack answered {response.status_code}")
    try:
        answer: dict[str, Any] = response.json()
    except ValueError as error:
        raise DeliveryError(f"Slack answered {response.status_code}, not JSON") from error
    return answer


def _api_error(method: str, answer: dict[str, Any]) -> DeliveryError:
    error = str(answer.get("error", "unknown_error"))
    return DeliveryError(f"Slack {method}: {error}", retryable=error in _RETRYABLE_ERRORS)
