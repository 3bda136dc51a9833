"""A local fake Slack: an incoming webhook and the Web API's chat.postMessage and
chat.update, answering as Slack does (HTTP 200 with ``ok``/``error``)."""

from __future__ import annotations

import re
from typing import Any

from tests.reports.destinations.fake_http import Answer, FakeService, Recorded

BOT_TOKEN = "xoxb-1-destination-token-of-this-org"


def fake_slack(fake: FakeService, token: str = BOT_TOKEN) -> dict[str, Any]:
    """Webhook endpoint + chat.postMessage / chat.update, answering like Slack; the Web API
    lets in only ``token`` (sent as ``Authorization: Bearer <token>``)."""
    state: dict[str, Any] = {"messages": {}, "next_ts": 1}

    @fake.route("POST", r"/services/T000/B000/XXXX")
    def webhook(request: Recorded, match: re.Match[str]) -> Answer:
        return Answer(200, "ok")

    @fake.route("POST", r"/api/chat\.postMessage")
    def post(request: Recorded, match: re.Match[str]) -> Answer:
        if request.header("authorization") != f"Bearer {token}":
            return Answer(200, {"ok": False, "error": "invalid_auth"})
        ts = f"1700000000.{state['next_ts']:06d}"
        state["next_ts"] += 1
        state["messages"][ts] = request.body
        return Answer(200, {"ok": True, "channel": "C0QA", "ts": ts, "message": {}})

    @fake.route("POST", r"/api/chat\.update")
    def update(request: Recorded, match: re.Match[str]) -> Answer:
        if request.header("authorization") != f"Bearer {token}":
            return Answer(200, {"ok": False, "error": "invalid_auth"})
        if request.body.get("ts") not in state["messages"] or request.body["channel"] != "C0QA":
            return Answer(200, {"ok": False, "error": "message_not_found"})
        state["messages"][request.body["ts"]] = request.body
        return Answer(200, {"ok": True, "channel": "C0QA", "ts": request.body["ts"]})

    return state
