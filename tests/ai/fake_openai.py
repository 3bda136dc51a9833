"""A local stand-in for the OpenAI and Anthropic HTTP APIs, for tests of the real SDKs.

Implements ``POST /v1/chat/completions`` (OpenAI and OpenAI-compatible servers) and
``POST /v1/messages`` (Anthropic) on a free localhost port, records every request, and
answers with whatever the test chose: ``server.reply = lambda recorded: "<model text>"``.
``server.delay`` makes it slow (for timeouts); ``server.status`` makes it fail.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def choose_line(prompt: str, shown: str) -> int:
    """The list number of the candidate line showing ``"shown"`` (what a good model does)."""
    for line in prompt.splitlines():
        number, _, rest = line.partition(". ")
        if number.isdigit() and f'"{shown}"' in rest:
            return int(number)
    raise AssertionError(f"{shown!r} is not in the prompt:\n{prompt}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class FakeModelServer:
    reply: Callable[[Recorded], str] = lambda recorded: '{"index": null, "reason": "unset"}'
    delay: float = 0.0
    status: int = 200
    requests: list[Recorded] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        app = Starlette(
            routes=[
                Route("/v1/chat/completions", self._chat_completions, methods=["POST"]),
                Route("/v1/messages", self._messages, methods=["POST"]),
            ]
        )
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake model server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)

    def reset(self) -> None:
        self.requests.clear()
        self.delay = 0.0
        self.status = 200
        self.reply = lambda recorded: '{"index": null, "reason": "unset"}'

    async def _record(self, request: Request) -> Recorded:
        recorded = Recorded(
            path=request.url.path,
            headers={k.lower(): v for k, v in request.headers.items()},
            body=await request.json(),
        )
        self.requests.append(recorded)
        if self.delay:
            await asyncio.sleep(self.delay)
        return recorded

    async def _chat_completions(self, request: Request) -> JSONResponse:
        recorded = await self._record(request)
        if self.status != 200:
            return JSONResponse(
                {"error": {"message": "scripted failure", "type": "server_error"}},
                status_code=self.status,
            )
        return JSONResponse(
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": recorded.body.get("model", ""),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": self.reply(recorded)},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            }
        )

    async def _messages(self, request: Request) -> JSONResponse:
        recorded = await self._record(request)
        if self.status != 200:
            return JSONResponse(
                {"type": "error", "error": {"type": "api_error", "message": "scripted failure"}},
                status_code=self.status,
            )
        return JSONResponse(
            {
                "id": "msg_fake",
                "type": "message",
                "role": "assistant",
                "model": recorded.body.get("model", ""),
                "content": [{"type": "text", "text": self.reply(recorded)}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 10, "output_tokens": 5},
            }
        )
