"""Fixtures of the auth tests: a stand-in for the Resend API that the real client talks to."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeResend:
    """Answers like https://api.resend.com (``POST /emails`` -> ``{"id": ...}``) and keeps
    every request for the test to inspect. Set ``fail_status`` to answer errors instead."""

    url: str = ""
    requests: list[RecordedRequest] = field(default_factory=list)
    fail_status: int | None = None


@pytest.fixture
def fake_resend() -> Iterator[FakeResend]:
    fake = FakeResend()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            fake.requests.append(
                RecordedRequest(
                    method="POST",
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=json.loads(raw) if raw else None,
                )
            )
            if fake.fail_status is not None:
                status = fake.fail_status
                payload = {
                    "statusCode": status,
                    "name": "internal_server_error",
                    "message": "Resend is having a bad day",
                }
            else:
                status = 200
                payload = {"id": f"re_msg_{len(fake.requests)}"}
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
