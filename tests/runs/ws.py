"""A WebSocket client for the run and project sockets (the ``websockets`` library)."""

from __future__ import annotations

import json
from typing import Any

import websockets


def ws_url(base_url: str, path: str) -> str:
    return base_url.replace("http://", "ws://", 1) + path


def access_token(headers: dict[str, str]) -> str:
    return headers["Authorization"].split(" ", 1)[1]


async def watch_run(
    base_url: str, run_id: str, token: str, *, after: int = 0
) -> tuple[list[dict[str, Any]], int | None]:
    """Every message of the run socket until the server closes it; and the close code."""
    messages: list[dict[str, Any]] = []
    async with websockets.connect(ws_url(base_url, f"/api/ws/runs/{run_id}")) as socket:
        await socket.send(json.dumps({"type": "auth", "token": token, "after": after}))
        try:
            async for raw in socket:
                messages.append(json.loads(raw))
        except websockets.ConnectionClosed:
            pass
        return messages, socket.close_code


def events_of(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m["event"] for m in messages if m["type"] == "event"]


def progress_of(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m["type"] == "progress"]
